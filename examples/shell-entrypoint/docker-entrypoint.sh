#!/bin/sh
set -e

# Render the configuration from the environment, then start the server.
echo "listen=${LISTEN:-:8080}" > /tmp/server.conf
"$@"
