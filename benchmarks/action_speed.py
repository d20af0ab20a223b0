"""The action's cost follows the change, not the repository.

    python benchmarks/action_speed.py [--large 5000] [--small 10] [--runs 5]

Two repositories on the local fake GitHub (tests/fakegithub), one with
``--small`` Dockerfiles and one with ``--large``; in each, a pull request
that touches 3 Dockerfiles. The action runs as GitHub runs its container
(``python -m modcon action`` with ``GITHUB_*``/``INPUT_*`` set, a real git
checkout as the workspace), in check mode, and its wall time is measured.
Prints the medians and their ratio, as Markdown for docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import pathlib
import statistics
import sys
import tempfile
import time

from modcon.engine.check import check_source
from modcon.engine.config import Config
from modcon.project import MappingProject
from modcon.source import SourceFile

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.actionkit import ActionRun  # noqa: E402
from tests.actionkit import pull_request_event  # noqa: E402
from tests.fakegithub import FakeGitHub  # noqa: E402

SHELL = 'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nCMD python app.py --port {port}\n'
_SAMPLE = SHELL.format(port=9000)
FINDINGS_PER_FILE = len(check_source(SourceFile('Dockerfile', _SAMPLE), 'dockerfile', Config(),
                                     project=MappingProject({'Dockerfile': _SAMPLE})))


def measure(fake: FakeGitHub, work: pathlib.Path, count: int, runs: int) -> list[float]:
    name = f'octo/repo{count}'
    files = {f'services/s{i:05d}/Dockerfile': SHELL.format(port=8000 + i % 1000)
             for i in range(count)}
    repo = fake.create_repo(name, files)
    repo.create_branch('change')
    repo.commit('change', {f'services/s{i:05d}/Dockerfile': SHELL.format(port=9000 + i)
                           for i in range(3)}, 'Touch three services')
    number = fake.open_pull(name, 'change', 'main')
    head = repo.branch_sha('change')
    assert head
    action = ActionRun(fake, repo, work / f'repo{count}', event_name='pull_request',
                       event=pull_request_event(fake, repo, number), sha=head,
                       ref=f'refs/pull/{number}/merge', inputs={'fail_on': 'none'})
    action.run()  # warm caches
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = action.run()
        times.append(time.perf_counter() - start)
        assert result.code == 0, result.stdout + result.stderr
        # Exactly the 3 changed Dockerfiles were checked, however many rules fire on each.
        assert result.outputs['findings'] == str(3 * FINDINGS_PER_FILE), result.outputs
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--large', type=int, default=5000)
    parser.add_argument('--small', type=int, default=10)
    parser.add_argument('--runs', type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix='modcon-action-bench-') as tmp:
        work = pathlib.Path(tmp)
        with FakeGitHub(root=work / 'fake') as fake:
            small = statistics.median(measure(fake, work, args.small, args.runs))
            large = statistics.median(measure(fake, work, args.large, args.runs))
    print(f'| repository | pull request | action wall time (median of {args.runs}) |')
    print('| --- | --- | ---: |')
    print(f'| {args.small} Dockerfiles | 3 Dockerfiles changed | {small * 1000:.0f} ms |')
    print(f'| {args.large} Dockerfiles | 3 Dockerfiles changed | {large * 1000:.0f} ms |')
    print(f'| ratio large / small | | {large / small:.2f} |')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
