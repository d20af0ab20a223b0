"""The engine layer without containers: choosing an engine, and the trust gate.

Building an image runs the repository's RUN steps, so inside GitHub Actions
the engine builds only for the repository's own events (push, schedule,
workflow_dispatch), whoever calls it. The container runs themselves are in
test_containers.py.
"""
from __future__ import annotations

import pathlib

import pytest

from modcon.containers.engine import Engine
from modcon.containers.engine import EngineError
from modcon.containers.engine import find_engine
from modcon.containers.engine import refuse_untrusted


@pytest.mark.parametrize('event', ('push', 'schedule', 'workflow_dispatch'))
def test_the_repositorys_own_events_may_build(event: str) -> None:
    assert refuse_untrusted({'GITHUB_ACTIONS': 'true', 'GITHUB_EVENT_NAME': event}) is None


@pytest.mark.parametrize('event', ('pull_request', 'pull_request_target', 'issue_comment',
                                   'pull_request_review_comment', 'workflow_run', ''))
def test_pull_requests_comments_and_the_rest_never_build(event: str) -> None:
    with pytest.raises(EngineError, match='never does on a'):
        refuse_untrusted({'GITHUB_ACTIONS': 'true', 'GITHUB_EVENT_NAME': event})


def test_outside_github_the_user_decides() -> None:
    assert refuse_untrusted({'GITHUB_EVENT_NAME': 'pull_request'}) is None


def test_build_refuses_before_running_anything(tmp_path: pathlib.Path) -> None:
    (tmp_path / 'Dockerfile').write_text('FROM scratch\nRUN touch /pwned\n')
    # A binary that does not exist: had the build started, the error would say so.
    engine = Engine('podman', str(tmp_path / 'no-such-podman'),
                    env={'GITHUB_ACTIONS': 'true', 'GITHUB_EVENT_NAME': 'pull_request'})
    with pytest.raises(EngineError, match="on a 'pull_request' event"):
        engine.build(str(tmp_path))


def test_choosing_an_engine(tmp_path: pathlib.Path) -> None:
    assert find_engine('namespace') is None
    assert find_engine('auto', env={'PATH': str(tmp_path)}) is None
    assert find_engine('podman', env={'PATH': str(tmp_path)}) is None
    with pytest.raises(EngineError, match='unknown engine'):
        find_engine('lxc')


def test_a_client_without_its_daemon_is_not_an_engine(tmp_path: pathlib.Path) -> None:
    fake = tmp_path / 'docker'  # what /usr/local/bin/docker is without a daemon
    fake.write_text('#!/bin/sh\necho "Cannot connect to the Docker daemon" >&2\nexit 1\n')
    fake.chmod(0o755)
    assert find_engine('docker', env={'PATH': str(tmp_path)}) is None


def _engine_failing(tmp_path: pathlib.Path, failures: int, message: str) -> Engine:
    """A stand-in for podman's binary whose first ``failures`` builds fail with
    ``message``, as the real one does; later builds write the image ID."""
    calls = tmp_path / 'calls'
    script = tmp_path / 'podman'
    script.write_text(
        '#!/bin/sh\n'
        f'echo "$*" >> {calls}\n'
        f'if [ "$(wc -l < {calls})" -le {failures} ]; then echo "{message}" >&2; exit 125; fi\n'
        'while [ $# -gt 0 ]; do [ "$1" = --iidfile ] && echo sha256:0123 > "$2"; shift; done\n')
    script.chmod(0o755)
    (tmp_path / 'Dockerfile').write_text('FROM scratch\n')
    return Engine('podman', str(script), env={})


RACE = 'Error: checking if cached image exists from a previous build: getting top layer info: ' \
       'layer not known'


def test_a_build_that_met_a_layer_removed_meanwhile_is_run_again(tmp_path: pathlib.Path) -> None:
    """buildah before 1.43 fails a build whose cache lookup meets a layer that a
    parallel `rmi` removed (containers/buildah#5674); run again, it succeeds."""
    engine = _engine_failing(tmp_path, 2, RACE)
    assert engine.build(str(tmp_path)).image == 'sha256:0123'
    assert len((tmp_path / 'calls').read_text().splitlines()) == 3


def test_the_race_is_retried_only_so_often(tmp_path: pathlib.Path) -> None:
    engine = _engine_failing(tmp_path, 10, RACE)
    result = engine.build(str(tmp_path))
    assert result.image is None and 'layer not known' in result.log
    assert len((tmp_path / 'calls').read_text().splitlines()) == 3


def test_a_dockerfile_that_fails_to_build_is_not_built_again(tmp_path: pathlib.Path) -> None:
    engine = _engine_failing(tmp_path, 1, 'Error: building at STEP "RUN false": exit status 1')
    result = engine.build(str(tmp_path))
    assert result.image is None and 'exit status 1' in result.log
    assert len((tmp_path / 'calls').read_text().splitlines()) == 1
