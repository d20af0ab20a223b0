"""Log streams (property 1c): MC131-MC133 and MC230 beyond the fixtures.

The behaviour tests show what the rules rely on: a process that logs to a
path linked to ``/dev/stdout`` writes into its own captured stdout, and the
``RUN`` that MC131 adds, run by a real ``/bin/sh`` (paths moved under a
temporary root), makes exactly those links. Table tests pin the readers
(shell commands, configuration files, Python ``logging`` set-ups), the
knowledge table's invariants, fixes the fixture harness cannot check (a
shell-form ``CMD`` or an ``ENV`` that stays as it is, only with ``-`` for a
file), and what a Dockerfile check may import.
"""
from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys
import textwrap

import pytest

from modcon.engine.check import check_source
from modcon.engine.config import Config
from modcon.engine.fixloop import fix_source
from modcon.entrypoints.invocation import Invocation
from modcon.fixers._python_log_files import file_logs
from modcon.fixers.dockerfile import _log_configs as configs
from modcon.knowledge import logs as knowledge
from modcon.model import Applicability
from modcon.project import MappingProject
from modcon.readers.shell.simple_commands import read_commands
from modcon.source import SourceFile
from tests.oracle import buildkit_instructions

DOCKERFILE_RULES = Config(select=('MC131', 'MC132', 'MC133'))


def _check(text: str, files: dict[str, str] | None = None, select: tuple[str, ...] = ('MC131',),
           ) -> list:
    project = MappingProject(files or {})
    return check_source(SourceFile('Dockerfile', text), 'dockerfile', Config(select=select),
                        (), project)


def _fix(text: str, files: dict[str, str] | None = None, select: tuple[str, ...] = ('MC131',),
         threshold: Applicability = Applicability.SAFE) -> str:
    project = MappingProject(files or {})
    return fix_source(SourceFile('Dockerfile', text), 'dockerfile', Config(select=select),
                      threshold, (), project).fixed


# -- behaviour: a link to /dev/stdout is the process's own stdout ---------------------------

LOGGING_PROGRAM = textwrap.dedent('''
    import logging, sys
    handler = logging.FileHandler(sys.argv[1])
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.warning("record one")
    root.error("record two")
''')


@pytest.mark.parametrize('stream', ['stdout', 'stderr'])
def test_a_file_handler_on_a_link_to_the_stream_writes_to_the_captured_stream(
        tmp_path: pathlib.Path, stream: str) -> None:
    link = tmp_path / 'app.log'
    link.symlink_to(f'/dev/{stream}')
    result = subprocess.run([sys.executable, '-c', LOGGING_PROGRAM, str(link)],
                            capture_output=True, text=True, timeout=30, check=True)
    captured = result.stdout if stream == 'stdout' else result.stderr
    other = result.stderr if stream == 'stdout' else result.stdout
    assert captured == 'WARNING record one\nERROR record two\n'
    assert 'record' not in other
    assert link.is_symlink() and os.readlink(link) == f'/dev/{stream}'


def test_basicconfig_filename_on_a_link_writes_to_the_captured_stdout(
        tmp_path: pathlib.Path) -> None:
    link = tmp_path / 'service.log'
    link.symlink_to('/dev/stdout')
    program = ('import logging, sys\n'
               'logging.basicConfig(filename=sys.argv[1], format="%(message)s")\n'
               'logging.warning("through basicConfig")\n')
    result = subprocess.run([sys.executable, '-c', program, str(link)],
                            capture_output=True, text=True, timeout=30, check=True)
    assert result.stdout == 'through basicConfig\n'


@pytest.mark.skipif(sys.version_info < (3, 10, 1), reason='bpo-45401: rolls over special files')
def test_a_rotating_handler_leaves_a_link_alone_on_current_python(tmp_path: pathlib.Path) -> None:
    """Since 3.9.8/3.10.1 (bpo-45401) rotation skips files that are not regular
    files; older Pythons rename the link, which is why MC230 reports them.

    Python 3.13 asks the stream for its position before that check, which a
    pipe refuses: until CPython gh-143237 was fixed, every record written
    through a link to a piped stdout (a container's) was lost. Before 3.13
    they all arrive; from 3.13 on, all arrive or all are lost that way."""
    link = tmp_path / 'app.log'
    link.symlink_to('/dev/stdout')
    program = ('import logging, logging.handlers, sys\n'
               'h = logging.handlers.RotatingFileHandler(sys.argv[1], maxBytes=10, backupCount=2)\n'
               'log = logging.getLogger(); log.addHandler(h)\n'
               'for i in range(5): log.warning("record %d is longer than ten bytes", i)\n')
    result = subprocess.run([sys.executable, '-c', program, str(link)],
                            capture_output=True, text=True, timeout=30, check=True)
    arrived = result.stdout.count('is longer than ten bytes')
    lost = result.stderr.count('UnsupportedOperation: underlying stream is not seekable')
    if sys.version_info < (3, 13):
        assert (arrived, lost) == (5, 0), result.stderr
    else:
        assert (arrived, lost) in ((5, 0), (0, 5)), result.stderr
    assert link.is_symlink() and not (tmp_path / 'app.log.1').exists()


def test_the_added_run_makes_links_that_carry_the_programs_records(
        tmp_path: pathlib.Path) -> None:
    """MC131's RUN, run by /bin/sh under a temporary root, links the file the
    program logs to; the program's records then arrive on its stdout."""
    app = ('import logging\n'
           'logging.basicConfig(filename="/var/log/worker/worker.log", format="%(message)s")\n'
           'logging.warning("to the container")\n')
    dockerfile = ('FROM python:3.12-slim\nWORKDIR /app\nCOPY app.py .\n'
                  'CMD ["python", "app.py"]\n')
    fixed = _fix(dockerfile, {'app.py': app})
    added = [line for line in fixed.splitlines() if line not in dockerfile.splitlines()]
    assert added == ['RUN mkdir -p /var/log/worker \\',
                     ' && ln -sf /dev/stdout /var/log/worker/worker.log']
    script = ' '.join(line.rstrip('\\').strip() for line in added)[len('RUN '):]
    root = str(tmp_path)
    script = re.sub(r'(?<=\s)/var/', f'{root}/var/', script)
    subprocess.run(['/bin/sh', '-c', script], check=True, timeout=30)
    moved_app = app.replace('/var/log/', f'{root}/var/log/')
    result = subprocess.run([sys.executable, '-c', moved_app], capture_output=True, text=True,
                            timeout=30, check=True)
    assert result.stdout == 'to the container\n'
    assert os.readlink(tmp_path / 'var/log/worker/worker.log') == '/dev/stdout'


# -- MC131 ---------------------------------------------------------------------------------

NGINX = 'FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y nginx\n' \
        'CMD ["nginx", "-g", "daemon off;"]\n'


@pytest.mark.parametrize(
    'link',
    (
        pytest.param('ln -sf /dev/stdout {p}', id='ln -sf'),
        pytest.param('ln -s /dev/stdout {p}', id='ln -s'),
        pytest.param('ln -sfT /dev/stdout {p}', id='ln -sfT'),
        pytest.param('ln -snf /proc/self/fd/1 {p}', id='/proc/self/fd/1'),
        pytest.param('ln --symbolic --force /dev/fd/1 "{p}"', id='long options, quoted'),
        pytest.param('ln -s -f -- /dev/stdout {p}', id='separate flags and --'),
    ),
)
def test_an_existing_link_in_any_spelling_counts(link: str) -> None:
    text = NGINX.replace('\nCMD', '\nRUN ' + link.format(p='/var/log/nginx/access.log') +
                         ' && ' + link.format(p='/var/log/nginx/error.log').replace(
                             'stdout', 'stderr').replace('fd/1', 'fd/2') + '\nCMD')
    assert _check(text) == []


def test_a_hard_link_or_a_copy_is_not_a_link_to_the_stream() -> None:
    text = NGINX.replace('\nCMD', '\nRUN ln /dev/stdout /var/log/nginx/access.log\n'
                                  'RUN cp /dev/null /var/log/nginx/error.log\nCMD')
    (finding,) = _check(text)
    assert '/var/log/nginx/access.log' in finding.message


def test_the_official_nginx_base_and_its_config_are_left_alone() -> None:
    files = {'nginx.conf': 'http { access_log /var/log/nginx/access.log main; }\n'
                           'error_log /var/log/nginx/error.log notice;\n'}
    text = 'FROM nginx:1.27-alpine\nCOPY nginx.conf /etc/nginx/nginx.conf\n'
    assert _check(text, files) == []


def test_a_copied_config_replaces_the_package_default() -> None:
    files = {'nginx.conf': 'error_log stderr;\nhttp { access_log /dev/stdout; }\n'}
    text = NGINX.replace('\nCMD', '\nCOPY nginx.conf /etc/nginx/nginx.conf\nCMD')
    assert _check(text, files) == []


def test_a_second_run_changes_nothing_and_finds_nothing() -> None:
    fixed = _fix(NGINX)
    assert fixed != NGINX
    assert _fix(fixed) == fixed
    assert _check(fixed) == []


def test_no_fix_when_the_folder_is_made_after_a_switch_to_a_non_root_user() -> None:
    text = ('FROM python:3.12-slim\nUSER app\nRUN mkdir -p /home/app/logs\n'
            'COPY app.py /home/app/app.py\nCMD ["python", "/home/app/app.py"]\n')
    files = {'app.py': 'import logging\nlogging.basicConfig(filename="/home/app/logs/a.log")\n'}
    (finding,) = _check(text, files)
    assert finding.fix is None
    assert 'created after `USER app`' in finding.message


def test_images_without_a_shell_get_no_fix() -> None:
    text = ('FROM gcr.io/distroless/python3\nCOPY app.py /app.py\n'
            'CMD ["python", "/app.py"]\n')
    files = {'app.py': 'import logging\nlogging.basicConfig(filename="/tmp/a.log")\n'}
    (finding,) = _check(text, files)
    assert finding.fix is None and 'no shell' in finding.message


def test_checking_a_dockerfile_with_a_python_entrypoint_does_not_import_libcst(
        tmp_path: pathlib.Path) -> None:
    (tmp_path / 'app.py').write_text('import logging\n'
                                     'logging.basicConfig(filename="/var/log/a.log")\n')
    dockerfile = tmp_path / 'Dockerfile'
    dockerfile.write_text('FROM python:3.12-slim\nCOPY app.py /app.py\n'
                          'CMD ["python", "/app.py"]\n')
    probe = ('import sys\nfrom modcon.engine.check import check_source\n'
             'from modcon.engine.config import Config\nfrom modcon.project import LocalProject\n'
             'from modcon.source import SourceFile\n'
             f'text = open({str(dockerfile)!r}).read()\n'
             'found = check_source(SourceFile("Dockerfile", text), "dockerfile", '
             'Config(select=("MC131", "MC132", "MC133")), (), '
             f'LocalProject({str(tmp_path)!r}))\n'
             'print("CODES", [f.code for f in found])\n'
             'print("LIBCST", "libcst" in sys.modules)\n')
    out = subprocess.run([sys.executable, '-c', probe], capture_output=True, text=True,
                         timeout=60).stdout
    assert "CODES ['MC131']" in out and 'LIBCST False' in out, out


def test_a_dockerfile_without_log_sources_does_not_load_the_shell_grammar(
        tmp_path: pathlib.Path) -> None:
    dockerfile = tmp_path / 'Dockerfile'
    dockerfile.write_text('FROM python:3.12-slim\nRUN apt-get update && apt-get install -y curl '
                          '> /dev/null\nRUN ln -s /usr/bin/python3 /usr/local/bin/py\n'
                          'COPY . /app\nCMD ["python", "/app/main.py"]\n')
    probe = ('import sys\nfrom modcon.cli import main\n'
             f'main(["check", "--select", "MC131,MC132,MC133", {str(dockerfile)!r}])\n'
             'print("TS", [m for m in sys.modules if m.startswith("tree_sitter")])\n')
    out = subprocess.run([sys.executable, '-c', probe], capture_output=True, text=True,
                         timeout=60).stdout
    assert 'TS []' in out, out


# -- MC132 fixes the fixture harness cannot check (the instruction keeps its form) -------


def _buildkit_values(text: str) -> list[tuple[str, tuple[str, ...]]]:
    return [(c.cmd.upper(), c.value) for c in buildkit_instructions(text)]


@pytest.mark.parametrize(
    ('before', 'after'),
    (
        pytest.param(
            'FROM python:3.12-slim\nCMD gunicorn --workers 4 \\\n    --bind 0.0.0.0:$PORT \\\n'
            '    --access-logfile "/var/log/access.log" \\\n    --log-file=/var/log/g.log \\\n'
            '    app:app\n',
            'FROM python:3.12-slim\nCMD gunicorn --workers 4 \\\n    --bind 0.0.0.0:$PORT \\\n'
            '    --access-logfile - \\\n    --log-file=- \\\n    app:app\n',
            id='shell form with continuations'),
        pytest.param(
            'FROM python:3.12-slim\n'
            'ENV GUNICORN_CMD_ARGS="--workers=3 --access-logfile /var/log/g/access.log"\n'
            'CMD ["gunicorn", "app:app"]\n',
            'FROM python:3.12-slim\n'
            'ENV GUNICORN_CMD_ARGS="--workers=3 --access-logfile -"\n'
            'CMD ["gunicorn", "app:app"]\n',
            id='GUNICORN_CMD_ARGS'),
    ),
)
def test_gunicorn_flags_in_place(before: str, after: str) -> None:
    assert _fix(before, select=('MC132',)) == after
    assert _fix(after, select=('MC132',)) == after
    old, new = _buildkit_values(before), _buildkit_values(after)
    assert [c for c, _ in old] == [c for c, _ in new]
    changed = [(o, n) for o, n in zip(old, new) if o != n]
    assert len(changed) == 1
    assert '/var/log/' in ' '.join(changed[0][0][1]) and '/var/log/' not in ' '.join(
        changed[0][1][1])


def test_gunicorn_env_args_only_count_when_gunicorn_runs() -> None:
    text = 'FROM python:3.12-slim\nENV GUNICORN_CMD_ARGS="--access-logfile /tmp/a.log"\n' \
           'CMD ["python", "app.py"]\n'
    assert _check(text, select=('MC132',)) == []


# -- readers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ('script', 'expected'),
    (
        pytest.param('apt-get update && apt-get install -y "nginx"',
                     [('apt-get', ['update']), ('apt-get', ['install', '-y', 'nginx'])],
                     id='quotes and lists'),
        pytest.param('if true; then mkdir -p $D; fi', [('true', []), ('mkdir', ['-p', None])],
                     id='compound, expansion'),
        pytest.param("echo 'a b' | tee /x  # note", [('echo', ['a b']), ('tee', ['/x'])],
                     id='pipeline and comment'),
    ),
)
def test_simple_commands(script: str, expected: list) -> None:
    assert [(c.name, c.arg_values) for c in read_commands(script).commands] == expected


def test_redirections_belong_to_the_last_command_of_a_list() -> None:
    first, last = read_commands('cd /app && ./job.sh >> /var/log/job.log 2>&1').commands
    assert first.redirects == ()
    assert [r.target for r in last.redirects if '&' not in r.operator] == ['/var/log/job.log']


@pytest.mark.parametrize(
    ('text', 'expected'),
    (
        pytest.param('access_log /var/log/a.log main;', [('/var/log/a.log', 'stdout')],
                     id='access'),
        pytest.param('error_log  "/var/log/e.log" warn;', [('/var/log/e.log', 'stderr')],
                     id='quoted'),
        pytest.param('access_log off; error_log stderr;', [], id='off, stderr'),
        pytest.param('access_log syslog:server=x; access_log /dev/stdout;', [], id='streams'),
        pytest.param('access_log /var/log/$host.log;', [], id='variable'),
        pytest.param('# access_log /var/log/old.log;\n', [], id='comment'),
        pytest.param('location / { access_log /a/b.log; }', [('/a/b.log', 'stdout')], id='block'),
    ),
)
def test_nginx_logs(text: str, expected: list) -> None:
    assert [(log.path, log.stream) for log in configs.nginx_logs(text)] == expected


@pytest.mark.parametrize(
    ('text', 'root', 'expected'),
    (
        pytest.param('ErrorLog ${APACHE_LOG_DIR}/error.log', None,
                     [('/var/log/apache2/error.log', 'stderr')], id='debian variable'),
        pytest.param('CustomLog logs/access.log combined', '/var/www',
                     [('/var/log/apache2/access.log', 'stdout')], id='alpine ServerRoot'),
        pytest.param('ServerRoot "/usr/local/apache2"\nTransferLog logs/t.log', None,
                     [('/usr/local/apache2/logs/t.log', 'stdout')], id='ServerRoot directive'),
        pytest.param('CustomLog "|/usr/bin/rotatelogs /x 86400" common', None, [], id='piped'),
        pytest.param('ErrorLog /proc/self/fd/2\nCustomLog /proc/self/fd/1 common', None, [],
                     id='httpd image'),
        pytest.param('ErrorLog syslog:local1', None, [], id='syslog'),
    ),
)
def test_apache_logs(text: str, root: str | None, expected: list) -> None:
    assert [(log.path, log.stream) for log in configs.apache_logs(text, root)] == expected


def test_gunicorn_config_logs() -> None:
    text = 'accesslog = "-"\nerrorlog = "logs/error.log"\nbind = "0.0.0.0:8000"\n'
    (log,) = configs.gunicorn_logs(text, '/srv')
    assert (log.path, log.stream, log.line) == ('/srv/logs/error.log', 'stderr', 2)


@pytest.mark.parametrize(
    ('line', 'system', 'expected'),
    (
        pytest.param('0 3 * * * root /backup.sh >> /var/log/b.log 2>&1', True, ['/var/log/b.log'],
                     id='system crontab'),
        pytest.param('@hourly /job > /var/log/j.log', False, ['/var/log/j.log'], id='@hourly'),
        pytest.param('* * * * * /job > /proc/1/fd/1 2>&1', False, [], id='PID 1 stdout'),
        pytest.param('* * * * * cat > /tmp/x.log %data', False, ['/tmp/x.log'],
                     id='% starts stdin'),
        pytest.param('MAILTO=""', False, [], id='variable'),
    ),
)
def test_cron_writes(line: str, system: bool, expected: list) -> None:
    assert [w.path for w in configs.cron_writes(line, system)] == expected


@pytest.mark.parametrize(
    ('code', 'expected'),
    (
        pytest.param('logging.FileHandler("/a.log")', ('FileHandler', '/a.log', None),
                     id='literal'),
        pytest.param('logging.FileHandler(filename=D + "/b.log")',
                     ('FileHandler', '/var/log/b.log', None), id='keyword, concatenation'),
        pytest.param('logging.FileHandler(f"{D}/c.log")', ('FileHandler', '/var/log/c.log', None),
                     id='f-string'),
        pytest.param('logging.FileHandler(os.path.join(D, "d.log"))',
                     ('FileHandler', '/var/log/d.log', None), id='os.path.join'),
        pytest.param('logging.FileHandler(str(Path(D) / "e.log"))',
                     ('FileHandler', '/var/log/e.log', None), id='pathlib'),
        pytest.param('H.WatchedFileHandler(os.environ["LOG"])', ('WatchedFileHandler', None, 'LOG'),
                     id='environment'),
        pytest.param('logging.FileHandler(f"{D:>5}/x.log")', ('FileHandler', None, None),
                     id='format spec'),
        pytest.param('logging.basicConfig(filename=os.getenv("F", "/f.log"))',
                     ('basicConfig', None, 'F'), id='environment with a default'),
    ),
)
def test_python_file_logs(code: str, expected: tuple) -> None:
    text = ('import logging, os\nimport logging.handlers as H\nfrom pathlib import Path\n'
            f'D = "/var/log"\n{code}\n')
    (log,) = file_logs(text)
    assert (log.kind, log.path, log.env) == expected


def test_a_reassigned_name_is_not_a_constant() -> None:
    text = 'import logging\nP = "/a.log"\nP = input()\nlogging.FileHandler(P)\n'
    (log,) = file_logs(text)
    assert log.path is None


# -- MC230 ------------------------------------------------------------------------------


def _python_findings(text: str, as_main: bool = True) -> list:
    invocation = Invocation('Dockerfile', 5, ('python', 'app.py'), as_main)
    return check_source(SourceFile('app.py', text), 'python', Config(select=('MC230',)),
                        (invocation,))


def test_mc230_ignores_modules_that_are_not_the_main_program() -> None:
    text = 'import logging.handlers\nlogging.handlers.RotatingFileHandler("/x.log")\n'
    assert len(_python_findings(text)) == 1
    assert _python_findings(text, as_main=False) == []


def test_mc230_keeps_a_comment_it_would_delete_and_offers_no_fix() -> None:
    text = ('import logging, os\nlogging.basicConfig(\n    filename=os.environ["F"],  # log here\n'
            '    level=logging.INFO,\n)\n')
    (finding,) = _python_findings(text)
    assert finding.fix is None


# -- the knowledge table -------------------------------------------------------------------


def test_every_software_entry_is_sourced_and_consistent() -> None:
    for software in knowledge.SOFTWARE:
        assert software.source.startswith('https://'), software
        assert software.family in ('debian', 'alpine', 'redhat'), software
        assert software.files or software.note, software
        for log in software.files:
            assert log.stream in (knowledge.STDOUT, knowledge.STDERR), log
            assert log.path.startswith('/'), log
            # error logs go to stderr, never both streams for one file
            if log.role == 'error':
                assert log.stream == knowledge.STDERR, log
        paths = [log.path for log in software.files]
        assert len(paths) == len(set(paths)), software


def test_the_same_package_names_differ_by_family() -> None:
    debian = knowledge.software_for('debian', 'apache2')
    alpine = knowledge.software_for('alpine', 'apache2')
    redhat = knowledge.software_for('redhat', 'httpd')
    assert debian and alpine and redhat
    assert '/var/log/apache2/other_vhosts_access.log' in [f.path for f in debian[0].files]
    assert [f.path for f in redhat[0].files] == ['/var/log/httpd/access_log',
                                                 '/var/log/httpd/error_log']
    assert knowledge.software_for('debian', 'php8.3-fpm')[1] == {'v': '8.3'}  # type: ignore[index]
    assert knowledge.software_for('debian', 'nginx-common') is None


def test_every_linked_base_is_sourced() -> None:
    for name, base in knowledge.LINKED_BY_BASE.items():
        assert base.source.startswith('https://'), name
        assert base.runs, name
