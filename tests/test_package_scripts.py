"""npm and yarn scripts as the container's command, before and after `modcon fix`.

The behaviour tests build a small project (Dockerfile, package.json and a
server whose own close code writes a marker), start the Dockerfile's command
as PID 1 the way the image would (WORKDIR /app is the project folder), send
SIGTERM, then run `modcon fix` on the project and do the same with the new
command. yarn 1 comes from the npm registry, installed into a cache outside
the repository (tests/npmcache.py). The unit tests below pin how a script's
text is read.
"""
from __future__ import annotations

import json
import os
import pathlib
import shlex
import shutil
import subprocess

import pytest

from modcon.cli import main
from modcon.containers.pid1 import stop_like_docker
from modcon.readers.javascript.package_scripts import package_binary
from modcon.readers.javascript.package_scripts import script_argv
from modcon.readers.javascript.package_scripts import script_program
from tests import npmcache

NODE = shutil.which('node')
NPM = shutil.which('npm')
needs_node_as_pid1 = pytest.mark.skipif(
    NODE is None or NPM is None or shutil.which('unshare') is None,
    reason='needs `node`, `npm` and `unshare` to run them as PID 1')

SERVER_JS = """\
const fs = require('fs');
const http = require('http');

const server = http.createServer((req, res) => res.end('ok'));
server.listen(0, '127.0.0.1', () => console.log('up'));
server.on('close', () => fs.writeFileSync('closed', 'closed\\n'));
"""


def _project(tmp_path: pathlib.Path, cmd: str) -> pathlib.Path:
    (tmp_path / 'Dockerfile').write_text(f'FROM node:20-slim\nWORKDIR /app\nCOPY . .\nCMD {cmd}\n')
    (tmp_path / 'package.json').write_text(json.dumps(
        {'name': 'app', 'version': '1.0.0', 'license': 'MIT',
         'scripts': {'start': 'node server.js'}}))
    (tmp_path / 'server.js').write_text(SERVER_JS)
    return tmp_path


def _cmd(project: pathlib.Path) -> list[str]:
    line = [ln for ln in (project / 'Dockerfile').read_text().splitlines()
            if ln.startswith('CMD ')][-1]
    return json.loads(line[4:])


def _stop(argv: list[str], project: pathlib.Path, path: str):
    (project / 'closed').unlink(missing_ok=True)
    env = {'PATH': path, 'HOME': str(project / '.home')}
    return stop_like_docker(argv, cwd=str(project), env=env, grace=3.0,
                            ready=lambda out: 'up' in out, ready_timeout=30)


@needs_node_as_pid1
@pytest.mark.parametrize('runner', ('npm', 'yarn', 'pnpm'))
def test_the_runner_loses_the_shutdown_and_the_fixed_command_keeps_it(
        tmp_path: pathlib.Path, runner: str) -> None:
    assert NODE is not None and NPM is not None
    folders = [os.path.dirname(NODE), os.path.dirname(NPM)]
    if runner in ('yarn', 'pnpm'):
        package = {'yarn': 'yarn@1', 'pnpm': 'pnpm@9'}[runner]
        folders.insert(0, str(npmcache.installed(package) / 'node_modules' / '.bin'))
    path = os.pathsep.join([*dict.fromkeys(folders), '/usr/bin', '/bin'])
    project = _project(tmp_path, f'["{runner}", "start"]')

    before = _stop(_cmd(project), project, path)
    assert before.verified, before.reason
    # npm 11, yarn 1 and pnpm 9 as PID 1: exit 1 at once; the server's close never ran.
    assert before.exit_code == 1 and not (project / 'closed').exists(), before.output

    assert main(['fix', '--select', 'MC104,MC401', str(project)]) in (0, 1)
    assert _cmd(project) == ['node', 'server.js']  # MC104: the program itself is PID 1
    assert "process.on('SIGTERM'" in (project / 'server.js').read_text()  # MC401 followed on

    after = _stop(_cmd(project), project, path)
    assert after.verified, after.reason
    assert after.exited_in_grace and after.exit_code == 0, after.output
    assert (project / 'closed').read_text() == 'closed\n'


@pytest.mark.parametrize(('command', 'argv', 'dropped', 'whole'), (
    ('node server.js', ('node', 'server.js'), (), True),
    ('vue-cli-service serve', ('vue-cli-service', 'serve'), (), True),
    ('cross-env NODE_ENV=production node server.js', ('node', 'server.js'),
     ('cross-env NODE_ENV=production',), True),
    ('NODE_ENV=production node server.js', ('node', 'server.js'), ('NODE_ENV=production',),
     True),
    ('env-cmd -f .env.prod node app.js', ('node', 'app.js'), ('env-cmd -f .env.prod',), True),
    ('dotenv -e .env -- nodemon app.js', ('nodemon', 'app.js'), ('dotenv -e .env --',), True),
    ('npx --yes next start -p 3000', ('next', 'start', '-p', '3000'), (), True),
    ('exec node server.js', ('node', 'server.js'), (), True),
    ('npm run build && node dist/index.js', ('node', 'dist/index.js'), (), False),
    ('npm run build && npm run serve', ('npm', 'run', 'serve'), (), False),
))
def test_the_program_a_script_runs(command: str, argv: tuple[str, ...],
                                   dropped: tuple[str, ...], whole: bool) -> None:
    program = script_program(command)
    assert program is not None
    assert (program.argv, program.dropped, program.whole) == (argv, dropped, whole)
    assert script_argv(command) == list(argv)


@pytest.mark.parametrize('command', (
    'cd server && node index.js',  # the shell knows where
    'node server.js --port $PORT',  # the shell expands it
    'node server.js | tee log.txt',
))
def test_scripts_that_need_the_shell_run_under_sh(command: str) -> None:
    assert script_program(command) is None
    assert script_argv(command) == ['/bin/sh', '-c', command]


@pytest.mark.parametrize(('name', 'package_json', 'package'), (
    ('next', '{"dependencies": {"next": "14"}}', 'next'),
    ('vue-cli-service', '{"devDependencies": {"@vue/cli-service": "5"}}', '@vue/cli-service'),
    ('nodemon', '{"dependencies": {}}', None),  # not a dependency: installed globally?
    ('node', '{"dependencies": {"node": "20"}}', None),
    ('next', 'not json', None),
    ('next', '[]', None),
))
def test_which_package_installs_a_program(name: str, package_json: str,
                                          package: str | None) -> None:
    assert package_binary(name, package_json) == package


ARGV_JS = ("process.on('SIGTERM', () => process.exit(0));\n"
           "console.log(JSON.stringify(process.argv.slice(2)));\n")


@pytest.mark.skipif(NODE is None or NPM is None, reason='needs `node` and `npm`')
@pytest.mark.parametrize('command', (
    'CMD ["npm", "start", "--", "--port", "80", "a b"]',
    'CMD npm start -- --port 80 "a b"',
    'CMD ["npm", "run", "serve", "--", "--verbose"]',
    'CMD ["npm", "run", "--silent", "serve"]',  # an option of npm's before the name
    'ENTRYPOINT ["npm", "start", "--"]\nCMD ["--port", "80"]',
    'CMD ["npm", "start"]',
))
def test_the_program_gets_the_arguments_npm_gave_it(tmp_path: pathlib.Path, command: str) -> None:
    """Judged by running both: real npm with the Dockerfile's words, then the fixed
    command; the program prints the arguments it got, and they are the same."""
    assert NODE is not None and NPM is not None
    (tmp_path / 'package.json').write_text(json.dumps(
        {'name': 'app', 'version': '1.0.0', 'license': 'MIT',
         'scripts': {'start': 'node server.js', 'serve': 'node server.js'}}))
    (tmp_path / 'server.js').write_text(ARGV_JS)
    (tmp_path / 'Dockerfile').write_text(f'FROM node:22-slim\nWORKDIR /app\nCOPY . .\n{command}\n')
    path = os.pathsep.join([*dict.fromkeys([os.path.dirname(NODE), os.path.dirname(NPM)]),
                            '/usr/bin', '/bin'])
    env = {'PATH': path, 'HOME': str(tmp_path / '.home')}

    def printed(argv: list[str]) -> list[str]:
        done = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=120, check=True)
        return json.loads(done.stdout.strip().splitlines()[-1])

    def container_argv() -> list[str]:
        lines = (tmp_path / 'Dockerfile').read_text().splitlines()
        words: list[str] = []
        for keyword in ('ENTRYPOINT ', 'CMD '):
            line = next((ln for ln in lines if ln.startswith(keyword)), None)
            if line is not None:
                words += json.loads(line[len(keyword):]) if line[len(keyword)] == '[' \
                    else shlex.split(line[len(keyword):])
        return words

    before = printed(container_argv())
    assert main(['fix', '--select', 'MC104', str(tmp_path)]) in (0, 1)
    fixed = container_argv()
    assert fixed[0] == 'node', fixed  # the program itself now
    assert printed(fixed) == before
