"""What modcon knows about well-known base images, with sources.

Only facts that change a fix's safety live here. An image that is not in the
table is "unknown", and fixes that depend on it are offered as unsafe. When
the user opts in (``MODCON_IMAGE_FACTS=engine,registry``, which the
``--image-facts`` option sets), the facts are read from the image itself
first (``image_config.py``) and the table is the fallback.
"""
from __future__ import annotations

import functools
import os

from modcon.knowledge.image_facts import ImageFacts
from modcon.lazyregex import lazy_compile

_LIBRARY = 'https://github.com/docker-library/'
_NONE = ImageFacts(None)

# Official images without an ENTRYPOINT (their Dockerfiles set only CMD).
_NO_ENTRYPOINT = (
    'alpine', 'almalinux', 'amazonlinux', 'amazoncorretto', 'archlinux', 'busybox',
    'centos', 'clojure', 'debian', 'eclipse-temurin', 'elixir', 'erlang', 'fedora', 'gcc',
    'golang', 'haskell', 'httpd', 'ibm-semeru-runtimes', 'julia', 'openjdk', 'oraclelinux',
    'perl', 'pypy', 'python', 'rockylinux', 'ruby', 'rust', 'scratch', 'swift', 'tomcat',
    'ubuntu', 'caddy', 'gradle',
)

KNOWN_IMAGES: dict[str, ImageFacts] = {
    **{name: _NONE._replace(source=f'{_LIBRARY}{name}') for name in _NO_ENTRYPOINT},
    # docker-entrypoint.sh prepends `node` only when $1 starts with '-' or is
    # not a command; otherwise it runs `exec "$@"`.
    'node': ImageFacts(('docker-entrypoint.sh',), passes_through=True,
                       source=f'{_LIBRARY}node/blob/master/docker-entrypoint.sh'),
    # docker-php-entrypoint prepends `php` only when $1 starts with '-'.
    'php': ImageFacts(('docker-php-entrypoint',), passes_through=True,
                      source=f'{_LIBRARY}php/blob/master/docker-php-entrypoint'),
    # These entrypoints change what they do when $1 names their server
    # (run init scripts, drop privileges with gosu), so argv[0] matters.
    'nginx': ImageFacts(('/docker-entrypoint.sh',),
                        source='https://github.com/nginx/docker-nginx/blob/master/entrypoint/docker-entrypoint.sh'),
    'redis': ImageFacts(('docker-entrypoint.sh',), source=f'{_LIBRARY}redis'),
    'postgres': ImageFacts(('docker-entrypoint.sh',), source=f'{_LIBRARY}postgres'),
    'mysql': ImageFacts(('docker-entrypoint.sh',), source=f'{_LIBRARY}mysql'),
    'mariadb': ImageFacts(('docker-entrypoint.sh',), source=f'{_LIBRARY}mariadb'),
    'mongo': ImageFacts(('docker-entrypoint.sh',), source=f'{_LIBRARY}mongo'),
    'rabbitmq': ImageFacts(('docker-entrypoint.sh',), source=f'{_LIBRARY}rabbitmq'),
    'haproxy': ImageFacts(('docker-entrypoint.sh',), source=f'{_LIBRARY}haproxy'),
    'maven': ImageFacts(('/usr/local/bin/mvn-entrypoint.sh',), source=f'{_LIBRARY}maven'),
}

_DIGEST = lazy_compile(r'@sha256:[0-9a-f]+$')


@functools.lru_cache(maxsize=256)
def repository(image: str) -> str:
    """The repository of an image reference: ``docker.io/library/python:3`` -> ``python``
    (cached: every FROM is asked about by several rules, and a batch repeats images)."""
    name = image.strip()
    if '@sha256:' in name:
        name = _DIGEST.sub('', name)
    slash = name.rfind('/')
    colon = name.rfind(':')
    if colon > slash:
        name = name[:colon]
    for prefix in ('docker.io/library/', 'index.docker.io/library/', 'library/',
                   'docker.io/', 'index.docker.io/'):
        if name.startswith(prefix):
            name = name[len(prefix):]
            break
    return name.lower()


IMAGE_FACTS_VARIABLE = 'MODCON_IMAGE_FACTS'


def facts(image: str) -> ImageFacts | None:
    """Known facts about ``image``, or None when modcon does not know it."""
    if '$' in image:
        return None
    known = KNOWN_IMAGES.get(repository(image))
    sources = os.environ.get(IMAGE_FACTS_VARIABLE)
    if sources:  # opted in: the image's own config comes first
        from modcon.knowledge.image_config import lookup
        from modcon.knowledge.image_config import parse_sources

        read = lookup(image, parse_sources(sources))
        if read is not None:
            # Whether an entrypoint script passes its arguments through is not
            # in any config; the table knows it for the entrypoints it lists.
            passes = known is not None and known.entrypoint == read.entrypoint and \
                known.passes_through
            return read._replace(passes_through=passes)
    return known
