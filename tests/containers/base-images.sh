#!/bin/sh
# Build (or reuse) the local base images of the container tests. No registry is
# reachable, so they are made from Debian packages with debootstrap:
#   localhost/modcon-base/python:bookworm  Debian 12 + python3; a venv at
#       /usr/local gives python, python3 and pip there, laid out like the
#       official python image (no ENTRYPOINT, CMD ["python3"]).
#   localhost/modcon-base/node:bookworm    the same + Node and npm in
#       /usr/local (the host's, else Debian's nodejs), an ENTRYPOINT that
#       behaves like the official node image's (`node` prepended only when
#       the first argument is an option or not a command), CMD ["node"].
# The root file system is cached as a tarball in $MODCON_CONTAINER_CACHE
# (default ~/.cache/modcon-containers), outside the repository. When this
# machine cannot build them (no podman, not root) it says why and exits 0:
# the tests then skip with that reason.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
export CONTAINERS_CONF="${CONTAINERS_CONF:-$here/containers.conf}"
cache="${MODCON_CONTAINER_CACHE:-$HOME/.cache/modcon-containers}"
python_image=localhost/modcon-base/python:bookworm
node_image=localhost/modcon-base/node:bookworm

skip() { echo "base-images: not built: $*"; exit 0; }
command -v podman >/dev/null || skip "podman is not installed"
[ "$(id -u)" = 0 ] || skip "building base images needs root (debootstrap, rootful podman)"
# The images carry the hash of this script: a changed recipe rebuilds them.
recipe=$(sha256sum "$0" | cut -c1-16)
label() { podman image inspect --format '{{index .Labels "org.modcon.base-images"}}' "$1" 2>/dev/null || true; }
if [ "$(label "$python_image")" = "$recipe" ] && [ "$(label "$node_image")" = "$recipe" ]; then
    echo "base-images: reusing $python_image and $node_image"
    exit 0
fi
mkdir -p "$cache"
rootfs_tar="$cache/bookworm-python.tar"
if [ ! -s "$rootfs_tar" ]; then
    command -v debootstrap >/dev/null || skip "debootstrap is not installed"
    mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    mirror=${mirror:-http://deb.debian.org/debian}
    work=$(mktemp -d "$cache/rootfs.XXXXXX")
    trap 'rm -rf "$work"' EXIT
    debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates,libstdc++6 \
        bookworm "$work/root" "$mirror" >"$cache/debootstrap.log" 2>&1 \
        || { tail -20 "$cache/debootstrap.log"; exit 1; }
    printf 'deb %s bookworm main\ndeb %s bookworm-updates main\ndeb %s-security bookworm-security main\n' \
        "$mirror" "$mirror" "$mirror" >"$work/root/etc/apt/sources.list"
    chroot "$work/root" python3 -m venv /usr/local
    ln -sf python3 "$work/root/usr/local/bin/python"
    rm -rf "$work/root/var/cache/apt/archives"/*.deb "$work/root/var/lib/apt/lists"/*
    tar -C "$work/root" -cf "$rootfs_tar.tmp" .
    mv "$rootfs_tar.tmp" "$rootfs_tar"
    rm -rf "$work"
    trap - EXIT
fi
podman import -q "$rootfs_tar" localhost/modcon-base/rootfs:bookworm >/dev/null
python_dir=$(mktemp -d "$cache/python.XXXXXX")
cat >"$python_dir/Containerfile" <<DF
FROM localhost/modcon-base/rootfs:bookworm
# pip verifies downloads against the system's CA list, as Debian's pip does,
# so a build that mounts the host's bundle gets through a TLS-inspecting proxy.
RUN for f in /usr/local/lib/python3*/site-packages/pip/_vendor/certifi/cacert.pem; do \
        ln -sf /etc/ssl/certs/ca-certificates.crt "\$f"; done
ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8
LABEL org.modcon.base-images="$recipe"
CMD ["python3"]
DF
podman build -q -t "$python_image" "$python_dir" >/dev/null
rm -rf "$python_dir"

# Node: the host's build when it is a self-contained one, else Debian's nodejs.
node_dir=$(mktemp -d "$cache/node.XXXXXX")
trap 'rm -rf "$node_dir"' EXIT
node_bin=$(command -v node || true)
npm_dir=""
for d in /usr/lib/node_modules/npm /usr/local/lib/node_modules/npm; do
    [ -f "$d/bin/npm-cli.js" ] && npm_dir=$d && break
done
cat >"$node_dir/docker-entrypoint.sh" <<'SH'
#!/bin/sh
# Stand-in for the official node image's entrypoint: run node when the first
# argument is an option or not a command, else run the arguments as given.
set -e
case "${1:-}" in
    -*) set -- node "$@" ;;
    *) if [ -z "${1:-}" ] || ! command -v "$1" >/dev/null 2>&1; then set -- node "$@"; fi ;;
esac
exec "$@"
SH
chmod 755 "$node_dir/docker-entrypoint.sh"
if [ -n "$node_bin" ] && [ -n "$npm_dir" ] && ldd "$node_bin" >/dev/null 2>&1; then
    mkdir -p "$node_dir/lib/node_modules"
    cp "$node_bin" "$node_dir/node"
    cp -r "$npm_dir" "$node_dir/lib/node_modules/npm"
    cat >"$node_dir/Containerfile" <<DF
FROM localhost/modcon-base/python:bookworm
COPY node /usr/local/bin/node
COPY lib /usr/local/lib
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
LABEL org.modcon.base-images="$recipe"
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["node"]
DF
else
    cat >"$node_dir/Containerfile" <<DF
FROM localhost/modcon-base/python:bookworm
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm \
 && rm -rf /var/lib/apt/lists/*
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
LABEL org.modcon.base-images="$recipe"
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["node"]
DF
fi
podman build --network host -q -t "$node_image" "$node_dir" >/dev/null
echo "base-images: built $python_image and $node_image"
