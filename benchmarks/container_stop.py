"""`docker stop` before and after `modcon fix`, in real containers (podman + runc).

    python benchmarks/container_stop.py [--grace SECONDS]

The apps are those of tests/test_containers.py, on the local base images of
tests/containers/base-images.sh (stand-ins for python:3.12-slim and
node:20-slim, built from Debian packages). Each is built, run, given 1.5 s to
start and stopped with `podman stop -t GRACE` (default 10, Docker's), first
as written, then after `modcon fix --unsafe-fixes`. The same two versions are
then stopped by the PID-namespace emulation (`modcon verify --engine
namespace`) to show whether it reached the same verdict. Prints a Markdown
table for docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import pathlib
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from modcon.containers.engine import Engine  # noqa: E402
from modcon.entrypoints.dockerfile_document import DockerfileDocument  # noqa: E402
from modcon.project import LocalProject  # noqa: E402
from modcon.source import SourceFile  # noqa: E402
from modcon.verify.check import Verification  # noqa: E402
from modcon.verify.check import verify  # noqa: E402
from tests.containerkit import NODE_BASE  # noqa: E402
from tests.containerkit import PYTHON_BASE  # noqa: E402
from tests.containerkit import engine  # noqa: E402
from tests.containerkit import stand_in  # noqa: E402
from tests.containerkit import write_tree  # noqa: E402
from tests.test_containers import APPS  # noqa: E402

SETTLE = 1.5


def _verify(root: pathlib.Path, found: Engine | None, grace: float) -> Verification:
    source = SourceFile('Dockerfile', (root / 'Dockerfile').read_text())
    project = LocalProject(str(root))
    return verify(DockerfileDocument(source, project), 'Dockerfile', project, grace=grace,
                  settle=SETTLE, engine=found, fallback=False)


def _cell(v: Verification) -> str:
    r = v.result
    if not r.verified:
        return f'not verified ({r.reason})'
    how = 'SIGKILL after the grace period' if r.killed else 'exited'
    return f'{r.seconds:.2f} s, {how}, exit {r.exit_code}'


def _passed(v: Verification) -> bool:
    return v.result.verified and v.result.exited_in_grace and v.result.exit_code == 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument('--grace', type=float, default=10.0)
    args = parser.parse_args()
    found = engine()
    print(f'| app | before `modcon fix` (`stop -t {args.grace:.0f}`) | after | '
          f'emulation agrees |')
    print('| --- | --- | --- | --- |')
    for name, (files, bases, _) in APPS.items():
        for base in bases:
            stand_in(base, NODE_BASE if base.startswith('node') else PYTHON_BASE)
        with tempfile.TemporaryDirectory() as tmp:
            before = write_tree(pathlib.Path(tmp, 'before'), files)
            after = write_tree(pathlib.Path(tmp, 'after'), files)
            subprocess.run([sys.executable, '-m', 'modcon', 'fix', '--unsafe-fixes', '.'],
                           cwd=after, capture_output=True, check=False)
            real = [_verify(d, found, args.grace) for d in (before, after)]
            emulated = [_verify(d, None, args.grace) for d in (before, after)]
        agree = all(_passed(r) == _passed(e) for r, e in zip(real, emulated)
                    if e.result.verified)
        print(f'| {name} | {_cell(real[0])} | {_cell(real[1])} | {"yes" if agree else "NO"} |',
              flush=True)
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
