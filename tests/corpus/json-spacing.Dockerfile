FROM alpine:3.20
CMD   [  "echo" ,"a"  ,  "b"  ]
ENTRYPOINT ["/bin/sh","-c","echo \"$HOME\""]
SHELL ["/bin/ash", "-eo", "pipefail", "-c"]
RUN ["echo", "exec form run"]
HEALTHCHECK --interval=5m --timeout=3s \
  CMD ["wget", "-q", "--spider", "http://localhost/"]
