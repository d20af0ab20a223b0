"""Base-image facts read from the image itself: an engine's copy, or a registry.

``images.facts`` uses this module only when the user opts in (the
``--image-facts`` option of ``check``/``fix``/``verify``, or the
``MODCON_IMAGE_FACTS`` variable; see docs/configuration.md), so a default
``modcon check`` stays offline and never imports ``requests``. The sources:

- ``engine``: ``docker``/``podman image inspect`` of an image the engine has
  (it is not pulled);
- ``registry``: the image's config blob over the registry's HTTP API
  (``/v2/<name>/manifests/<ref>``, then ``/v2/<name>/blobs/<config digest>``),
  anonymously: on a 401 the ``WWW-Authenticate: Bearer`` challenge names the
  token service, which gives a pull token without credentials.

What was read is cached as JSON under ``$XDG_CACHE_HOME/modcon/image-facts``
(``~/.cache/...``): a digest-pinned reference forever, a tag for a week.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterable
from collections.abc import Mapping

from modcon.knowledge.image_facts import ImageFacts
from modcon.lazyregex import lazy_compile
from modcon.named_tuple import NamedTuple

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

SOURCES = ('engine', 'registry')
TAG_TTL = 7 * 24 * 3600.0
DOCKER_HUB = 'registry-1.docker.io'
_MANIFEST_TYPES = ', '.join((
    'application/vnd.oci.image.index.v1+json',
    'application/vnd.docker.distribution.manifest.list.v2+json',
    'application/vnd.oci.image.manifest.v1+json',
    'application/vnd.docker.distribution.manifest.v2+json',
))
_CHALLENGE = lazy_compile(r'(\w+)="([^"]*)"')
_PLATFORM = {'os': 'linux', 'architecture': 'amd64'}


class Reference(NamedTuple):
    """An image reference split the way docker reads it."""

    registry: str  # host[:port]; Docker Hub as registry-1.docker.io
    name: str  # library/python, org/app
    reference: str  # a tag or a sha256 digest

    @property
    def pinned(self) -> bool:
        return self.reference.startswith('sha256:')


def parse_reference(image: str) -> Reference:
    """``python:3.12`` -> (registry-1.docker.io, library/python, 3.12)."""
    rest, _, digest = image.strip().partition('@')
    first, _, remainder = rest.partition('/')
    if remainder and ('.' in first or ':' in first or first == 'localhost'):
        registry, rest = first, remainder
    else:
        registry = DOCKER_HUB
    if registry in ('docker.io', 'index.docker.io'):
        registry = DOCKER_HUB
    name, _, tag = rest.rpartition(':') if ':' in rest.rsplit('/', 1)[-1] else (rest, '', '')
    if registry == DOCKER_HUB and '/' not in name:
        name = f'library/{name}'
    return Reference(registry, name.lower(), digest or tag or 'latest')


def facts_from_config(config: Mapping[str, Any], source: str) -> ImageFacts:
    """The facts a rule needs from an image config (``docker image inspect``'s
    ``Config``, or the ``config`` object of an OCI config blob)."""
    def words(key: str) -> tuple[str, ...] | None:
        value = config.get(key)
        return tuple(str(w) for w in value) if isinstance(value, list) and value else None

    env = tuple(tuple(str(e).split('=', 1)) for e in config.get('Env') or ()
                if '=' in str(e))
    return ImageFacts(
        entrypoint=words('Entrypoint'), shell=words('Shell'), source=source,
        cmd=words('Cmd'), user=str(config.get('User') or '') or None,
        stopsignal=str(config.get('StopSignal') or '') or None,
        env=env,  # type: ignore[arg-type]
    )


# -- the cache ----------------------------------------------------------------

def cache_dir(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    base = env.get('XDG_CACHE_HOME') or os.path.join(os.path.expanduser('~'), '.cache')
    return os.path.join(base, 'modcon', 'image-facts')


def _cache_path(image: str) -> str:
    return os.path.join(cache_dir(), hashlib.sha256(image.encode()).hexdigest() + '.json')


def _from_cache(image: str, pinned: bool) -> ImageFacts | None:
    try:
        with open(_cache_path(image), encoding='utf-8') as f:
            entry = json.load(f)
    except (OSError, ValueError):
        return None
    if not isinstance(entry, dict) or entry.get('image') != image:
        return None
    if not pinned and time.time() - float(entry.get('read_at', 0)) > TAG_TTL:
        return None
    return facts_from_config(entry.get('config') or {}, str(entry.get('source', '')))


def _to_cache(image: str, config: Mapping[str, Any], source: str) -> None:
    path = _cache_path(image)
    entry = {'image': image, 'source': source, 'read_at': time.time(), 'config': dict(config)}
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        temporary = f'{path}.{os.getpid()}.tmp'
        with open(temporary, 'w', encoding='utf-8') as f:
            json.dump(entry, f)
        os.replace(temporary, path)
    except OSError:
        pass  # a cache that cannot be written only costs another lookup


# -- the sources ----------------------------------------------------------------

def config_from_engine(image: str) -> dict[str, Any] | None:
    from modcon.containers.engine import EngineError
    from modcon.containers.engine import find_engine

    try:
        engine = find_engine('auto')
        return engine.image_config(image) if engine is not None else None
    except EngineError:
        return None


def config_from_registry(image: str, *, timeout: float = 10.0) -> dict[str, Any] | None:
    """The ``config`` object of the image's config blob, or None when the
    registry cannot be reached, wants credentials, or has no such image."""
    import requests

    ref = parse_reference(image)
    local = ref.registry.split(':')[0] in ('localhost', '127.0.0.1', '::1')
    base = f'{"http" if local else "https"}://{ref.registry}/v2/{ref.name}'
    session = requests.Session()
    try:
        manifest = _get_json(session, f'{base}/manifests/{ref.reference}', ref, timeout,
                             accept=_MANIFEST_TYPES)
        if manifest is not None and 'manifests' in manifest:  # an index: pick linux/amd64
            chosen = next((m for m in manifest['manifests']
                           if all((m.get('platform') or {}).get(k) == v
                                  for k, v in _PLATFORM.items())), None)
            manifest = None if chosen is None else _get_json(
                session, f'{base}/manifests/{chosen["digest"]}', ref, timeout,
                accept=_MANIFEST_TYPES)
        digest = ((manifest or {}).get('config') or {}).get('digest')
        if not digest:
            return None
        blob = _get_json(session, f'{base}/blobs/{digest}', ref, timeout)
    except (requests.RequestException, ValueError, KeyError, TypeError):
        return None
    config = (blob or {}).get('config')
    return config if isinstance(config, dict) else {} if blob is not None else None


def _get_json(session: Any, url: str, ref: Reference, timeout: float,
              accept: str = '*/*') -> dict[str, Any] | None:
    headers = {'Accept': accept}
    response = session.get(url, headers=headers, timeout=timeout)
    if response.status_code == 401 and 'Authorization' not in session.headers:
        token = _anonymous_token(session, response.headers.get('WWW-Authenticate', ''),
                                 ref, timeout)
        if token is None:
            return None
        session.headers['Authorization'] = f'Bearer {token}'
        response = session.get(url, headers=headers, timeout=timeout)
    if response.status_code != 200:
        return None
    data = response.json()
    return data if isinstance(data, dict) else None


def _anonymous_token(session: Any, challenge: str, ref: Reference,
                     timeout: float) -> str | None:
    """Docker's token flow without credentials: the challenge names the realm."""
    scheme, _, params = challenge.partition(' ')
    if scheme.lower() != 'bearer':
        return None
    fields = dict(_CHALLENGE.findall(params))
    realm = fields.pop('realm', None)
    if not realm:
        return None
    fields.setdefault('scope', f'repository:{ref.name}:pull')
    response = session.get(realm, params=fields, timeout=timeout)
    if response.status_code != 200:
        return None
    data = response.json()
    token = data.get('token') or data.get('access_token')
    return str(token) if token else None


# -- the lookup ---------------------------------------------------------------

_SEEN: dict[tuple[str, tuple[str, ...]], ImageFacts | None] = {}


def parse_sources(value: str) -> tuple[str, ...]:
    """``engine,registry`` -> the sources in order; ``off``/empty: none."""
    names = tuple(part.strip().lower() for part in value.split(',') if part.strip())
    return tuple(n for n in names if n in SOURCES)


def lookup(image: str, sources: Iterable[str]) -> ImageFacts | None:
    """Facts read from ``image`` itself through ``sources`` (cached), or None."""
    sources = tuple(sources)
    key = (image, sources)
    if key not in _SEEN:
        _SEEN[key] = _lookup(image, sources)
    return _SEEN[key]


def _lookup(image: str, sources: tuple[str, ...]) -> ImageFacts | None:
    if not sources or image.lower() == 'scratch':
        return None
    pinned = parse_reference(image).pinned
    cached = _from_cache(image, pinned)
    if cached is not None:
        return cached
    for source in sources:
        config = config_from_engine(image) if source == 'engine' else config_from_registry(image)
        if config is not None:
            label = f'{source}: {image}'
            _to_cache(image, config, label)
            return facts_from_config(config, label)
    return None
