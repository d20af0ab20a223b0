FROM alpine:3.20
CMD sleep 5 && exec sleep infinity