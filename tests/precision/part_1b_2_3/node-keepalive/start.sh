#!/bin/bash
redis-server --daemonize yes
node worker.js &
tail -f /dev/null
