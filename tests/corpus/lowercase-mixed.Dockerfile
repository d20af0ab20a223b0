from alpine:3.20 as base
run echo hi
From base
Cmd echo "lower and mixed case" && exec sleep infinity
