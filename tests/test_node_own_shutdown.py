"""MC401 judged by what the program does as PID 1, for the cases a probe found.

A program that shuts down on Ctrl-C through an inline SIGINT listener (or one
registered inside a function) got a second handler, for SIGTERM, that closed the
server and exited 0 at once: its own shutdown (the log line, the exit status it
chose) never ran. Such a file is now reported without a fix. A listener that only
closes the kept server and exits does what the fix's handler does: that file
keeps its fix.
"""
from __future__ import annotations

import pathlib
import shutil

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
RUNS = (Invocation('Dockerfile', 7, ('node', 'server.js')),)

SERVER = """\
const http = require('http');

const server = http.createServer((req, res) => res.end('ok'));
server.listen(0, '127.0.0.1', () => console.log('up'));
"""
INLINE = SERVER + """
process.on('SIGINT', () => {
  console.log('flushing the queue');
  server.close(() => process.exit(3));
});
"""
IN_A_FUNCTION = """\
const http = require('http');

function main() {
  const server = http.createServer((req, res) => res.end('ok'));
  server.listen(0, '127.0.0.1', () => console.log('up'));
  process.once('SIGINT', () => {
    console.log('draining');
    server.close();
  });
}

main();
"""
CLOSE_AND_EXIT = SERVER + """
process.on('SIGINT', () => {
  server.close(() => process.exit(0));
});
"""


def _findings(text: str) -> list:
    return check_source(SourceFile('server.js', text), 'javascript', CONFIG, RUNS)


@pytest.mark.parametrize('text', (
    pytest.param(INLINE, id='an inline SIGINT listener'),
    pytest.param(IN_A_FUNCTION, id='a SIGINT listener inside a function'),
))
def test_a_sigint_shutdown_the_fix_cannot_run_gets_no_fix(text: str) -> None:
    [finding] = _findings(text)
    assert finding.fix is None
    assert 'its own SIGINT listener' in finding.message


@needs_node_as_pid1
def test_a_listener_that_only_closes_and_exits_keeps_its_fix(tmp_path: pathlib.Path) -> None:
    [finding] = _findings(CLOSE_AND_EXIT)
    assert finding.fix is not None
    fixed = fix_source(SourceFile('server.js', CLOSE_AND_EXIT), 'javascript', CONFIG,
                       Applicability.SAFE, RUNS).fixed
    (tmp_path / 'server.js').write_text(fixed)
    assert NODE is not None
    stopped = stop_like_docker([NODE, 'server.js'], cwd=str(tmp_path),
                               env={'PATH': '/usr/bin:/bin'}, grace=10.0,
                               ready=lambda out: 'up' in out, ready_timeout=10)
    assert stopped.verified and stopped.exited_in_grace, stopped.describe()
    assert stopped.exit_code == 0


@needs_node_as_pid1
def test_the_old_fix_skipped_an_inline_sigint_shutdown(tmp_path: pathlib.Path) -> None:
    """Why no fix: SIGTERM through the program's own listener (what the program
    means, run here by hand) logs and exits 3; the handler the fix would have added
    exited 0 without either."""
    own = INLINE + "process.on('SIGTERM', () => process.emit('SIGINT', 'SIGINT'));\n"
    (tmp_path / 'server.js').write_text(own)
    assert NODE is not None
    stopped = stop_like_docker([NODE, 'server.js'], cwd=str(tmp_path),
                               env={'PATH': '/usr/bin:/bin'}, grace=10.0,
                               ready=lambda out: 'up' in out, ready_timeout=10)
    assert stopped.verified and stopped.exit_code == 3, stopped.describe()
    assert 'flushing the queue' in stopped.output
