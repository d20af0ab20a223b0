FROM alpine:3.20
# check=skip=all is only a directive at the top; here it is a comment
CMD exec
CMD ["/bin/true"]
ENTRYPOINT []
CMD echo \\
CMD echo "ends with an escaped backslash \\"
EXPOSE 80/tcp 443
VOLUME ["/data"]
