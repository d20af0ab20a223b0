#!/bin/sh
# Let npm inside a build on the local Node image reach its registry from here,
# and fail fast when it cannot. Run after base-images.sh; it adds one layer to
# localhost/modcon-base/node:bookworm (reused when the layer is current):
#   - NODE_EXTRA_CA_CERTS names the system CA list. Node checks TLS against
#     the CA list compiled into it, not the system's, so npm rejected the
#     certificate of this network's TLS-inspecting proxy
#     (SELF_SIGNED_CERT_IN_CHAIN) although the build mounts the host's CA
#     bundle over the image's own (HOST_CA_BUNDLE of modcon's container
#     engine), which pip's builds need too. Without that mount the image's
#     own Debian list is read: nothing is trusted that Debian does not trust.
#   - npm's global config bounds its network time: 1 retry, 10 s between
#     tries, 60 s per request (npm's defaults: 2 retries, up to 60 s apart,
#     5 min per request), so a build that cannot reach the registry fails in
#     seconds with npm's reason instead of retrying for minutes.
# The official node image has neither; a Dockerfile's own .npmrc still wins.
# A separate layer, so the base image (and its recipe label, which test runs
# compare) stays as base-images.sh builds it.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
export CONTAINERS_CONF="${CONTAINERS_CONF:-$here/containers.conf}"
cache="${MODCON_CONTAINER_CACHE:-$HOME/.cache/modcon-containers}"
node_image=localhost/modcon-base/node:bookworm
key=org.modcon.node-registry

skip() { echo "node-registry: not built: $*"; exit 0; }
command -v podman >/dev/null || skip "podman is not installed"
[ "$(id -u)" = 0 ] || skip "building base images needs root (rootful podman)"
podman image exists "$node_image" || skip "$node_image is missing (run base-images.sh first)"
mkdir -p "$cache"
dir=$(mktemp -d "$cache/node-registry.XXXXXX")
trap 'rm -rf "$dir"' EXIT
cat >"$dir/Containerfile" <<DF
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
RUN npm config set --location=global \
        fetch-retries=1 fetch-retry-mintimeout=2000 fetch-retry-maxtimeout=10000 \
        fetch-timeout=60000
DF
# The layer carries the hash of its recipe (a changed one rebuilds it) and the
# image it was added to (a stale layer is replaced, not stacked on).
label() { podman image inspect --format "{{index .Labels \"$1\"}}" "$node_image"; }
recipe=$(sha256sum "$dir/Containerfile" | cut -c1-16)
current=$(label "$key")
if [ "$current" = "$recipe" ]; then
    echo "node-registry: reusing $node_image"
    exit 0
fi
base=$(podman image inspect --format '{{.Id}}' "$node_image")
[ -z "$current" ] || base=$(label "$key.base")
podman image exists "$base" || { echo "node-registry: $base is gone: run base-images.sh after removing $node_image"; exit 1; }
{ echo "FROM $base"; cat "$dir/Containerfile"
  echo "LABEL $key=\"$recipe\" $key.base=\"$base\""; } >"$dir/Containerfile.full"
mv "$dir/Containerfile.full" "$dir/Containerfile"
podman build -q -t "$node_image" "$dir" >/dev/null
echo "node-registry: $node_image trusts the system CA list, npm fails fast"
