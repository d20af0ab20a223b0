"""A real container engine for the tests: podman with runc and local base images.

`tests/containers/base-images.sh` builds the base images from Debian packages
(no registry is reachable here); `.ci/run` runs it. When this machine cannot
run containers, `engine()` skips the test and says why; with
MODCON_REQUIRE_CONTAINERS=1 (set by `.ci/run`) it fails instead, so CI never
passes with these tests skipped.

Public images named in FROM are stood in for by the local base images, tagged
with the public name and labelled `org.modcon.stand-in` (see `stand_in`).
"""
from __future__ import annotations

import functools
import os
import pathlib
import shutil
import subprocess
import tempfile

import pytest

from modcon.containers.engine import Engine
from modcon.containers.engine import find_engine

HERE = pathlib.Path(__file__).resolve().parent / 'containers'
CONF = HERE / 'containers.conf'
PYTHON_BASE = 'localhost/modcon-base/python:bookworm'
NODE_BASE = 'localhost/modcon-base/node:bookworm'
STAND_IN_LABEL = 'org.modcon.stand-in'


def engine_env() -> dict[str, str]:
    return {**os.environ, 'CONTAINERS_CONF': str(CONF)}


@functools.cache
def _engine_or_reason() -> Engine | str:
    if shutil.which('podman') is None:
        return 'podman is not installed (.ci/run installs it from Debian)'
    if os.geteuid() != 0:
        return 'the container tests run rootful podman, which needs root'
    # One retry: under heavy load `podman info` can miss its 20 s once, and this
    # answer is cached for the whole session.
    engine = find_engine('podman', engine_env()) or find_engine('podman', engine_env())
    if engine is None:
        return 'podman does not answer (podman info failed)'
    missing = [image for image in (PYTHON_BASE, NODE_BASE) if not engine.has_image(image)]
    if missing:
        return (f'base image {missing[0]} is missing: run tests/containers/base-images.sh '
                f'(.ci/run does)')
    return engine


def engine() -> Engine:
    """The engine, or skip (fail under MODCON_REQUIRE_CONTAINERS=1) with the reason."""
    found = _engine_or_reason()
    if isinstance(found, str):
        if os.environ.get('MODCON_REQUIRE_CONTAINERS') == '1':
            pytest.fail(f'containers are required here, but {found}')
        pytest.skip(found)
    return found


@functools.cache
def stand_in(public_name: str, base: str = PYTHON_BASE) -> str:
    """Tag ``base`` as ``public_name`` (e.g. ``python:3.12-slim``), labelled as a
    local stand-in, so a Dockerfile that names the public image builds here.
    A stand-in made from the same base image is reused."""
    found = engine()
    full = public_name if '/' in public_name.split(':')[0] else f'docker.io/library/{public_name}'
    base_id = podman('image', 'inspect', '--format', '{{.Id}}', base).stdout.strip()
    current = podman('image', 'inspect', '--format', f'{{{{index .Labels "{STAND_IN_LABEL}"}}}}',
                     full, check=False)
    if current.returncode == 0 and base_id in current.stdout:
        return full
    with tempfile.TemporaryDirectory() as context:
        pathlib.Path(context, 'Dockerfile').write_text(
            f'FROM {base}\nLABEL {STAND_IN_LABEL}="local stand-in for {public_name}, '
            f'built from Debian packages: {base} {base_id}"\n')
        built = found.build(context, tag=full)
    assert built.image is not None, built.log
    return full


def write_tree(root: pathlib.Path, files: dict[str, str]) -> pathlib.Path:
    for path, text in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        if text.startswith('#!'):
            target.chmod(0o755)
    return root


def podman(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(['podman', *args], env=engine_env(), capture_output=True, text=True,
                          check=check, timeout=600)
