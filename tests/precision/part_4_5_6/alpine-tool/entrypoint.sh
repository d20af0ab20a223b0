#!/bin/sh
set -eu
exec jq "$@"
