"""Properties 4 (immutable), 5 (self-contained) and 6 (small): readers, fixes, precision.

The fixtures (``tests/fixtures/MC16x``, ``MC17x``, ``MC18x``, ``MC370``) show
each rule's findings and fixes; this file checks what they cannot: the
``.dockerignore`` a fix creates, that an appended cleanup keeps the exit
status of the ``RUN`` under a real ``/bin/sh``, BuildKit's ignore-pattern
semantics, the peers' pragmas, and the precision corpus.
"""
from __future__ import annotations

import pathlib
import shutil
import subprocess
import sys

import pytest

from modcon.engine.check import check_source
from modcon.engine.config import Config
from modcon.engine.fixloop import fix_source
from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.entrypoints.resolve import resolve
from modcon.fixers.dockerfile._dockerignore import excluded
from modcon.fixers.dockerfile._dockerignore import parse
from modcon.knowledge.packages import requirements_unpinned
from modcon.model import Applicability
from modcon.project import LocalProject
from modcon.project import MappingProject
from modcon.readers.dockerfile.image_names import reference
from modcon.readers.dockerfile.image_names import split
from modcon.readers.shell.simple_commands import read_commands
from modcon.registry import load_rules
from modcon.source import SourceFile

ROOT = pathlib.Path(__file__).resolve().parents[1]
FIXTURES = ROOT / 'tests' / 'fixtures'
CORPUS = ROOT / 'tests' / 'precision' / 'part_4_5_6'
CODES = tuple(sorted(code for code in load_rules() if
                     'MC160' <= code <= 'MC189' or code in ('MC370',)))


def _check(text: str, files: dict[str, str] | None = None, codes: tuple[str, ...] = CODES,
           path: str = 'Dockerfile'):
    project = MappingProject(files) if files is not None else None
    return check_source(SourceFile(path, text), 'dockerfile', Config(select=codes), (), project)


# -- the .dockerignore that MC185 creates --------------------------------------------


def _created(case: str) -> dict[str, str]:
    text = (FIXTURES / 'MC185' / f'{case}.input.Dockerfile').read_text()
    project = LocalProject(str(FIXTURES / 'MC185' / f'{case}.context'))
    source = SourceFile(f'{case}.input.Dockerfile', text)
    safe = fix_source(source, 'dockerfile', Config(select=('MC185',)), Applicability.SAFE,
                      (), project)
    assert safe.created == {}, 'creating a .dockerignore is an unsafe fix'
    result = fix_source(source, 'dockerfile', Config(select=('MC185',)), Applicability.UNSAFE,
                        (), project)
    assert result.fixed == text  # the Dockerfile itself never changes
    return result.created


def test_created_dockerignore_never_excludes_what_the_build_copies_or_uses() -> None:
    created = _created('copy-all')
    assert list(created) == ['copy-all.input.Dockerfile.dockerignore']
    content = created['copy-all.input.Dockerfile.dockerignore']
    lines = [ln for ln in content.splitlines() if ln and not ln.startswith('#')]
    patterns = parse(content)
    # COPY names these explicitly: they must still reach the builder.
    for path in ('requirements.txt', '.env.production', 'dist/x.txt', 'src/app.py'):
        assert not excluded(patterns, path), path
    # `RUN git rev-parse HEAD` needs .git; nothing installs Node packages here.
    assert '.git' not in lines and '**/node_modules' not in lines
    assert {'**/__pycache__', '.venv', '.env', '**/*.py[cod]'} <= set(lines)
    assert content.startswith('# Created by modcon (MC185)')


def test_created_dockerignore_keeps_git_for_setuptools_scm_and_ignores_node_modules() -> None:
    content = _created('node-app')['node-app.input.Dockerfile.dockerignore']
    lines = content.splitlines()
    assert '**/node_modules' in lines  # the build runs `npm ci` itself
    assert '.git' not in lines  # pyproject.toml takes the version from git


@pytest.mark.parametrize(('dockerfile', 'created'), (
    ('Dockerfile', '.dockerignore'),
    ('Containerfile', '.dockerignore'),
    ('api.Dockerfile', 'api.Dockerfile.dockerignore'),
    ('Dockerfile.dev', 'Dockerfile.dev.dockerignore'),
))
def test_a_named_dockerfile_gets_its_own_ignore_file(dockerfile: str, created: str) -> None:
    text = 'FROM python:3.12-slim\nCOPY . .\nCMD ["python", "app.py"]\n'
    result = fix_source(SourceFile(dockerfile, text), 'dockerfile', Config(select=('MC185',)),
                        Applicability.UNSAFE, (), MappingProject({'app.py': ''}))
    assert list(result.created) == [created]


def test_an_existing_ignore_file_is_never_replaced() -> None:
    text = 'FROM python:3.12-slim\nCOPY . .\nCMD ["python", "app.py"]\n'
    for name in ('.dockerignore', 'Dockerfile.dockerignore'):
        assert _check(text, {name: '.git\n', 'app.py': ''}, ('MC185',)) == []
    assert len(_check(text, {'app.py': ''}, ('MC185',))) == 1
    assert _check(text, None, ('MC185',)) == []  # no known context: nothing to say


# -- BuildKit's .dockerignore patterns -------------------------------------------------


@pytest.mark.parametrize(('patterns', 'path', 'expected'), (
    pytest.param('.git', '.git/config', True, id='folder excludes its files'),
    pytest.param('*.md', 'README.md', True, id='star at the root'),
    pytest.param('*.md', 'docs/README.md', False, id='star stays in one segment'),
    pytest.param('**/*.md', 'docs/a/README.md', True, id='double star spans segments'),
    pytest.param('**/node_modules', 'node_modules/x/index.js', True, id='double star matches zero'),
    pytest.param('*\n!src', 'src/app.py', False, id='exception re-includes'),
    pytest.param('*\n!src\nsrc/secret', 'src/secret', True, id='last matching line wins'),
    pytest.param('/build/', 'build/out', True, id='leading slash and trailing slash'),
    pytest.param('# comment\n\n  .env  ', '.env', True, id='comments and blanks'),
    pytest.param('app?.py', 'app1.py', True, id='question mark'),
    pytest.param('*.py[cod]', 'x.pyc', True, id='character class'),
    pytest.param('a.b', 'axb', False, id='dot is literal'),
    pytest.param('\ufeff.env', '.env', True, id='byte-order mark before the first line'),
    pytest.param('  #secret', '#secret', True, id='a comment starts at the first character'),
    pytest.param('a\x0cb\r\nc', 'a', False, id='lines end at newlines only'),
    pytest.param('a\x0cb\r\nc', 'c', True, id='a CR before the newline is not the pattern\'s'),
))
def test_dockerignore_patterns_match_like_buildkit(patterns: str, path: str,
                                                   expected: bool) -> None:
    assert excluded(parse(patterns), path) is expected


# -- appended cleanups keep the RUN's exit status --------------------------------------

# Every program the RUN lines call is a function here: nothing real runs.
_STUBS = ('apt-get() { return "${APT_STATUS:-0}"; }\n'
          'apt() { return "${APT_STATUS:-0}"; }\n'
          'rm() { return 0; }\n'
          'update-ca-certificates() { return 0; }\n')


@pytest.mark.skipif(shutil.which('sh') is None, reason='needs a POSIX sh')
@pytest.mark.parametrize('case', (
    'continuation', 'crlf-comment', 'set-e-semicolons', 'no-errexit-semicolons',
    'lowercase-no-final-newline',
))
def test_apt_cleanup_keeps_the_status_of_the_run(case: str) -> None:
    """Run the RUN's shell text before and after the fix under /bin/sh, with
    `apt-get` succeeding and failing: the status must be the same."""
    before = (FIXTURES / 'MC180' / f'{case}.input.Dockerfile').read_bytes().decode()
    after = (FIXTURES / 'MC180' / f'{case}.fixed.Dockerfile').read_bytes().decode()

    def run_text(text: str) -> str:
        document = DockerfileDocument(SourceFile('Dockerfile', text))
        (run,) = [i for i in document.instructions if i.name == 'RUN']
        return run.args.text

    old, new = run_text(before), run_text(after)
    assert 'rm -rf /var/lib/apt/lists/*' in new and old != new
    for status in ('0', '100'):
        results = []
        for script in (old, new):
            done = subprocess.run([shutil.which('sh') or 'sh', '-c', _STUBS + script], env={'APT_STATUS': status, 'PATH': '/nonexistent'},
                                  capture_output=True, text=True)
            results.append(done.returncode)
        assert results[0] == results[1], (case, status, results)


# -- the shell reader ------------------------------------------------------------------


def test_reader_places_commands_in_chains_pipelines_and_branches() -> None:
    script = read_commands('set -e; a && b | c && if x; then d; fi # note')
    by_name = {c.name: c for c in script.commands}
    assert [s.members for s in script.statements][1] and len(script.statements) == 2
    assert by_name['a'].member == 0 and by_name['a'].statement == 1
    assert by_name['b'].pipe_index == 0 and by_name['c'].pipe_index == 1
    assert by_name['d'].nested and not by_name['a'].nested
    assert script.append_at == script.text.index(' # note')


def test_reader_values_and_background_jobs() -> None:
    script = read_commands('pip install "a==1" \'b[x]\' c* $V ~/d & ')
    (pip,) = script.commands
    assert [w.value for w in pip.args] == ['install', 'a==1', 'b[x]', None, None, None]
    assert pip.args[3].plain == 'c*' and pip.args[4].plain is None
    assert script.append_at is None  # `&`: nothing can run after it in order


# -- image references and pins ---------------------------------------------------------


@pytest.mark.parametrize(('ref', 'expected'), (
    ('python', ('python', None, None)),
    ('registry:5000/team/app:1.2', ('registry:5000/team/app', '1.2', None)),
    ('ubuntu:latest@sha256:abc', ('ubuntu', 'latest', 'sha256:abc')),
))
def test_image_references_split_like_docker(ref: str, expected: tuple) -> None:
    assert split(ref) == expected


def test_arg_templated_bases_use_the_global_defaults() -> None:
    args = {'PY': '3.12', 'BASE': 'python', 'NODEF': None}
    assert not reference('python:${PY}-slim', args).floating  # type: ignore[union-attr]
    assert reference('${BASE}', args).floating  # type: ignore[union-attr]
    assert reference('python:${NODEF}', args) is None  # chosen at build time
    assert not reference('python:${NODEF:-3.12}', args).floating  # type: ignore[union-attr]


def test_requirements_files_are_read_line_by_line() -> None:
    text = 'flask==3.0\nrequests>=2\n# c\nx @ https://e/x.whl\n-e .\nboto3 ; python_version>"3"\n'
    assert requirements_unpinned(text) == ['requests>=2', 'boto3']
    assert requirements_unpinned('a\n--hash=sha256:x\n') == []


# -- peers' pragmas ----------------------------------------------------------------------


@pytest.mark.parametrize(('pragma', 'code'), (
    ('# hadolint ignore=DL3009', 'MC180'),
    ('# hadolint ignore=DL3042', 'MC182'),
    ('# hadolint ignore=DL3019', 'MC181'),
    ('# hadolint ignore=DL3007', 'MC160'),
    ('# tally ignore=hadolint/DL3006', 'MC160'),
    ('# hadolint ignore=DL3005', 'MC162'),
    ('# hadolint ignore=DL3013', 'MC163'),
))
def test_peer_pragmas_silence_the_same_rule(pragma: str, code: str) -> None:
    body = {
        'MC180': 'RUN apt-get update && apt-get install -y curl',
        'MC182': 'RUN pip install flask==3.0.3',
        'MC181': 'RUN apk add curl',
        'MC160': 'COPY --from=busybox:latest /bin/busybox /bb',
        'MC162': 'RUN apt-get update && apt-get upgrade -y && rm -rf /var/lib/apt/lists/*',
        'MC163': 'RUN pip install --no-cache-dir flask',
    }[code]
    plain = f'FROM debian:12-slim\n{body}\nCMD ["x"]\n'
    silenced = f'FROM debian:12-slim\n{pragma}\n{body}\nCMD ["x"]\n'
    assert [f.rule.code for f in _check(plain, codes=(code,))] == [code]
    assert _check(silenced, codes=(code,)) == []


def test_buildkit_check_skip_silences_copy_ignored_file() -> None:
    files = {'.dockerignore': 'config\n', 'config/a.toml': ''}
    text = 'FROM alpine:3.20\nCOPY config/a.toml /etc/\nCMD ["x"]\n'
    assert [f.rule.code for f in _check(text, files, ('MC171',))] == ['MC171']
    assert _check('# check=skip=CopyIgnoredFile\n' + text, files, ('MC171',)) == []


# -- the precision corpus ----------------------------------------------------------------

# What each rule reports on the corpus, and why that is right. Everything not
# listed must stay silent (the noop cases a naive rule would flag: the
# official images' purge pattern, cache mounts, `--no-cache-dir` already, a
# `.dockerignore` present, build stages, pinned ARG bases, lock-file installs).
EXPECTED = {
    ('awesome-compose-django', 'MC185'): 'COPY . /app with no .dockerignore: .git and caches '
                                         'go into the image',
    ('dev-startup-install', 'MC170'): 'CMD runs `npm install` at every start',
    ('flask-tutorial', 'MC163'): 'requirements.txt lists flask and redis without versions',
    ('flask-tutorial', 'MC182'): '`pip install -r` without --no-cache-dir in the final image',
    ('flask-tutorial', 'MC185'): 'COPY . . with no .dockerignore',
    ('go-distroless', 'MC160'): 'distroless has no version tags: untagged means latest; pin '
                                'the digest',
    ('go-single-stage', 'MC186'): 'the final image is the golang SDK (Docker\'s Go guide '
                                  'before it introduces multi-stage)',
    ('node-express', 'MC183'): '`npm install` leaves ~/.npm in the final layer',
    ('php-apache', 'MC180'): 'the php docs pattern never deletes the apt lists',
    ('php-apache', 'MC186'): 'the -dev header packages stay in the final image',
    ('ubuntu-blog-tool', 'MC160'): 'FROM ubuntu:latest',
    ('ubuntu-blog-tool', 'MC162'): 'apt-get upgrade -y in the build',
    ('ubuntu-blog-tool', 'MC180'): 'apt-get update in its own RUN; the next RUN installs with '
                                   'those lists, so no fix',
    ('ubuntu-blog-tool', 'MC185'): 'COPY . /opt/tool with no .dockerignore',
    ('ubuntu-blog-tool', 'MC163'): 'requirements.txt names requests without a version',
    ('ubuntu-blog-tool', 'MC182'): '`pip3 install -r` without --no-cache-dir',
    ('uv-fastapi', 'MC160'): 'COPY --from=ghcr.io/astral-sh/uv:latest (the uv docs\' own '
                             'example; they advise pinning for production)',
}


def _corpus_findings() -> dict[tuple[str, str], int]:
    found: dict[tuple[str, str], int] = {}
    for folder in sorted(p for p in CORPUS.iterdir() if p.is_dir()):
        project = LocalProject(str(folder))
        source = SourceFile('Dockerfile', (folder / 'Dockerfile').read_text())
        for f in check_source(source, 'dockerfile', Config(select=CODES), (), project):
            found[(folder.name, f.rule.code)] = found.get((folder.name, f.rule.code), 0) + 1
        resolution = resolve(DockerfileDocument(source, project), 'Dockerfile', project)
        for target in resolution.targets:
            code = SourceFile(target.path, (folder / target.path).read_text())
            for f in check_source(code, target.kind, Config(select=CODES), (target.invocation,)):
                found[(folder.name, f.rule.code)] = found.get((folder.name, f.rule.code), 0) + 1
    return found


def test_precision_corpus_findings_are_the_expected_ones() -> None:
    assert sorted(_corpus_findings()) == sorted(EXPECTED)


def test_no_rule_fires_on_more_than_half_of_the_corpus() -> None:
    folders = [p for p in CORPUS.iterdir() if p.is_dir()]
    assert len(folders) >= 15
    per_rule: dict[str, int] = {}
    for _folder, code in _corpus_findings():
        per_rule[code] = per_rule.get(code, 0) + 1
    assert all(count <= len(folders) / 2 for count in per_rule.values()), per_rule


# -- cost on the common path ---------------------------------------------------------------


def test_a_dockerfile_without_installs_does_not_load_the_shell_grammar(
        tmp_path: pathlib.Path) -> None:
    dockerfile = tmp_path / 'Dockerfile'
    dockerfile.write_text('FROM python:3.12-slim\nWORKDIR /app\nCOPY app.py .\n'
                          'ENV PYTHONUNBUFFERED=1\nCMD ["python", "app.py"]\n')
    (tmp_path / '.dockerignore').write_text('.git\n')
    probe = ('import sys\nfrom modcon.cli import main\n'
             f'main(["check", "--select", "{",".join(CODES)}", {str(dockerfile)!r}])\n'
             'print("TS", [m for m in sys.modules if m.startswith("tree_sitter")])\n')
    out = subprocess.run([sys.executable, '-c', probe], capture_output=True, text=True).stdout
    assert 'TS []' in out, out
