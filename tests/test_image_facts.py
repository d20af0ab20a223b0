"""Base-image facts read from the image itself (--image-facts), the table the fallback.

An image modcon's table does not know makes the exec-form fix of a shell-form
CMD unsafe (its ENTRYPOINT, if any, would receive different arguments). Read
from the image, through the engine (`podman image inspect`) or the registry's
HTTP API (a real `docker-registry`, with and without Docker's anonymous token
flow), the same fix becomes safe when the image has no ENTRYPOINT and stays
unsafe, naming it, when it has one. Nothing of this runs unless asked for:
a default `modcon check` imports neither requests nor the engine.
"""
from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import pytest

from modcon.knowledge.image_config import facts_from_config
from modcon.knowledge.image_config import parse_reference
from tests.containerkit import NODE_BASE
from tests.containerkit import PYTHON_BASE
from tests.containerkit import engine
from tests.containerkit import engine_env
from tests.containerkit import podman
from tests.containerkit import stand_in
from tests.registrykit import local_registry


def _mc101_fix(root: pathlib.Path, image: str, *options: str,
               env: dict[str, str] | None = None) -> dict:
    (root / 'Dockerfile').write_text(f'FROM {image}\nCMD python app.py --serve\n')
    result = subprocess.run([sys.executable, '-m', 'modcon', 'check', '--select', 'MC101',
                             '--format', 'json', *options, '.'], cwd=root, capture_output=True,
                            text=True, env=env, timeout=120)
    [finding] = json.loads(result.stdout)
    return finding['fix']


def _isolated(tmp: pathlib.Path) -> dict[str, str]:
    return {**engine_env(), 'XDG_CACHE_HOME': str(tmp / 'cache')}


@pytest.mark.parametrize(('image', 'expected'), (
    ('python:3.12', ('registry-1.docker.io', 'library/python', '3.12')),
    ('docker.io/library/node', ('registry-1.docker.io', 'library/node', 'latest')),
    ('bitnami/redis:7', ('registry-1.docker.io', 'bitnami/redis', '7')),
    ('ghcr.io/org/app:v1', ('ghcr.io', 'org/app', 'v1')),
    ('localhost:5000/team/base', ('localhost:5000', 'team/base', 'latest')),
    ('127.0.0.1:5000/base:1@sha256:ab12', ('127.0.0.1:5000', 'base', 'sha256:ab12')),
))
def test_references_split_as_docker_reads_them(image: str, expected: tuple) -> None:
    assert tuple(parse_reference(image)) == expected


def test_facts_come_from_the_config_fields() -> None:
    facts = facts_from_config({'Entrypoint': ['/init'], 'Cmd': ['app'], 'User': 'app',
                               'StopSignal': 'SIGQUIT', 'Env': ['A=1', 'B=x=y'],
                               'Shell': None}, 'engine: x')
    assert facts.entrypoint == ('/init',) and facts.cmd == ('app',) and facts.user == 'app'
    assert facts.stopsignal == 'SIGQUIT' and facts.env == (('A', '1'), ('B', 'x=y'))
    assert facts.shell is None and facts.source == 'engine: x'
    assert facts_from_config({'Entrypoint': None, 'Cmd': ['python3']}, '').entrypoint is None


def test_a_default_check_stays_offline() -> None:
    code = ('import sys\nfrom modcon.cli import main\n'
            'main(["check", "--exit-zero", "examples"])\n'
            'loaded = [m for m in ("requests", "modcon.knowledge.image_config", '
            '"modcon.containers.engine") if m in sys.modules]\n'
            'print(loaded, file=sys.stderr)\n')
    env = {k: v for k, v in os.environ.items() if k != 'MODCON_IMAGE_FACTS'}
    result = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                            env=env, cwd=pathlib.Path(__file__).resolve().parents[1])
    assert result.stderr.strip().splitlines()[-1] == '[]', result.stderr


def test_the_engine_knows_whether_an_unknown_image_has_an_entrypoint(
        tmp_path: pathlib.Path) -> None:
    engine()
    plain = stand_in('registry.example.test/team/python:1', PYTHON_BASE)
    wrapped = stand_in('registry.example.test/team/node:1', NODE_BASE)
    env = _isolated(tmp_path)
    unknown = _mc101_fix(tmp_path, plain, env=env)
    assert unknown['applicability'] == 'unsafe' and 'has an ENTRYPOINT' in unknown['title']
    read = _mc101_fix(tmp_path, plain, '--image-facts', 'engine', env=env)
    assert read['applicability'] == 'safe', read
    other = _mc101_fix(tmp_path, wrapped, '--image-facts', 'engine', env=env)
    assert other['applicability'] == 'unsafe', other
    assert '`docker-entrypoint.sh` now receives' in other['title']
    cached = list((tmp_path / 'cache' / 'modcon' / 'image-facts').glob('*.json'))
    assert len(cached) == 2


@pytest.mark.parametrize('token_auth', (False, True), ids=('open', 'anonymous token flow'))
def test_the_registry_api_tells_the_same(tmp_path: pathlib.Path, token_auth: bool) -> None:
    found = engine()
    tiny = {}  # one small layer each: what is read is the config
    for name, config in (('python', 'CMD ["python3"]'),
                         ('node', 'ENTRYPOINT ["docker-entrypoint.sh"]\nCMD ["node"]')):
        context = tmp_path / f'{name}-image'
        context.mkdir()
        (context / 'marker').write_text(name)
        (context / 'Dockerfile').write_text(f'FROM scratch\nCOPY marker /\n{config}\n')
        built = found.build(str(context))
        assert built.image is not None, built.log  # the engine's own words, not a TypeError
        tiny[name] = built.image
    with local_registry(tmp_path, token_auth=token_auth) as registry:
        for name, image in tiny.items():
            podman('push', '--tls-verify=false', image, f'{registry.host}/team/{name}:1')
            found.remove_image(image)
        # No engine on PATH: the facts must come from the registry.
        env = {**_isolated(tmp_path), 'PATH': str(tmp_path)}
        read = _mc101_fix(tmp_path, f'{registry.host}/team/python:1', '--image-facts',
                          'registry', env=env)
        assert read['applicability'] == 'safe', read
        other = _mc101_fix(tmp_path, f'{registry.host}/team/node:1', '--image-facts',
                           'registry', env=env)
        assert other['applicability'] == 'unsafe' and 'docker-entrypoint.sh' in other['title']
        if token_auth:
            assert any('scope=repository%3Ateam%2Fpython%3Apull' in q
                       for q in registry.token_requests), registry.token_requests
    # The registry is gone; the cached facts still answer.
    again = _mc101_fix(tmp_path, f'{registry.host}/team/python:1', '--image-facts', 'registry',
                       env=env)
    assert again['applicability'] == 'safe'
