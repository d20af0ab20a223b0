"""The build context and target a Compose file gives a Dockerfile.

Without more information a Dockerfile's build context is its own folder. A
Compose file (``compose.yaml``, ``docker-compose.yml``, ...) in that folder or
a parent says otherwise when one of its services builds this Dockerfile::

    services:
      web:
        build:
          context: .
          dockerfile: docker/web/Dockerfile
          target: production

Then ``COPY . .`` copies the Compose file's folder, and the image is the
``production`` stage. ``build_for(path)`` finds such a service, looking up to
three folders above the Dockerfile's, never above the repository's root (a
``.git`` folder) or the folder modcon runs in. Only contexts inside the Compose
file's folder are taken (a context elsewhere, or a remote one, is not read); a
Compose file that does not parse is ignored.

PyYAML is imported only when a Compose file is found.
"""
from __future__ import annotations

import functools
import os

from modcon.named_tuple import NamedTuple
from modcon.project import LocalTree

COMPOSE_FILES = ('compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml')
_PARENTS = 3  # how many folders above the Dockerfile's are searched
_MAX_BYTES = 256 * 1024


class ComposeBuild(NamedTuple):
    context: str  # absolute path of the build context
    target: str | None  # the stage built, None for the last one
    compose_file: str  # absolute path
    service: str


def build_for(dockerfile: str, tree: LocalTree | None = None) -> ComposeBuild | None:
    """The Compose service that builds ``dockerfile`` (a path), if any.

    ``tree`` answers what the file system holds (a run's Dockerfiles share one).
    """
    tree = tree if tree is not None else LocalTree()
    real = tree.realpath(dockerfile)
    folder = os.path.dirname(real)
    here = tree.realpath(tree.cwd())
    # never above the repository's root, nor above the folder modcon runs in
    # (the Action's workspace) when the Dockerfile is inside it
    inside = folder == here or folder.startswith(here + os.sep)
    for _ in range(_PARENTS + 1):
        for name in COMPOSE_FILES:
            path = os.path.join(folder, name)
            if tree.is_file(path):
                found = _search(path, real, tree)
                if found is not None:
                    return found
        if tree.is_dir(os.path.join(folder, '.git')) or (inside and folder == here):
            break  # the repository's root, or where modcon runs
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    return None


def _search(compose_file: str, dockerfile: str, tree: LocalTree) -> ComposeBuild | None:
    data = _load(compose_file)
    services = data.get('services') if isinstance(data, dict) else None
    if not isinstance(services, dict):
        return None
    base = os.path.dirname(compose_file)
    for service, config in services.items():
        build = config.get('build') if isinstance(config, dict) else None
        if isinstance(build, str):
            build = {'context': build}
        if not isinstance(build, dict):
            continue
        context = build.get('context', '.')
        name = build.get('dockerfile', 'Dockerfile')
        target = build.get('target')
        if not isinstance(context, str) or not isinstance(name, str) or '://' in context \
                or '$' in context + name:
            continue
        root = tree.realpath(os.path.join(base, context))
        if root != base and not root.startswith(base + os.sep):
            continue  # outside the Compose file's folder: not read
        if tree.realpath(os.path.join(root, name)) != dockerfile:
            continue
        return ComposeBuild(root, target if isinstance(target, str) else None,
                            compose_file, str(service))
    return None


@functools.lru_cache(maxsize=32)
def _load(path: str) -> object:
    try:
        with open(path, 'rb') as f:
            data = f.read(_MAX_BYTES + 1)
    except OSError:
        return None
    if len(data) > _MAX_BYTES:
        return None
    import yaml

    try:
        return yaml.safe_load(data.decode('utf-8'))
    except (yaml.YAMLError, UnicodeDecodeError, RecursionError):
        return None
