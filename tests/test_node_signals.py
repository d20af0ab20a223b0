"""MC401 on real Node processes: PID 1 ignores SIGTERM until the fix adds a handler.

The behaviour tests start ``node`` as PID 1 of a new PID namespace and stop it
the way ``docker stop`` does (``modcon.containers.pid1.stop_like_docker``), before
and after ``modcon fix``. The unit tests below them pin what counts as
"SIGTERM is handled already", each next to a control that does get the fix.
"""
from __future__ import annotations

import http.client
import pathlib
import re
import shutil
import subprocess
import sys
import threading

import pytest

from modcon.containers.pid1 import stop_like_docker
from modcon.engine.check import check_source
from modcon.engine.config import Config
from modcon.engine.fixloop import fix_source
from modcon.entrypoints.invocation import Invocation
from modcon.model import Applicability
from modcon.source import SourceFile

NODE = shutil.which('node')
needs_node_as_pid1 = pytest.mark.skipif(
    NODE is None or shutil.which('unshare') is None,
    reason='needs `node` and `unshare` to run Node as PID 1 of a PID namespace')

CONFIG = Config(select=('MC401',))

# Answers after `delay` ms, so a request can be in flight when SIGTERM arrives.
SERVER_JS = """\
const http = require('http');

const delay = Number(process.env.DELAY_MS || 0);
const server = http.createServer((req, res) => {
  setTimeout(() => res.end('ok'), delay);
});

server.listen(0, '127.0.0.1', () => {
  console.log(`up ${server.address().port}`);
});
"""

WORKER_JS = """\
let ticks = 0;
setInterval(() => {
  ticks += 1;
}, 100);
console.log('up');
"""


def _invocations(name: str, dockerfile: str | None = 'Dockerfile', line: int = 7,
                 as_main: bool = True) -> tuple[Invocation, ...]:
    return (Invocation(dockerfile, line, ('node', name), as_main),)


def _fix(text: str, name: str = 'server.js') -> str:
    result = fix_source(SourceFile(name, text), 'javascript', CONFIG, Applicability.SAFE,
                        _invocations(name))
    return result.fixed


def _run(tmp_path: pathlib.Path, text: str, *, grace: float, delay_ms: int = 0,
         ready=None, name: str = 'server.js'):
    (tmp_path / name).write_text(text)
    assert NODE is not None
    env = {'PATH': '/usr/bin:/bin', 'DELAY_MS': str(delay_ms)}
    return stop_like_docker([NODE, name], cwd=str(tmp_path), env=env, grace=grace,
                            ready=ready or (lambda out: 'up' in out), ready_timeout=10)


def _port(output: str) -> int | None:
    for line in output.splitlines():
        if line.startswith('up '):
            return int(line.split()[1])
    return None


class Client(threading.Thread):
    """Requests over one HTTP/1.1 connection: once (then holds the connection
    open, idle) or back to back (``repeat``)."""

    def __init__(self, port: int, *, repeat: bool, connection: str = 'keep-alive') -> None:
        super().__init__(daemon=True)
        self.port = port
        self.repeat = repeat
        self.connection = connection
        self.answers: list[tuple[int, bytes]] = []
        self.sent = threading.Event()  # the first request is on its way
        self.answered = threading.Event()  # the first answer is in
        self.done = threading.Event()

    def run(self) -> None:
        conn = http.client.HTTPConnection('127.0.0.1', self.port, timeout=15)
        try:
            while True:
                conn.request('GET', '/', headers={'Connection': self.connection})
                self.sent.set()
                response = conn.getresponse()
                self.answers.append((response.status, response.read()))
                self.answered.set()
                if not self.repeat:
                    self.done.wait(15)  # keep the (idle) connection open
                    return
        except (OSError, http.client.HTTPException):
            return  # the server went away
        finally:
            conn.close()


def _ready_with(client_factory, until: str = 'sent'):
    """A ``ready`` callback that starts a client once the server is up and
    says ready when the client's ``until`` event is set."""
    state: dict[str, Client] = {}

    def ready(output: str) -> bool:
        port = _port(output)
        if port is None:
            return False
        if 'client' not in state:
            state['client'] = client_factory(port)
            state['client'].start()
        return getattr(state['client'], until).is_set()

    return ready, state


# --- behaviour: real node as PID 1 ---------------------------------------------------

@needs_node_as_pid1
def test_server_without_handler_ignores_sigterm_as_pid1(tmp_path: pathlib.Path) -> None:
    result = _run(tmp_path, SERVER_JS, grace=1.5)
    assert result.verified, result.reason
    assert result.killed and result.exit_code == 137, result.describe()


@needs_node_as_pid1
def test_fixed_server_closes_and_exits_zero(tmp_path: pathlib.Path) -> None:
    fixed = _fix(SERVER_JS)
    assert "server.close(() => process.exit(0));" in fixed
    result = _run(tmp_path, fixed, grace=5)
    assert result.verified, result.reason
    assert result.exited_in_grace and result.exit_code == 0, result.describe()
    assert result.seconds < 2.5, result.describe()  # not the 5 s fallback


@needs_node_as_pid1
def test_fixed_server_finishes_the_request_in_flight(tmp_path: pathlib.Path) -> None:
    ready, state = _ready_with(lambda port: Client(port, repeat=False, connection='close'))
    result = _run(tmp_path, _fix(SERVER_JS), grace=5, delay_ms=400, ready=ready)
    client = state['client']
    client.done.set()
    client.join(5)
    assert result.verified, result.reason
    assert result.exited_in_grace and result.exit_code == 0, result.describe()
    assert client.answers == [(200, b'ok')]  # answered after SIGTERM, not cut
    assert 0.3 < result.seconds < 2.5, result.describe()


# The server `.listen()` returns is not kept: the fix keeps it so it can close it.
UNKEPT_JS = """\
const http = require('http');

const delay = Number(process.env.DELAY_MS || 0);
http.createServer((req, res) => {
  setTimeout(() => res.end('ok'), delay);
}).listen(0, '127.0.0.1', function () {
  console.log(`up ${this.address().port}`);
});
"""


@needs_node_as_pid1
def test_a_server_that_was_not_kept_finishes_the_request_in_flight(tmp_path: pathlib.Path
                                                                    ) -> None:
    before = _run(tmp_path, UNKEPT_JS, grace=1.0)
    assert before.verified and before.killed, before.describe()
    fixed = _fix(UNKEPT_JS)
    assert 'const server = http.createServer(' in fixed
    ready, state = _ready_with(lambda port: Client(port, repeat=False, connection='close'))
    result = _run(tmp_path, fixed, grace=5, delay_ms=400, ready=ready)
    client = state['client']
    client.done.set()
    client.join(5)
    assert result.verified, result.reason
    assert result.exited_in_grace and result.exit_code == 0, result.describe()
    assert client.answers == [(200, b'ok')]  # closed, not process.exit(0) mid-request
    assert 0.3 < result.seconds < 2.5, result.describe()


@needs_node_as_pid1
def test_fixed_server_drops_an_idle_keep_alive_connection(tmp_path: pathlib.Path) -> None:
    ready, state = _ready_with(lambda port: Client(port, repeat=False), until='answered')
    result = _run(tmp_path, _fix(SERVER_JS), grace=5, ready=ready)
    state['client'].done.set()
    assert result.verified, result.reason
    assert state['client'].answers == [(200, b'ok')]
    assert result.exited_in_grace and result.exit_code == 0, result.describe()
    assert result.seconds < 2.5, result.describe()  # not the 5 s fallback


@needs_node_as_pid1
def test_busy_keep_alive_client_cannot_hold_the_fixed_server(tmp_path: pathlib.Path) -> None:
    # A client that reuses its connection back to back keeps server.close()
    # from ever completing (measured on Node 20); the fallback timer exits.
    ready, state = _ready_with(lambda port: Client(port, repeat=True))
    result = _run(tmp_path, _fix(SERVER_JS), grace=9, delay_ms=100, ready=ready)
    client = state['client']
    client.join(5)
    assert result.verified, result.reason
    assert result.exited_in_grace and result.exit_code == 0, result.describe()
    assert 4.5 < result.seconds < 8, result.describe()  # the 5 s fallback
    assert len(client.answers) > 10  # it kept being served during the wait


@needs_node_as_pid1
def test_worker_without_handler_is_killed_and_fixed_worker_exits(tmp_path: pathlib.Path) -> None:
    before = _run(tmp_path, WORKER_JS, grace=1.5, name='worker.js')
    assert before.verified, before.reason
    assert before.killed and before.exit_code == 137, before.describe()

    fixed = _fix(WORKER_JS, 'worker.js')
    assert fixed.startswith("process.on('SIGTERM', () => process.exit(0));\n\nlet ticks")
    after = _run(tmp_path, fixed, grace=5, name='worker.js')
    assert after.verified, after.reason
    assert after.exited_in_grace and after.exit_code == 0, after.describe()
    assert after.seconds < 2.5, after.describe()


# --- what counts as handled ----------------------------------------------------------

PLAIN = "const http = require('http');\nconst server = http.createServer(() => {});\n"


@pytest.mark.parametrize('handling', (
    pytest.param("process.on('SIGTERM', () => server.close());", id='on'),
    pytest.param('process.once("SIGTERM", () => server.close());', id='once'),
    pytest.param('process.addListener(`SIGTERM`, () => server.close());', id='addListener'),
    pytest.param("process.prependListener('SIGTERM', () => {});", id='prependListener'),
    pytest.param("globalThis.process.on('SIGTERM', () => {});", id='globalThis'),
    pytest.param("['SIGINT', 'SIGTERM'].forEach((s) => process.on(s, () => {}));",
                 id='array-forEach'),
    pytest.param("for (const s of ['SIGTERM']) process.on(s, () => {});", id='for-of'),
    pytest.param("const { signals } = require('./config');\n"
                 "signals.forEach((s) => process.on(s, () => {}));", id='computed-event'),
    pytest.param("process.on(`SIG${'TERM'}`, () => {});", id='template-substitution'),
    pytest.param("function stop() { process.on('SIGTERM', () => {}); }\nstop();",
                 id='inside-a-function'),
    pytest.param("const p = process;\np.on('SIGTERM', () => {});", id='alias'),
    pytest.param("installHandlers(process);", id='process-passed-on'),
    pytest.param("const { createTerminus } = require('@godaddy/terminus');", id='terminus'),
    pytest.param("import { createLightship } from 'lightship';", id='lightship'),
    pytest.param("const shutdown = require('http-graceful-shutdown');",
                 id='http-graceful-shutdown'),
    pytest.param("const closeWithGrace = require('close-with-grace');", id='close-with-grace'),
    pytest.param("import exitHook from 'exit-hook';", id='exit-hook'),
    pytest.param("app.enableShutdownHooks();", id='nestjs'),
    pytest.param("require('./lib/graceful');", id='suggestive-local-module'),
    pytest.param("const { onShutdown } = require('./shutdownHooks');", id='camel-case-name'),
    pytest.param("const onDeath = require('death');", id='death'),
    pytest.param("require('./server');", id='side-effect-local-module'),
    pytest.param("import './server.js';", id='side-effect-esm-import'),
    pytest.param("require(process.env.ENTRY);", id='computed-require'),
    pytest.param("console.log('will stop on SIGTERM');", id='mentioned-in-a-message'),
))
def test_existing_or_possible_handling_means_no_finding(handling: str) -> None:
    text = PLAIN + handling + '\n'
    assert _findings(text) == []
    assert _findings(PLAIN) != []  # control: without it, the fix applies


@pytest.mark.parametrize('text', (
    pytest.param(PLAIN + "child.kill('SIGTERM');\nprocess.kill(pid, 'SIGTERM');\n",
                 id='sending-sigterm-is-not-handling'),
    pytest.param(PLAIN + "process.on('SIGINT', () => process.exit(0));\n", id='sigint-only'),
    pytest.param(PLAIN + "// process.on('SIGTERM', ...) would go here\n", id='in-a-comment'),
    pytest.param(PLAIN + "const { createHttpTerminator } = require('http-terminator');\n",
                 id='http-terminator-installs-no-handler'),
    pytest.param(PLAIN + "const routes = require('./routes');\n", id='plain-local-module'),
    pytest.param(PLAIN + "const signale = require('signale');\n", id='signale-is-a-logger'),
    pytest.param("import process from 'node:process';\n" + PLAIN, id='process-imported'),
))
def test_not_handled(text: str) -> None:
    findings = _findings(text)
    assert [f.rule.code for f in findings] == ['MC401']
    assert findings[0].fix is not None


def _findings(text: str, **invocation):
    return check_source(SourceFile('server.js', text), 'javascript', CONFIG,
                        _invocations('server.js', **invocation))


@pytest.mark.parametrize(('text', 'servers'), (
    pytest.param("const http = require('http');\nconst s = http.createServer();\n", ('s',),
                 id='http.createServer'),
    pytest.param("import * as https from 'node:https';\nlet s = https.createServer({});\n",
                 ('s',), id='esm-namespace-https'),
    pytest.param("import { createServer as mk } from 'net';\nvar s = mk();\n", ('s',),
                 id='esm-named-alias-net'),
    pytest.param("const { createServer } = require('tls');\nconst s = createServer({});\n",
                 ('s',), id='destructured-tls'),
    pytest.param("const s = require('node:http2').createSecureServer({});\n", ('s',),
                 id='required-inline'),
    pytest.param("const http = require('http');\nlet s;\ns = http.createServer().listen(80);\n",
                 ('s',), id='assigned-and-chained-listen'),
    pytest.param("import express from 'express';\nconst app = express();\n"
                 "export const s = app.listen(3000);\n", ('s',), id='express-esm-export'),
    pytest.param("const Koa = require('koa');\nconst app = new Koa();\n"
                 "const s = app.listen(3000);\n", ('s',), id='koa'),
    pytest.param("const s = require('express')().listen(3000);\n", ('s',),
                 id='express-inline'),
    pytest.param("const app = require('./app');\nconst s = app.listen(3000);\n", ('s',),
                 id='app-from-a-local-module'),
    pytest.param("const app = new App();\nconst s = app.app.listen(3000);\n", ('s',),
                 id='any-receiver-expression'),
    pytest.param("const s = await createApp().listen(3000);\n", ('s',),
                 id='awaited-listen-of-a-call'),
    pytest.param("const restify = require('restify');\nconst s = restify.createServer();\n",
                 ('s',), id='any-createServer'),
    pytest.param("import { createServer } from 'vite';\nimport * as vite from 'vite';\n"
                 "const s = await vite.createServer();\n", (), id='vite-createServer-is-a-promise'),
    pytest.param("const fastify = require('fastify')();\nconst s = fastify.listen({});\n",
                 ('fastify',), id='fastify-listen-returns-a-promise-close-the-instance'),
    pytest.param("import Fastify from 'fastify';\nconst app = Fastify({ logger: true });\n"
                 "const start = async () => { await app.listen({ port: 3000 }); };\nstart();\n",
                 ('app',), id='fastify-esm-listen-in-a-function'),
    pytest.param("const http = require('http');\n"
                 "function main() { const s = http.createServer(); }\nmain();\n", (),
                 id='not-top-level'),
    pytest.param("const http = require('http');\nhttp.createServer().listen(80);\n",
                 ('server',), id='not-kept-gets-kept'),
    pytest.param("const http = require('http');\nhttp.createServer().listen(80);\n"
                 "http.createServer().listen(81);\n", (), id='two-not-kept-plain-exit'),
    pytest.param("const app = require('./app');\n// prettier-ignore\napp.listen(80);\n", (),
                 id='not-kept-under-prettier-ignore'),
))
def test_which_servers_the_handler_closes(text: str, servers: tuple[str, ...],
                                         request: pytest.FixtureRequest) -> None:
    from modcon.fixers.javascript._signals import plan_sigterm_handler

    handler = plan_sigterm_handler(text)
    assert handler is not None
    assert handler.servers == servers
    assert (handler.keep is not None) == (request.node.callspec.id == 'not-kept-gets-kept')
    if servers:
        assert f'{servers[0]}.close(() => process.exit(0))' in handler.content
    else:
        assert handler.content.strip() == "process.on('SIGTERM', () => process.exit(0));"


FIXTURES = pathlib.Path(__file__).parent / 'fixtures' / 'MC401'


def _top_level(text: str) -> list[str]:
    from modcon.readers.javascript.grammar import javascript_parser

    data = text.encode()
    root = javascript_parser().parse(data).root_node
    assert not root.has_error
    return [data[n.start_byte:n.end_byte].decode() for n in root.named_children
            if n.type not in ('comment', 'hash_bang_line')]


@pytest.mark.parametrize('fixed', sorted(FIXTURES.glob('*.fixed.*')), ids=lambda p: p.name)
def test_the_handler_is_one_new_statement_and_valid_javascript(fixed: pathlib.Path) -> None:
    before = _top_level(fixed.with_name(fixed.name.replace('.fixed.', '.input.')).read_text())
    after = _top_level(fixed.read_bytes().decode())
    added = [s for s in after if s not in before]
    kept = [s for s in added if re.match(r'const server\d* = ', s)]
    if kept:  # `app.listen()` alone: the only other change keeps what it returns
        removed = [s for s in before if s not in after]
        assert removed == [re.sub(r'^const server\d* = ', '', kept[0])]
        added.remove(kept[0])
    assert len(after) == len(before) + 1 and len(added) == 1, added  # nothing merged (ASI)
    assert added[0].startswith(("process.on('SIGTERM', () =>", 'process.on("SIGTERM", () =>')) \
        or added[0] == "process.on('SIGTERM', shutdown);"  # the program's own SIGINT handler
    if NODE is not None:
        check = subprocess.run([NODE, '--check', str(fixed)], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr


# --- message, scope, import cost -------------------------------------------------------

@pytest.mark.parametrize(('invocation', 'named'), (
    pytest.param({'dockerfile': 'docker/api.Dockerfile', 'line': 12},
                 '`node server.js` (docker/api.Dockerfile:12)', id='dockerfile-and-line'),
    pytest.param({'dockerfile': 'Dockerfile', 'line': 0}, '`node server.js` (Dockerfile)',
                 id='line-unknown'),
    pytest.param({'dockerfile': None}, '`node server.js` runs', id='named-by-the-user'),
))
def test_message_names_the_invocation(invocation: dict, named: str) -> None:
    (finding,) = _findings(PLAIN, **invocation)
    assert finding.message.startswith(named)
    assert '`server`' in finding.message


def _findings_for(text: str, argv: tuple[str, ...]):
    return check_source(SourceFile('server.js', text), 'javascript', CONFIG,
                        (Invocation('Dockerfile', 3, argv),))


@pytest.mark.parametrize(('argv', 'severity', 'says'), (
    pytest.param(('node', 'server.js'), 'warning', 'runs this file as PID 1', id='node'),
    pytest.param(('docker-entrypoint.sh', 'node', 'server.js'), 'warning',
                 'runs this file as PID 1', id='official-image-entrypoint-execs-node'),
    pytest.param(('gosu', 'app', 'node', 'server.js'), 'warning', 'runs this file as PID 1',
                 id='gosu'),
    pytest.param(('/sbin/tini', '--', 'node', 'server.js'), 'info',
                 'under `tini`, so SIGTERM ends Node at once', id='tini'),
    pytest.param(('dumb-init', 'node', 'server.js'), 'info', 'under `dumb-init`',
                 id='dumb-init'),
    pytest.param(('npm', 'start'), 'warning', 'under `npm`, which does not pass SIGTERM on reliably', id='npm'),
))
def test_what_starts_node_shapes_the_finding(argv: tuple[str, ...], severity: str,
                                             says: str) -> None:
    (finding,) = _findings_for(PLAIN, argv)
    assert finding.severity.label == severity
    assert says in finding.message
    assert finding.fix is not None


def test_under_an_init_a_file_without_a_server_is_not_reported() -> None:
    worker = "setInterval(() => {}, 1000);\n"
    assert _findings_for(worker, ('tini', '--', 'node', 'worker.js')) == []
    assert _findings_for(worker, ('node', 'worker.js')) != []  # control


def test_init_and_package_runner_names_match_the_resolver() -> None:
    from modcon.entrypoints import resolve
    from modcon.fixers.javascript import mc401_node_sigterm_not_handled as mc401

    assert mc401.INITS == resolve.INITS
    assert mc401.PACKAGE_RUNNERS == resolve.PACKAGE_RUNNERS


def test_a_file_the_container_only_imports_is_left_alone() -> None:
    assert _findings(PLAIN, as_main=False) == []


def test_a_file_that_does_not_parse_is_left_alone() -> None:
    assert _findings(PLAIN + 'server.listen(8080;\n') == []


def test_offsets_are_characters_not_bytes() -> None:
    text = "// héllo 👋\n" + PLAIN
    (finding,) = _findings(text)
    assert finding.begin.line == 3 and finding.begin.column == 1
    (edit,) = finding.fix.edits
    assert edit.start == text.index('\n', text.index('createServer')) + 1


def test_loading_the_rule_does_not_import_tree_sitter() -> None:
    code = ('import sys\n'
            'import modcon.fixers.javascript.mc401_node_sigterm_not_handled\n'
            'print(sorted(m for m in sys.modules if m.startswith("tree_sitter")))\n')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == '[]'


REGION_FIXTURES = sorted(p for code in ('MC401', 'MC301')
                         for p in (FIXTURES.parent / code).glob('*.input.*')
                         if b'[START' in p.read_bytes() or b'prettier-ignore' in p.read_bytes())


@pytest.mark.parametrize('case', REGION_FIXTURES, ids=lambda p: f'{p.parent.name}/{p.name}')
def test_marked_regions_come_back_byte_for_byte(case: pathlib.Path) -> None:
    from modcon.regions import marked_regions

    text = case.read_bytes().decode()
    fixed_files = sorted(case.parent.glob(case.name.replace('.input.', '.*fixed.')))
    for fixed_file in fixed_files:
        fixed = fixed_file.read_bytes().decode()
        regions = marked_regions(text)
        assert [r.name for r in marked_regions(fixed)] == [r.name for r in regions]
        for before, after in zip(regions, marked_regions(fixed)):
            assert text[before.start:before.end] == fixed[after.start:after.end]
        if 'prettier-ignore' in text:  # the comment still precedes the same statement
            assert _after_ignore(fixed) == _after_ignore(text)


def _after_ignore(text: str) -> str:
    """The top-level statement that a `// prettier-ignore` comment applies to."""
    rest = text.partition('// prettier-ignore\n')[2]
    return next(s for s in _top_level(rest))


def test_regions_of_the_fixtures_were_found() -> None:
    assert len(REGION_FIXTURES) >= 6


OWN_SHUTDOWN_JS = """\
const fs = require('fs');
const http = require('http');

const server = http.createServer((req, res) => res.end('ok'));
server.listen(0, '127.0.0.1', () => console.log('up'));

function shutdown(signal) {
  server.close(() => {
    fs.writeFileSync('closed', `closed on ${signal}\\n`);
    process.exit(0);
  });
}

process.on('SIGINT', shutdown);
"""


@needs_node_as_pid1
def test_sigterm_runs_the_programs_own_sigint_shutdown(tmp_path: pathlib.Path) -> None:
    before = _run(tmp_path, OWN_SHUTDOWN_JS, grace=1.0)
    assert before.verified and before.killed
    assert not (tmp_path / 'closed').exists()

    fixed = _fix(OWN_SHUTDOWN_JS)
    assert fixed == OWN_SHUTDOWN_JS + "\nprocess.on('SIGTERM', shutdown);\n"
    after = _run(tmp_path, fixed, grace=10.0)
    assert after.verified and after.exited_in_grace and after.exit_code == 0
    assert (tmp_path / 'closed').read_text() == 'closed on SIGTERM\n'
