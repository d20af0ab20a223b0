"""Properties 1b (exit codes), 2 (explicit interfaces) and 3 (disposable).

The fixtures (``tests/fixtures/MC12x``, ``MC14x``, ``MC15x``, ``MC220``,
``MC320``, ``MC420``) show each rule's findings and fixes. This file checks
what they cannot: the readers behind the rules (ports, curl flags,
pipelines, start-up steps), that the fixes do what they claim under a real
shell, how the rules relate to MC201, the peers' pragmas, that a Dockerfile
check stays light, and the precision corpus in ``tests/precision/part_1b_2_3``.
"""
from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys

import pytest

from modcon.engine.check import check_source
from modcon.engine.config import Config
from modcon.engine.fixloop import fix_source
from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.entrypoints.invocation import Invocation
from modcon.entrypoints.resolve import resolve
from modcon.fixers.dockerfile._code_ports import javascript_ports
from modcon.fixers.dockerfile._code_ports import python_ports
from modcon.fixers.dockerfile._healthcheck_probe import curl_fails
from modcon.fixers.dockerfile._pipefail import has_pipefail
from modcon.fixers.dockerfile._pipefail import is_alpine
from modcon.fixers.dockerfile._pipefail import pipelines
from modcon.fixers.dockerfile._ports import command_ports
from modcon.fixers.dockerfile._ports import expand
from modcon.fixers.dockerfile._slow_start import keep_alive
from modcon.fixers.dockerfile._slow_start import migration
from modcon.fixers.dockerfile._start_commands import start_command
from modcon.fixers.shell._errexit import hidden_failures
from modcon.knowledge.stop_signals import normalize
from modcon.model import Applicability
from modcon.project import LocalProject
from modcon.project import MappingProject
from modcon.readers.shell.simple_commands import AND_LEFT
from modcon.readers.shell.simple_commands import BRANCH
from modcon.readers.shell.simple_commands import FALLBACK
from modcon.readers.shell.simple_commands import OR_LEFT
from modcon.readers.shell.simple_commands import PIPED
from modcon.readers.shell.simple_commands import program_commands
from modcon.source import SourceFile

ROOT = pathlib.Path(__file__).resolve().parents[1]
FIXTURES = ROOT / 'tests' / 'fixtures'
CORPUS = ROOT / 'tests' / 'precision' / 'part_1b_2_3'
DOCKERFILE_CODES = ('MC120', 'MC121', 'MC140', 'MC141', 'MC142', 'MC143', 'MC144',
                    'MC150', 'MC151', 'MC152', 'MC153')
CODE_CODES = ('MC220', 'MC320', 'MC420')
CODES = DOCKERFILE_CODES + CODE_CODES


def _check(text: str, files: dict[str, str] | None = None, codes: tuple[str, ...] = CODES):
    project = MappingProject(files) if files is not None else None
    return check_source(SourceFile('Dockerfile', text), 'dockerfile', Config(select=codes), (),
                        project)


# -- readers ------------------------------------------------------------------------


@pytest.mark.parametrize(('words', 'env', 'ports'), (
    pytest.param(('uvicorn', 'app:app', '--host', '0.0.0.0', '--port', '8080'), {}, [8080],
                 id='long option'),
    pytest.param(('gunicorn', '--bind=0.0.0.0:8000', 'app:app'), {}, [8000], id='inline'),
    pytest.param(('gunicorn', '-b', ':8000', '-b', '[::]:9100'), {}, [8000, 9100],
                 id='two binds'),
    pytest.param(('gunicorn', '-b', '127.0.0.1:8000'), {}, [], id='loopback'),
    pytest.param(('gunicorn', '-b', 'unix:/run/app.sock'), {}, [], id='unix socket'),
    pytest.param(('gunicorn', '-b', '0.0.0.0:$PORT'), {'PORT': '5000'}, [5000], id='env'),
    pytest.param(('gunicorn', '-b', '0.0.0.0:$PORT'), {}, [], id='env unknown'),
    pytest.param(('hypercorn', '-b', '"0.0.0.0:${PORT:-8000}"'), {}, [8000], id='default'),
    pytest.param(('flask', 'run', '-p', '5001', '--host=0.0.0.0'), {}, [5001], id='flask -p'),
    pytest.param(('redis-cli', '-p', '6379'), {}, [], id='-p of another program'),
    pytest.param(('python', 'manage.py', 'runserver', '0.0.0.0:8000'), {}, [8000],
                 id='runserver address'),
    pytest.param(('python', 'manage.py', 'runserver', '8000'), {}, [], id='runserver loopback'),
    pytest.param(('python', '-m', 'http.server'), {}, [8000], id='http.server default'),
    pytest.param(('python3', '-m', 'http.server', '--bind', '0.0.0.0', '9000'), {}, [9000],
                 id='http.server bind'),
    pytest.param(('java', '-Dserver.port=8081', '-jar', 'app.jar'), {}, [8081], id='spring'),
    pytest.param(('bundle', 'exec', 'puma', '-b', 'tcp://0.0.0.0:9292'), {}, [9292],
                 id='puma url'),
    pytest.param(('npx', 'serve', '-l', '3000'), {}, [3000], id='serve -l'),
    pytest.param(('php', '-S', '0.0.0.0:8000', '-t', 'public'), {}, [8000], id='php -S'),
    pytest.param(('prometheus', '--web.listen-address=:9090'), {}, [9090], id='listen address'),
    pytest.param(('app', '--db-port', '5432'), {}, [], id='client port'),
))
def test_command_ports(words: tuple[str, ...], env: dict[str, str], ports: list[int]) -> None:
    values = tuple(w if '$' not in w and '"' not in w else None for w in words)
    assert [p.number for p in command_ports(words, values, env)] == ports


@pytest.mark.parametrize(('raw', 'env', 'value'), (
    ('$PORT', {'PORT': '80'}, '80'),
    ('"${PORT:-8000}"', {}, '8000'),
    ('${PORT-8000}', {'PORT': '1'}, '1'),
    ("'$PORT'", {}, '$PORT'),
    ('$(cat /port)', {}, None),
    ('${PORT}', {}, None),
))
def test_expand(raw: str, env: dict[str, str], value: str | None) -> None:
    assert expand(raw, env) == value


@pytest.mark.parametrize(('code', 'env', 'ports'), (
    pytest.param('HTTPServer(("", 8000), H).serve_forever()', {}, [8000], id='http.server'),
    pytest.param('PORT = int(os.environ.get("PORT", 8000))\nHTTPServer(("0.0.0.0", PORT), H)',
                 {'PORT': '9000'}, [9000], id='env wins over the default'),
    pytest.param('HTTPServer(("127.0.0.1", 8000), H)', {}, [], id='loopback'),
    pytest.param('from flask import Flask\napp.run(host="0.0.0.0")', {}, [5000],
                 id='flask default port'),
    pytest.param('from flask import Flask\napp.run(port=5000)', {}, [], id='flask default host'),
    pytest.param('import uvicorn\nuvicorn.run(app, host="0.0.0.0", port=80)', {}, [80],
                 id='uvicorn'),
    pytest.param('from aiohttp import web\nweb.run_app(app)', {}, [8080], id='aiohttp default'),
    pytest.param('import socket\ns.bind(("", 7000))', {}, [7000], id='socket'),
    pytest.param('from waitress import serve\nserve(app, host="0.0.0.0", port=6543)', {},
                 [6543], id='waitress'),
    pytest.param('import tornado.web\napp.listen(8888)', {}, [8888], id='tornado'),
    pytest.param('def f(:\n', {}, [], id='syntax error'),
))
def test_python_ports(code: str, env: dict[str, str], ports: list[int]) -> None:
    assert [p.number for p, _line in python_ports(code, env)] == ports


@pytest.mark.parametrize(('code', 'env', 'ports'), (
    pytest.param('app.listen(3000);', {}, [3000], id='literal'),
    pytest.param('const port = process.env.PORT || 3000;\nserver.listen(port)', {}, [3000],
                 id='default'),
    pytest.param('const port = process.env.PORT || 3000;\nserver.listen(port)',
                 {'PORT': '8080'}, [8080], id='env'),
    pytest.param('app.listen(parseInt(process.env.PORT ?? "4000", 10))', {}, [4000],
                 id='parseInt'),
    pytest.param('server.listen(3000, "127.0.0.1")', {}, [], id='loopback'),
    pytest.param('// app.listen(3000)\n/* server.listen(4000) */', {}, [], id='comments'),
    pytest.param("const fastify = require('fastify')();\nfastify.listen({ port: 3000 })", {},
                 [], id='fastify localhost'),
    pytest.param("const fastify = require('fastify')();\n"
                 "fastify.listen({ port: 3000, host: '0.0.0.0' })", {}, [3000],
                 id='fastify all interfaces'),
))
def test_javascript_ports(code: str, env: dict[str, str], ports: list[int]) -> None:
    assert [p.number for p, _line in javascript_ports(code, env)] == ports


@pytest.mark.parametrize(('args', 'fails'), (
    (('-f', 'http://x'), True),
    (('-fsS', 'http://x'), True),
    (('-sSf', 'http://x'), True),
    (('--fail-with-body', 'http://x'), True),
    (('-s', 'http://x'), False),
    (('-o', '-f', 'http://x'), False),  # `-f` is the output file here
    (('-so-f', 'http://x'), False),
    (('-H', 'X: y', '-f', 'http://x'), True),
    (('--fail-early', 'http://x'), False),
))
def test_curl_fail_flags(args: tuple[str, ...], fails: bool) -> None:
    assert curl_fails(args) is fails


@pytest.mark.parametrize(('value', 'signal'), (
    ('SIGKILL', 'SIGKILL'), ('kill', 'SIGKILL'), ('9', 'SIGKILL'), (' SIGSTOP ', 'SIGSTOP'),
    ('19', 'SIGSTOP'), ('QUIT', 'SIGQUIT'), ('SIGRTMIN+3', 'SIGRTMIN+3'), ('$SIG', None),
))
def test_stop_signal_names(value: str, signal: str | None) -> None:
    assert normalize(value) == signal


def test_shell_commands_carry_their_context() -> None:
    script = ('#!/bin/sh\nsleep 5 && migrate || exit 1\nif [ "$X" ]; then a; fi\n'
              'curl -s x | tar -x\nnginx &\nexec app "$@"\nexit $?\n')
    found = {}
    for command in program_commands(script) or []:
        found.setdefault(command.words[0].raw, command)  # the first `exit`, not the last
    assert found['sleep'].context == {AND_LEFT, OR_LEFT}
    assert found['migrate'].context == {OR_LEFT}
    assert found['exit'].context == {FALLBACK}
    assert found['a'].context == {BRANCH} and found['a'].conditions == ('[ "$X" ]',)
    assert found['curl'].context == {PIPED} and not found['tar'].context
    assert found['nginx'].background
    assert found['exec'].final and found['exec'].values == ('exec', 'app', None)


def test_pipelines_after_set_pipefail_are_not_listed() -> None:
    found = pipelines('curl -s x | tar -x; set -o pipefail; wget -O- y | sh')
    assert found is not None and [p.commands[0].words[0].raw for p in found] == ['curl']
    assert has_pipefail(('/bin/bash', '-euxo', 'pipefail', '-c'))
    assert not has_pipefail(('/bin/bash', '-c'))
    assert is_alpine('python:3.12-alpine3.20') and is_alpine('busybox')
    assert not is_alpine('python:3.12-slim') and not is_alpine('registry:5000/alpine-tools/x')


@pytest.mark.parametrize(('words', 'found'), (
    (('python', 'manage.py', 'migrate', '--noinput'), 'manage.py migrate'),
    (('alembic', '-c', 'alembic.ini', 'upgrade', 'head'), 'alembic upgrade'),
    (('bundle', 'exec', 'rake', 'db:migrate'), 'rake db:migrate'),
    (('npx', 'prisma', 'migrate', 'deploy'), 'prisma migrate'),
    (('php', 'artisan', 'migrate', '--force'), 'artisan migrate'),
    (('npm', 'run', 'migrate:prod'), 'npm run migrate:prod'),
    (('python', 'manage.py', 'showmigrations'), None),
    (('alembic', 'history'), None),
    (('npm', 'start'), None),
))
def test_migrations(words: tuple[str, ...], found: str | None) -> None:
    assert migration(words) == found


@pytest.mark.parametrize(('words', 'alive'), (
    (('sleep', 'infinity'), True), (('exec', 'sleep', '86400'), True),
    (('tail', '-f', '/dev/null'), True), (('sleep', '30'), False),
    (('tail', '-n', '5', 'x'), False),
))
def test_keep_alive(words: tuple[str, ...], alive: bool) -> None:
    assert (keep_alive(words) is not None) is alive


@pytest.mark.parametrize(('script', 'hidden'), (
    ('#!/bin/sh\nmkdir /a\nexec "$@"\n', ['mkdir']),
    ('#!/usr/bin/env -S bash -e\nmkdir /a\nexec "$@"\n', []),
    ('#!/bin/sh\nset -euo pipefail\nmkdir /a\nexec "$@"\n', []),
    ('#!/bin/sh\nmkdir /a && chown x /a\nexec "$@"\n', ['chown']),  # set -e misses `mkdir`
    ('#!/bin/sh\nmkdir /a | tee log\nexec "$@"\n', ['tee']),
    ('#!/bin/sh\nif mkdir /a; then :; fi\nexec "$@"\n', []),
    ('#!/bin/sh\nmkdir /a\ntrap "echo failed" ERR\nexec "$@"\n', []),
    ('#!/bin/sh\necho hi\nexport A=1\n: "${B:=2}"\nexec "$@"\n', []),
    ('#!/bin/sh\nmkdir /a\n', []),  # the only command is the final one
))
def test_hidden_failures(script: str, hidden: list[str]) -> None:
    found = hidden_failures(script)
    assert ([c.words[0].raw for c in found.commands] if found else []) == hidden


def test_start_command_follows_an_entrypoint_script_into_cmd() -> None:
    files = {'entry.sh': '#!/bin/sh\nset -e\nmigrate &\nexec gosu app "$@"\n'}
    document = DockerfileDocument(SourceFile('Dockerfile', (
        'FROM python:3.12-slim\nCOPY entry.sh /entry.sh\nENTRYPOINT ["/entry.sh"]\n'
        'CMD ["sh", "-c", "sleep 1 && exec gunicorn -b :8000 app:app"]\n')),
        MappingProject(files))
    start = start_command(document)
    assert start.init is None and start.program_is_pid1
    assert [(s.script, s.command.words[0].raw) for s in start.steps] == [
        ('entry.sh', 'set'), ('entry.sh', 'migrate'), (None, 'sleep'), (None, 'exec')]
    assert start.program is not None and start.program.command.words[1].raw == 'gunicorn'
    assert start_command(document) is start  # computed once per document


# -- the fixes under a real shell -----------------------------------------------------


def _fixed(code: str, case: str, threshold: Applicability) -> str:
    path = next((FIXTURES / code).glob(f'{case}.input.*'))
    kind = {'.py': 'python', '.sh': 'shell', '.js': 'javascript'}.get(path.suffix, 'dockerfile')
    invocations = () if kind == 'dockerfile' else (Invocation('Dockerfile', 1, ('sh', 'x')),)
    source = SourceFile(path.name, path.read_text())
    return fix_source(source, kind, Config(select=(code,)), threshold, invocations).fixed


def _argv(dockerfile: str, name: str) -> list[str]:
    from modcon.readers.dockerfile.syntax import parse

    found = [i for i in parse(dockerfile).instructions if i.name == name]
    assert found and found[-1].args.json is not None
    return list(found[-1].args.json)


@pytest.mark.skipif(shutil.which('bash') is None, reason='needs bash')
def test_pipefail_shell_fails_the_pipeline_the_old_one_hid() -> None:
    original = (FIXTURES / 'MC121' / 'bash-shell.input.Dockerfile').read_text()
    old = _argv(original, 'SHELL')
    new = _argv(_fixed('MC121', 'bash-shell', Applicability.UNSAFE), 'SHELL')
    assert new == ['/bin/bash', '-o', 'pipefail', '-c']
    assert subprocess.run([*old, 'false | cat']).returncode == 0
    assert subprocess.run([*new, 'false | cat']).returncode == 1
    assert subprocess.run([*new, 'echo ok | cat'], capture_output=True).returncode == 0


@pytest.mark.skipif(shutil.which('dash') is None, reason='needs dash')
def test_dash_has_no_pipefail_so_debian_images_get_no_fix() -> None:
    assert subprocess.run(['dash', '-c', 'set -o pipefail'], capture_output=True).returncode != 0
    result = _check('FROM debian:12-slim\nRUN curl -fsSL https://x | sh\n', codes=('MC121',))
    assert result[0].fix is not None and result[0].fix.applicability == Applicability.DISPLAY_ONLY


@pytest.mark.parametrize(('curl_status', 'probe_status'), ((0, 0), (7, 1), (22, 1), (28, 1)))
def test_healthcheck_probe_maps_every_failure_to_one(tmp_path: pathlib.Path, curl_status: int,
                                                     probe_status: int) -> None:
    fake = tmp_path / 'curl'
    fake.write_text(f'#!/bin/sh\nexit {curl_status}\n')
    fake.chmod(0o755)
    argv = _argv(_fixed('MC120', 'curl-fail-not-mapped', Applicability.SAFE), 'HEALTHCHECK')
    env = {**os.environ, 'PATH': f'{tmp_path}:{os.environ["PATH"]}'}
    assert subprocess.run(argv, env=env).returncode == probe_status


def test_set_e_stops_the_script_at_the_failing_step(tmp_path: pathlib.Path) -> None:
    original = (FIXTURES / 'MC320' / 'setup-without-set-e.input.sh').read_text()
    fixed = _fixed('MC320', 'setup-without-set-e', Applicability.UNSAFE)
    stub = tmp_path / 'bin'
    stub.mkdir()
    for name, status in (('mkdir', 1), ('chown', 0), ('gosu', 0)):
        (stub / name).write_text(f'#!/bin/sh\necho {name}\nexit {status}\n')
        (stub / name).chmod(0o755)
    env = {'PATH': f'{stub}:/usr/bin:/bin'}
    before = subprocess.run(['/bin/sh', '-c', original, 'sh', 'app'], env=env,
                            capture_output=True, text=True)
    after = subprocess.run(['/bin/sh', '-c', fixed, 'sh', 'app'], env=env,
                           capture_output=True, text=True)
    assert before.returncode == 0 and 'gosu' in before.stdout  # the program started anyway
    assert after.returncode == 1 and after.stdout.split() == ['mkdir']


def test_python_fix_exits_one_and_keeps_the_log(tmp_path: pathlib.Path) -> None:
    original = (FIXTURES / 'MC220' / 'main-guard-swallow.input.py').read_text()
    fixed = _fixed('MC220', 'main-guard-swallow', Applicability.UNSAFE)
    stub = 'def sync_invoices():\n    raise RuntimeError("db down")\n'
    for text, status in ((original, 0), (fixed, 1)):
        script = tmp_path / 'job.py'
        script.write_text(text.replace('def main():', stub + '\n\ndef main():'))
        result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
        assert result.returncode == status and 'db down' in result.stderr


@pytest.mark.skipif(shutil.which('node') is None, reason='needs node')
def test_node_fix_exits_one_after_logging(tmp_path: pathlib.Path) -> None:
    fixed = _fixed('MC420', 'catch-logs-only', Applicability.UNSAFE)
    script = tmp_path / 'main.js'
    script.write_text(fixed.replace('await migrate();', 'throw new Error("db down");'))
    result = subprocess.run(['node', str(script)], capture_output=True, text=True)
    assert result.returncode == 1 and 'db down' in result.stderr


# -- how the rules relate -------------------------------------------------------------


def test_stopsignal_sigint_is_the_alternative_to_mc201() -> None:
    context = FIXTURES / 'MC143' / 'keyboard-interrupt-only.context'
    dockerfile = (FIXTURES / 'MC143' / 'keyboard-interrupt-only.input.Dockerfile').read_text()
    worker = (context / 'worker.py').read_text()
    [finding] = _check(dockerfile, {'worker.py': worker, 'Dockerfile': dockerfile},
                       codes=('MC143',))
    # MC201 fixes the code: STOPSIGNAL SIGINT is only shown, never written.
    assert finding.fix is not None and finding.fix.applicability == Applicability.DISPLAY_ONLY
    # Switching MC201 off for the program chooses STOPSIGNAL SIGINT instead.
    chosen = '# modcon: ignore-file=MC201\n' + worker
    [finding] = _check(dockerfile, {'worker.py': chosen}, codes=('MC143',))
    assert finding.fix is not None and finding.fix.applicability == Applicability.UNSAFE
    # MC201's safe fix handles SIGTERM in the code; MC143 then has nothing to say.
    invocation = (Invocation('Dockerfile', 3, ('python', '/app/worker.py')),)
    handled = fix_source(SourceFile('worker.py', worker), 'python', Config(select=('MC201',)),
                         Applicability.SAFE, invocation).fixed
    assert handled != worker
    assert _check(dockerfile, {'worker.py': handled}, codes=('MC143',)) == []


@pytest.mark.parametrize(('pragma', 'changed'), (
    pytest.param('', 'worker.py', id='MC201 fixes the code'),
    pytest.param('# modcon: ignore-file=MC201\n', 'Dockerfile', id='STOPSIGNAL chosen'),
))
def test_unsafe_fixes_make_one_choice_never_both(tmp_path: pathlib.Path, pragma: str,
                                                 changed: str) -> None:
    from modcon import cli

    context = FIXTURES / 'MC143' / 'keyboard-interrupt-only.context'
    worker = pragma + (context / 'worker.py').read_text()
    dockerfile = (FIXTURES / 'MC143' / 'keyboard-interrupt-only.input.Dockerfile').read_text()
    (tmp_path / 'worker.py').write_text(worker)
    (tmp_path / 'Dockerfile').write_text(dockerfile)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        cli.main(['fix', '--unsafe-fixes', '--select', 'MC143,MC201', '.'])
    finally:
        os.chdir(cwd)
    after = {'worker.py': (tmp_path / 'worker.py').read_text(),
             'Dockerfile': (tmp_path / 'Dockerfile').read_text()}
    assert [name for name, text in after.items()
            if text != {'worker.py': worker, 'Dockerfile': dockerfile}[name]] == [changed]
    assert ('STOPSIGNAL SIGINT' in after['Dockerfile']) == (changed == 'Dockerfile')
    assert ('default_int_handler' in after['worker.py']) == (changed == 'worker.py')


@pytest.mark.parametrize(('pragma', 'silenced'), (
    ('# hadolint ignore=DL4006', True),
    ('# tally ignore=hadolint/DL4006', True),
    ('# modcon: ignore=run-pipeline-without-pipefail', True),
    ('# hadolint ignore=DL3018', False),
))
def test_peer_pragmas_silence_the_pipefail_rule(pragma: str, silenced: bool) -> None:
    text = f'FROM alpine:3.20\n{pragma}\nRUN wget -qO- https://x | sh\n'
    assert (_check(text, codes=('MC121',)) == []) is silenced


def test_tally_pragmas_silence_the_stopsignal_rules() -> None:
    assert _check('FROM debian:12\n# tally ignore=tally/no-ungraceful-stopsignal\n'
                  'STOPSIGNAL SIGKILL\n', codes=('MC141',)) == []
    assert _check('FROM debian:12\n# tally ignore=tally/prefer-nginx-sigquit\n'
                  'CMD ["nginx", "-g", "daemon off;"]\n', codes=('MC142',)) == []


def test_fixes_of_different_rules_settle_together() -> None:
    text = ('FROM alpine:3.20\nRUN wget -qO- https://x | sh\n'
            'HEALTHCHECK CMD curl -f http://localhost:8080/\n'
            'CMD gunicorn -b 0.0.0.0:8080 app:app\n')
    config = Config(select=('MC1',))
    first = fix_source(SourceFile('Dockerfile', text), 'dockerfile', config, Applicability.UNSAFE)
    again = fix_source(SourceFile('Dockerfile', first.fixed), 'dockerfile', config,
                       Applicability.UNSAFE)
    assert again.fixed == first.fixed
    assert 'EXPOSE 8080' in first.fixed and 'pipefail' in first.fixed
    assert '"curl -f http://localhost:8080/ || exit 1"' in first.fixed


def test_a_dockerfile_check_reads_code_without_libcst_or_tree_sitter_javascript(
        tmp_path: pathlib.Path) -> None:
    (tmp_path / 'Dockerfile').write_text(
        'FROM node:20-slim\nCOPY . /app\nWORKDIR /app\nCMD ["node", "server.js"]\n'
        'FROM python:3.12-slim\nCOPY app.py /app.py\nCMD ["python", "/app.py"]\n')
    (tmp_path / 'server.js').write_text('require("http").createServer().listen(3000);\n')
    (tmp_path / 'app.py').write_text('try:\n    run()\nexcept KeyboardInterrupt:\n    pass\n'
                                     'HTTPServer(("", 8000), H)\n')
    probe = (
        'import sys\n'
        'from modcon.engine.config import Config\nfrom modcon.engine.check import check_source\n'
        'from modcon.project import LocalProject\nfrom modcon.source import SourceFile\n'
        f'root = {str(tmp_path)!r}\n'
        'text = open(root + "/Dockerfile").read()\n'
        'found = check_source(SourceFile("Dockerfile", text), "dockerfile", Config(), (),\n'
        '                     LocalProject(root))\n'
        'print("CODES", sorted({f.code for f in found}))\n'
        'print("HEAVY", [m for m in ("libcst", "tree_sitter_javascript") if m in sys.modules])\n'
    )
    out = subprocess.run([sys.executable, '-c', probe], capture_output=True, text=True).stdout
    assert 'HEAVY []' in out, out
    assert "'MC140'" in out and "'MC143'" in out, out


# -- the precision corpus ------------------------------------------------------------

# For each rule: the corpus folders it reports on, and why that is right.
EXPECTED: dict[str, dict[str, str]] = {
    'MC120': {
        'spring-boot': 'actuator answers 503 when DOWN; `curl` without -f exits 0 on it',
    },
    'MC121': {
        'official-python': '`find | awk | sort | xargs apt-mark manual` hides a failing find/ldd '
                           '(dash: display-only bash suggestion)',
    },
    'MC140': {
        'fastapi': 'the FastAPI docs\' image listens on `--port 80` and declares no EXPOSE',
    },
    'MC143': {
        'python-queue-worker': 'cleanup only on KeyboardInterrupt; docker stop sends SIGTERM',
    },
    'MC144': {
        'official-nginx': 'only `maintainer`; the source/description live in manifest '
                          'annotations, not in the image config `docker inspect` shows',
        'spring-boot': 'maintainer and version, but no OCI source or description',
    },
    'MC151': {
        'php-fpm-supervisord': 'nginx and php-fpm under supervisord in one container',
    },
    'MC152': {
        'node-keepalive': '`tail -f /dev/null` is PID 1 while redis and the worker run beside it',
        'prisma-wait-for-db': '`sleep 10` guesses how long Postgres takes to come up',
    },
    'MC153': {
        'django-gunicorn': '`manage.py migrate` runs in every replica at every start',
        'prisma-wait-for-db': '`prisma migrate deploy` runs in every replica at every start',
        'rails': '`./bin/rails db:prepare` in the entrypoint script (reached through '
                 '`COPY --from=build`) runs in every replica at every start',
    },
    'MC220': {
        'python-batch-job': 'the CronJob logs the exception and exits 0: the Job looks complete',
    },
    'MC320': {
        'django-gunicorn': 'a failed migrate is ignored and gunicorn starts on the old schema',
        'node-keepalive': '`redis-server --daemonize yes` may fail and the script carries on',
    },
    'MC420': {
        'node-migrate-job': '`main().catch(console.error)`: a failed migration exits 0',
    },
}
# Rules that may fire on more than half the corpus, with the reason (none do today).
MAY_FIRE_OFTEN: dict[str, str] = {}
# Findings a perfect reader would make but modcon does not, and why (known gaps).
KNOWN_MISSES: dict[tuple[str, str], str] = {}


def _corpus_findings(folder: pathlib.Path) -> set[str]:
    project = LocalProject(str(folder))
    text = (folder / 'Dockerfile').read_text()
    source = SourceFile('Dockerfile', text)
    codes = {f.code for f in check_source(source, 'dockerfile',
                                          Config(select=DOCKERFILE_CODES), (), project)}
    document = DockerfileDocument(source, project)
    for target in resolve(document, 'Dockerfile', project).targets:
        code_source = SourceFile(target.path, project.read(target.path) or '')
        codes |= {f.code for f in check_source(code_source, target.kind,
                                               Config(select=CODE_CODES), (target.invocation,))}
    return codes


def test_precision_corpus() -> None:
    folders = sorted(p for p in CORPUS.iterdir() if p.is_dir())
    assert 10 <= len(folders) <= 16
    actual: dict[str, set[str]] = {code: set() for code in CODES}
    for folder in folders:
        for code in _corpus_findings(folder):
            actual[code].add(folder.name)
    expected = {code: set(EXPECTED.get(code, {})) for code in CODES}
    assert actual == expected
    for code, fired in actual.items():
        assert len(fired) <= len(folders) / 2 or code in MAY_FIRE_OFTEN, code
    for code, folder in KNOWN_MISSES:
        assert folder not in actual[code]


def test_every_corpus_folder_says_where_it_comes_from() -> None:
    for folder in sorted(p for p in CORPUS.iterdir() if p.is_dir()):
        first = (folder / 'Dockerfile').read_text().splitlines()
        assert any(line.startswith('# ') for line in first[:3]), folder.name
    listed = (CORPUS / 'README.md').read_text()
    for folder in CORPUS.iterdir():
        if folder.is_dir():
            assert f'`{folder.name}`' in listed, folder.name


def test_corpus_expectations_name_real_folders() -> None:
    names = {p.name for p in CORPUS.iterdir() if p.is_dir()}
    for code, folders in EXPECTED.items():
        assert code in CODES and set(folders) <= names, code
    for code, folder in KNOWN_MISSES:
        assert code in CODES and folder in names
