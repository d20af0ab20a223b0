# syntax=docker/dockerfile:1
# The image of the modcon GitHub Action (action.yml: runs.image: Dockerfile).
# It is itself a module container: exec-form ENTRYPOINT with an absolute path,
# a slim pinned base, no compilers or caches left behind. No USER or WORKDIR:
# GitHub runs container actions as root in /github/workspace.

FROM python:3.12.8-slim-bookworm AS build
COPY pyproject.toml README.md LICENSE /src/
COPY src /src/src
COPY fixers /src/fixers
RUN python -m pip install --no-cache-dir --no-compile --prefix=/install "/src[github]"

FROM python:3.12.8-slim-bookworm
# git finds the files git ignores; the image keeps no apt lists.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git=1:2.39.5-0+deb12u3 \
 && rm -rf /var/lib/apt/lists/*
LABEL org.opencontainers.image.title="modcon" \
      org.opencontainers.image.description="Finds and fixes where containers break the module-container properties" \
      org.opencontainers.image.source="https://github.com/modcon/modcon" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
COPY --from=build /install /usr/local
# Inputs arrive as INPUT_* variables and are read in Python: no shell, no args.
ENTRYPOINT ["/usr/local/bin/modcon", "action"]
