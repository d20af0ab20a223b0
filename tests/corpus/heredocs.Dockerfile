# syntax=docker/dockerfile:1.7
FROM alpine:3.20 AS base
RUN <<EOF
set -e
echo "CMD inside a heredoc is not an instruction"
EOF
RUN <<-"INDENTED" bash
	if true; then
		echo tabbed
	fi
	INDENTED
COPY <<one.txt <<two.txt /etc/
first
one.txt
second
two.txt
RUN 3<<EOF3 cat <&3
fd three
EOF3
CMD cat /etc/one.txt /etc/two.txt
