"""The command line as a user meets it: exit codes, bad input, writing, formats."""
from __future__ import annotations

import json
import os
import pathlib
import re
import shutil
import stat
import subprocess
import sys

import jsonschema
import pytest

from modcon import cli

SHELL_FORM = 'FROM alpine:3.20\nCMD app --serve\n'
EXEC_FORM = 'FROM alpine:3.20\nCMD ["app", "--serve"]\n'
SCHEMA = pathlib.Path(__file__).resolve().parent / 'data' / 'sarif-schema-2.1.0.json'


def modcon(*args: str, cwd: pathlib.Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != 'MODCON_DEBUG'}
    return subprocess.run(
        [sys.executable, '-m', 'modcon', *args], cwd=cwd, capture_output=True, text=True,
        env=env, timeout=60,
    )


def write(path: pathlib.Path, text: str | bytes) -> pathlib.Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, str):
        path.write_bytes(text.encode())
    else:
        path.write_bytes(text)
    return path


def assert_one_line_errors(stderr: str, count: int) -> None:
    """``count`` errors, one line each; the only other line is fix's summary."""
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith('modcon: error: ')]
    assert len(errors) == count, stderr
    assert all(ln in errors or ln.startswith('Fixed ') for ln in lines), stderr
    assert 'Traceback' not in stderr


# -- exit codes -------------------------------------------------------------

def test_clean_file_exits_zero(tmp_path: pathlib.Path) -> None:
    write(tmp_path / 'Dockerfile', EXEC_FORM)
    result = modcon('check', cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert 'no findings' in result.stdout


def test_findings_exit_one_and_show_line_fix_and_property(tmp_path: pathlib.Path) -> None:
    write(tmp_path / 'Dockerfile', SHELL_FORM)
    result = modcon('check', '.', cwd=tmp_path)
    assert result.returncode == 1
    out = result.stdout
    assert 'Dockerfile:2:1:' in out and 'MC101' in out
    assert '2 | CMD app --serve' in out
    assert 'safe fix: Use exec form: CMD ["app", "--serve"]' in out
    assert 'docs/properties.md#1a-react-to-signals' in out


def test_exit_zero(tmp_path: pathlib.Path) -> None:
    write(tmp_path / 'Dockerfile', SHELL_FORM)
    assert modcon('check', '--exit-zero', cwd=tmp_path).returncode == 0


def test_usage_error_exits_two(tmp_path: pathlib.Path) -> None:
    result = modcon('check', '--format', 'xml', cwd=tmp_path)
    assert result.returncode == 2
    assert 'invalid choice' in result.stderr


# -- bad input: one line each, exit 2, the other files still processed -------

def test_bad_inputs_are_one_line_errors_and_the_rest_is_checked(tmp_path: pathlib.Path) -> None:
    write(tmp_path / 'good' / 'Dockerfile', SHELL_FORM)
    write(tmp_path / 'utf16' / 'Dockerfile', 'FROM alpine\nCMD app\n'.encode('utf-16'))
    write(tmp_path / 'binary' / 'Dockerfile', b'\x7fELF\x02\x01\x00\x00')
    write(tmp_path / 'empty' / 'Dockerfile', b'')
    write(tmp_path / 'huge' / 'Dockerfile', b'FROM alpine\n' + b'# x\n' * 300_000)
    result = modcon('check', '.', cwd=tmp_path)
    assert result.returncode == 2
    assert_one_line_errors(result.stderr, 4)
    assert 'utf16/Dockerfile: is UTF-16 text' in result.stderr
    assert 'binary/Dockerfile: is a binary file' in result.stderr
    assert 'empty/Dockerfile: is empty' in result.stderr
    assert 'huge/Dockerfile: is larger than 1 MiB' in result.stderr
    assert 'good/Dockerfile:2:1:' in result.stdout  # still checked


def test_missing_path(tmp_path: pathlib.Path) -> None:
    write(tmp_path / 'Dockerfile', SHELL_FORM)
    result = modcon('check', 'nope', 'Dockerfile', cwd=tmp_path)
    assert result.returncode == 2
    assert_one_line_errors(result.stderr, 1)
    assert 'nope: no such file or directory' in result.stderr
    assert 'Dockerfile:2:1:' in result.stdout


DROP_DAC = ['setpriv', '--bounding-set=-dac_override,-dac_read_search',
            '--inh-caps=-dac_override,-dac_read_search']


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which('setpriv'),
                    reason='root drops its file-permission override with setpriv')
def test_unreadable_file(tmp_path: pathlib.Path) -> None:
    write(tmp_path / 'a' / 'Dockerfile', SHELL_FORM)
    write(tmp_path / 'b' / 'Dockerfile', SHELL_FORM).chmod(0o000)
    result = subprocess.run([*DROP_DAC, sys.executable, '-m', 'modcon', 'check', '.'],
                            cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert_one_line_errors(result.stderr, 1)
    assert 'b/Dockerfile: cannot read: Permission denied' in result.stderr
    assert 'a/Dockerfile:2:1:' in result.stdout


def test_directory_named_dockerfile_is_walked_not_read(tmp_path: pathlib.Path) -> None:
    write(tmp_path / 'Dockerfile' / 'api.Dockerfile', SHELL_FORM)
    result = modcon('check', 'Dockerfile', cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert 'Dockerfile/api.Dockerfile:2:1:' in result.stdout
    assert result.stderr == ''


def test_symlink_outside_the_tree_is_not_followed_nor_written(tmp_path: pathlib.Path) -> None:
    outside = write(tmp_path / 'outside' / 'Dockerfile', SHELL_FORM)
    repo = tmp_path / 'repo'
    write(repo / 'Dockerfile', SHELL_FORM)
    (repo / 'linked').mkdir()
    (repo / 'linked' / 'Dockerfile').symlink_to(outside)
    result = modcon('fix', '.', cwd=repo)
    assert result.returncode == 2
    assert_one_line_errors(result.stderr, 1)
    assert 'linked/Dockerfile: is a symlink to outside the scanned tree' in result.stderr
    assert outside.read_text() == SHELL_FORM  # never written through
    assert (repo / 'linked' / 'Dockerfile').is_symlink()
    assert (repo / 'Dockerfile').read_text() == EXEC_FORM  # the rest was fixed


def test_symlink_inside_the_tree_is_fixed_through_once(tmp_path: pathlib.Path) -> None:
    real = write(tmp_path / 'docker' / 'prod.Dockerfile', SHELL_FORM)
    (tmp_path / 'Dockerfile').symlink_to('docker/prod.Dockerfile')
    result = modcon('fix', '.', cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert real.read_text() == EXEC_FORM
    assert (tmp_path / 'Dockerfile').is_symlink()


@pytest.mark.parametrize('jobs', ['1', '2'])
def test_a_crashing_rule_is_one_line_and_the_run_goes_on(
        tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], jobs: str) -> None:
    from modcon import registry

    registry.load_rules()
    rule = registry.RULES['MC102']

    def explode(document: object) -> None:
        if 'boom' in document.source.path:  # type: ignore[attr-defined]
            raise RuntimeError('kaboom')
        return iter(())  # type: ignore[return-value]

    monkeypatch.setitem(registry.RULES, 'MC102', rule._replace(check=explode))
    write(tmp_path / 'boom.Dockerfile', SHELL_FORM)
    write(tmp_path / 'ok.Dockerfile', SHELL_FORM)
    monkeypatch.chdir(tmp_path)
    code = cli.main(['check', '--jobs', jobs, '.'])  # worker processes inherit the rule
    out, err = capsys.readouterr()
    assert code == 2
    assert_one_line_errors(err, 1)
    assert 'boom.Dockerfile: internal error in rule MC102: RuntimeError: kaboom' in err
    assert 'ok.Dockerfile:2:1:' in out
    assert 'boom.Dockerfile:' not in out


@pytest.mark.parametrize('fmt', ['json', 'junit'])
def test_checking_in_worker_processes_reports_exactly_what_one_process_does(
        tmp_path: pathlib.Path, fmt: str) -> None:
    for i in range(12):
        write(tmp_path / f'svc{i}' / 'Dockerfile',
              f'FROM python:3.12-slim\nCOPY app.py .\nCMD python app.py --port {8000 + i}\n')
        write(tmp_path / f'svc{i}' / 'app.py', 'import time\nwhile True:\n    time.sleep(1)\n')
    write(tmp_path / 'broken.Dockerfile', b'\xff\xfeFROM x\n')
    write(tmp_path / 'syntax.Dockerfile', 'FROM alpine:3.20\nCMD a \\\n\nbogus\n')
    write(tmp_path / 'nginx' / 'Dockerfile', 'FROM debian:12-slim\n'
          'RUN apt-get update && apt-get install -y nginx\nCMD nginx -g "daemon off;"\n')
    one = modcon('check', '--format', fmt, '--jobs', '1', '.', cwd=tmp_path)
    two = modcon('check', '--format', fmt, '--jobs', '2', '.', cwd=tmp_path)
    assert one.returncode == two.returncode == 2
    assert one.stdout == two.stdout
    assert one.stderr == two.stderr
    # The entrypoints the Dockerfiles lead to are checked too, after them.
    assert 'svc11/app.py' in two.stdout and 'MC201' in two.stdout


def test_jobs_must_be_a_positive_number(tmp_path: pathlib.Path) -> None:
    result = modcon('check', '--jobs', '0', '.', cwd=tmp_path)
    assert result.returncode == 2
    assert 'at least 1' in result.stderr


# -- fixing -----------------------------------------------------------------

def test_fix_rewrites_in_place_keeping_mode_and_line_endings(tmp_path: pathlib.Path) -> None:
    path = write(tmp_path / 'Dockerfile', 'FROM alpine:3.20\r\nCMD app --serve\r\n')
    path.chmod(0o640)
    result = modcon('fix', cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert path.read_bytes() == b'FROM alpine:3.20\r\nCMD ["app", "--serve"]\r\n'
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert 'Fixed 1 finding in 1 file.' in result.stderr
    again = modcon('fix', cwd=tmp_path)
    assert again.returncode == 0 and path.read_bytes().count(b'\r\n') == 2
    assert not [p for p in tmp_path.iterdir() if p.name.startswith('.modcon-')]


def test_fix_diff_writes_nothing(tmp_path: pathlib.Path) -> None:
    path = write(tmp_path / 'Dockerfile', SHELL_FORM)
    result = modcon('fix', '--diff', cwd=tmp_path)
    assert result.returncode == 1
    assert path.read_text() == SHELL_FORM
    assert '-CMD app --serve\n+CMD ["app", "--serve"]\n' in result.stdout
    assert result.stdout.startswith('--- a/Dockerfile\n+++ b/Dockerfile\n')
    apply = subprocess.run(['git', 'apply', '--check', '-'], input=result.stdout, text=True,
                           cwd=tmp_path, capture_output=True)
    assert apply.returncode == 0, apply.stdout + apply.stderr


def test_unsafe_fixes_need_the_flag(tmp_path: pathlib.Path) -> None:
    text = 'FROM registry.example.com/base:1\nCMD /srv/app --serve\n'
    path = write(tmp_path / 'Dockerfile', text)
    assert modcon('fix', cwd=tmp_path).returncode == 1
    assert path.read_text() == text
    assert modcon('fix', '--unsafe-fixes', cwd=tmp_path).returncode == 0
    assert path.read_text().endswith('CMD ["/srv/app", "--serve"]\n')


def test_unfixable_findings_keep_exit_one(tmp_path: pathlib.Path) -> None:
    write(tmp_path / 'Dockerfile', 'FROM alpine\nCMD app | tee log\n')
    result = modcon('fix', cwd=tmp_path)
    assert result.returncode == 1
    assert 'no automatic fix because it ends in a pipeline' in result.stdout


# -- selection, configuration ---------------------------------------------------

def test_select_and_ignore(tmp_path: pathlib.Path) -> None:
    write(tmp_path / 'Dockerfile', SHELL_FORM + "HEALTHCHECK CMD wget -q http://x/\n")
    assert 'MC102' not in modcon('check', '--select', 'MC101', cwd=tmp_path).stdout
    out = modcon('check', '--ignore', 'shell-form-command', cwd=tmp_path).stdout
    assert 'MC101' not in out and 'MC102' in out
    assert modcon('check', '--select', 'MC1', '--ignore', 'MC101,MC102',
                  cwd=tmp_path).returncode == 0


def test_config_file_and_docs_url(tmp_path: pathlib.Path) -> None:
    write(tmp_path / 'Dockerfile', SHELL_FORM)
    write(tmp_path / 'pyproject.toml',
          '[project]\nname = "x"\n\n[tool.modcon]\nignore = ["MC102"]\n'
          'docs-url = "https://example.org/props.md"\n'
          '[tool.modcon.fix-safety]\nMC101 = "display-only"\n')
    result = modcon('check', '--format', 'json', cwd=tmp_path)
    findings = json.loads(result.stdout)
    assert findings[0]['property']['url'] == 'https://example.org/props.md#1a-react-to-signals'
    assert findings[0]['fix']['applicability'] == 'display-only'
    assert modcon('fix', cwd=tmp_path).returncode == 1  # display-only is never written
    assert (tmp_path / 'Dockerfile').read_text() == SHELL_FORM
    url = modcon('check', '--docs-url', 'https://docs.example/p.md', cwd=tmp_path).stdout
    assert 'https://docs.example/p.md#1a-react-to-signals' in url


def test_modcon_toml_wins_and_bad_config_is_one_line(tmp_path: pathlib.Path) -> None:
    write(tmp_path / 'Dockerfile', SHELL_FORM)
    write(tmp_path / '.modcon.toml', 'select = ["MC102"]\n')
    assert modcon('check', cwd=tmp_path).returncode == 0
    write(tmp_path / '.modcon.toml', 'selct = ["MC102"]\n')
    result = modcon('check', cwd=tmp_path)
    assert result.returncode == 2
    assert_one_line_errors(result.stderr, 1)
    assert 'unknown setting `selct`' in result.stderr
    write(tmp_path / '.modcon.toml', 'select = [\n')
    result = modcon('check', cwd=tmp_path)
    assert result.returncode == 2 and 'invalid TOML' in result.stderr
    assert_one_line_errors(result.stderr, 1)


def test_discovery_finds_dockerfiles_and_skips_the_rest(tmp_path: pathlib.Path) -> None:
    for name in ('Dockerfile', 'Containerfile', 'api.Dockerfile', 'Dockerfile.prod',
                 'web/Dockerfile', 'node_modules/pkg/Dockerfile', '.git/Dockerfile',
                 'ignored/Dockerfile', 'Dockerfile.dockerignore', 'Dockerfile.j2',
                 'vendor/x/Dockerfile', 'skipme/Dockerfile'):
        write(tmp_path / name, SHELL_FORM)
    write(tmp_path / '.gitignore', 'ignored/\n')
    write(tmp_path / '.modcon.toml', 'exclude = ["skipme"]\n')
    subprocess.run(['git', 'init', '-q'], cwd=tmp_path, check=True)
    result = modcon('check', '--format', 'json', cwd=tmp_path)
    paths = sorted({f['path'] for f in json.loads(result.stdout)})
    assert paths == ['Containerfile', 'Dockerfile', 'Dockerfile.prod', 'api.Dockerfile',
                     'web/Dockerfile']
    # A file named explicitly is checked whatever its name.
    write(tmp_path / 'docker' / 'build.txt', SHELL_FORM)
    assert modcon('check', 'docker/build.txt', cwd=tmp_path).returncode == 1


def test_git_ignores_apply_when_a_subfolder_is_scanned(tmp_path: pathlib.Path) -> None:
    for name in ('sub/Dockerfile', 'sub/build/Dockerfile', 'sub/ign.Dockerfile'):
        write(tmp_path / name, SHELL_FORM)
    write(tmp_path / '.gitignore', 'build/\nsub/ign.Dockerfile\n')
    subprocess.run(['git', 'init', '-q'], cwd=tmp_path, check=True)
    from_root = modcon('check', '--format', 'json', 'sub', cwd=tmp_path)
    assert sorted({f['path'] for f in json.loads(from_root.stdout)}) == ['sub/Dockerfile']
    inside = modcon('check', '--format', 'json', cwd=tmp_path / 'sub')
    assert sorted({f['path'] for f in json.loads(inside.stdout)}) == ['Dockerfile']


# -- output formats -------------------------------------------------------------

def test_json_output_carries_fix_edits(tmp_path: pathlib.Path) -> None:
    write(tmp_path / 'Dockerfile', SHELL_FORM)
    finding = json.loads(modcon('check', '--format', 'json', cwd=tmp_path).stdout)[0]
    assert finding['code'] == 'MC101' and finding['name'] == 'shell-form-command'
    assert finding['start'] == {'line': 2, 'column': 1}
    edit = finding['fix']['edits'][0]
    original = SHELL_FORM
    fixed = original[:edit['offset']] + edit['content'] + original[edit['offset'] + edit['length']:]
    assert fixed == EXEC_FORM
    assert finding['property']['id'] == '1a'


def test_sarif_validates_against_the_schema(tmp_path: pathlib.Path) -> None:
    write(tmp_path / 'Dockerfile', SHELL_FORM + "HEALTHCHECK CMD ['curl', '-f', 'http://x/']\n")
    write(tmp_path / 'sub' / 'Dockerfile', 'FROM alpine\nCMD app | tee x\n')
    result = modcon('check', '--format', 'sarif', '-o', 'out.sarif', cwd=tmp_path)
    assert result.returncode == 1 and result.stdout == ''
    log = json.loads((tmp_path / 'out.sarif').read_text())
    jsonschema.validate(log, json.loads(SCHEMA.read_text()))
    run = log['runs'][0]
    rules = {r['id']: r for r in run['tool']['driver']['rules']}
    assert rules['MC101']['helpUri'].endswith('docs/properties.md#1a-react-to-signals')
    fixed = [r for r in run['results'] if r.get('fixes')]
    unfixed = [r for r in run['results'] if not r.get('fixes')]
    assert fixed and unfixed
    replacement = fixed[0]['fixes'][0]['artifactChanges'][0]['replacements'][0]
    assert replacement['insertedContent']['text'] == '["app", "--serve"]'
    assert {r['locations'][0]['physicalLocation']['artifactLocation']['uri']
            for r in run['results']} == {'Dockerfile', 'sub/Dockerfile'}


def test_a_fix_that_creates_a_file_carries_it_in_sarif_and_json(tmp_path: pathlib.Path) -> None:
    """MC185's fix edits nothing in the Dockerfile and creates its .dockerignore: SARIF
    needs a replacement in every artifact change, and both formats must carry the
    file, exactly as ``modcon fix`` writes it."""
    write(tmp_path / 'svc' / 'Dockerfile', 'FROM python:3.12-slim\nCOPY . /app\n'
                                           'CMD ["python", "/app/app.py"]\n')
    write(tmp_path / 'svc' / 'app.py', 'print(1)\n')
    log = json.loads(modcon('check', '--format', 'sarif', cwd=tmp_path).stdout)
    jsonschema.validate(log, json.loads(SCHEMA.read_text()))
    [result] = [r for r in log['runs'][0]['results'] if r['ruleId'] == 'MC185']
    [change] = result['fixes'][0]['artifactChanges']
    [finding] = [f for f in json.loads(modcon('check', '--format', 'json', cwd=tmp_path).stdout)
                 if f['code'] == 'MC185']
    assert finding['fix']['edits'] == []
    [created] = finding['fix']['creates']
    modcon('fix', '--unsafe-fixes', '--select', 'MC185', cwd=tmp_path)
    written = (tmp_path / 'svc' / '.dockerignore').read_text()
    assert created == {'path': 'svc/.dockerignore', 'content': written}
    assert change['artifactLocation']['uri'] == 'svc/.dockerignore'
    assert change['replacements'] == [{
        'deletedRegion': {'startLine': 1, 'startColumn': 1, 'endLine': 1, 'endColumn': 1,
                          'charOffset': 0, 'charLength': 0},
        'insertedContent': {'text': written}}]


def test_github_annotations_are_escaped(tmp_path: pathlib.Path) -> None:
    write(tmp_path / 'odd,name:50%.Dockerfile', SHELL_FORM)
    out = modcon('check', '--format', 'github', cwd=tmp_path).stdout
    line = out.splitlines()[0]
    assert line.startswith('::warning file=odd%2Cname%3A50%25.Dockerfile,line=2,endLine=2,')
    assert 'title=MC101 shell-form-command::' in line
    assert '%0AProperty 1a React to signals: https://' in line
    assert '\n' not in line


# -- rule documentation ---------------------------------------------------------

def test_rules_and_rule(tmp_path: pathlib.Path) -> None:
    listing = modcon('rules', cwd=tmp_path).stdout
    assert 'MC101  shell-form-command' in listing
    doc = modcon('rule', 'shell-form-command', cwd=tmp_path)
    assert doc.returncode == 0
    for section in ('## What it does', '## Why is this bad?', '## Example', '## Use instead',
                    '## Fix safety', '#1a-react-to-signals'):
        assert section in doc.stdout
    unknown = modcon('rule', 'MC999', cwd=tmp_path)
    assert unknown.returncode == 2
    assert_one_line_errors(unknown.stderr, 1)


def test_fix_goes_round_until_no_file_needs_another_fix(tmp_path: pathlib.Path) -> None:
    """The script's fix makes Python PID 1, which the Dockerfile's fix then depends on: one
    `fix` (and one `fix --diff`) does both, and a second run has nothing left."""
    write(tmp_path / 'Dockerfile', 'FROM python:3.12-slim\nCOPY entry.sh /entry.sh\n'
                                   'CMD /entry.sh python -m http.server 8000\n')
    write(tmp_path / 'entry.sh', '#!/bin/sh\necho hi\n"$@"\n')
    subprocess.run(['git', 'init', '-q', '.'], cwd=tmp_path, check=True)
    diff = modcon('fix', '--diff', '.', cwd=tmp_path)
    assert '+STOPSIGNAL SIGINT\n' in diff.stdout and '+exec "$@"\n' in diff.stdout
    assert diff.stdout.count('--- a/Dockerfile') == 1  # one diff per file, over all rounds
    assert '5 fixes in 2 files would be applied' in diff.stderr
    subprocess.run(['git', 'apply', '-'], cwd=tmp_path, input=diff.stdout, text=True, check=True)
    applied = {name: (tmp_path / name).read_bytes() for name in ('Dockerfile', 'entry.sh')}
    subprocess.run(['git', 'checkout', '-q', '--', '.'], cwd=tmp_path, check=False)
    write(tmp_path / 'Dockerfile', 'FROM python:3.12-slim\nCOPY entry.sh /entry.sh\n'
                                   'CMD /entry.sh python -m http.server 8000\n')
    write(tmp_path / 'entry.sh', '#!/bin/sh\necho hi\n"$@"\n')
    fixed = modcon('fix', '.', cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert 'Fixed 5 findings in 2 files.' in fixed.stderr
    assert {name: (tmp_path / name).read_bytes() for name in applied} == applied
    again = modcon('fix', '--diff', '.', cwd=tmp_path)
    assert again.stdout == '' and '0 fixes in 0 files' in again.stderr


@pytest.mark.parametrize(('pyproject', 'honoured'), (
    ('[tool.modcon]\nignore = ["MC101"]\n', True),
    ('[ tool.modcon ]\nignore = ["MC101"]\n', True),
    ('[tool."modcon"]\nignore = ["MC101"]\n', True),
    ('tool.modcon.ignore = ["MC101"]\n', True),
    ('[tool]\nmodcon = { ignore = ["MC101"] }\n', True),
    ('[project]\nname = "x"\n# see [tool.modcon] in the docs\n', False),
))
def test_pyproject_holds_the_config_however_toml_spells_the_table(
        tmp_path: pathlib.Path, pyproject: str, honoured: bool) -> None:
    """Found by the file's TOML, not by its bytes: a spelling TOML allows was ignored, and
    a comment naming the table hid the config file in the folder above."""
    write(tmp_path / '.modcon.toml', 'ignore = ["MC101"]\n')  # the parent's: also ignores it
    (tmp_path / 'sub').mkdir()
    write(tmp_path / 'sub' / 'Dockerfile', SHELL_FORM)
    write(tmp_path / 'sub' / 'pyproject.toml', pyproject)
    out = modcon('check', cwd=tmp_path / 'sub').stdout
    assert 'MC101' not in out, out  # from the pyproject.toml, or else from the parent
    if honoured:
        write(tmp_path / '.modcon.toml', 'select = ["MC101"]\n')  # the parent: only MC101
        assert 'MC101' not in modcon('check', cwd=tmp_path / 'sub').stdout


def test_sarif_uris_decode_to_the_file_names(tmp_path: pathlib.Path) -> None:
    """Found by probing: `%` was not encoded (`x%FF` and the byte 0xFF collided, `%2F`
    decoded to a slash), a backslash became a slash, spaces and line breaks went raw."""
    from urllib.parse import unquote_to_bytes

    names = ['Dockerfile.x%FF', 'Dockerfile.pct%2F%0A', 'Dockerfile.a\\b', 'Dockerfile.sp ace',
             'Dockerfile.q"<>', 'Dockerfile.nl\nx', 'a:b.Dockerfile', 'Dockerfile.caf\xe9']
    for name in names:
        write(tmp_path / name, SHELL_FORM)
    (tmp_path / b'Dockerfile.x\xff'.decode('utf-8', 'surrogateescape')).write_text(SHELL_FORM)
    result = modcon('check', '--format', 'sarif', '.', cwd=tmp_path)
    log = json.loads(result.stdout)
    jsonschema.validate(log, json.loads(SCHEMA.read_text()))
    uris = {r['locations'][0]['physicalLocation']['artifactLocation']['uri']
            for r in log['runs'][0]['results']}
    decoded = {unquote_to_bytes(uri) for uri in uris}
    assert decoded == {n.encode() for n in names} | {b'Dockerfile.x\xff'}
    assert all(re.fullmatch(r"[A-Za-z0-9._~/%-]+", uri) for uri in uris), uris


def test_fix_diff_plans_what_fix_writes_for_dockerfiles_sharing_a_folder(
        tmp_path: pathlib.Path) -> None:
    """`fix` fixes the files one by one: once the first Dockerfile's fix adds the folder's
    .dockerignore, the others of the folder are covered by it. `--diff` planned one
    ignore file per Dockerfile (`Dockerfile.dev.dockerignore` too), which BuildKit would
    then use instead: applied, the diff built differently from what `fix` writes."""
    for side in ('fixed', 'diffed'):
        folder = tmp_path / side
        for name in ('Dockerfile', 'Dockerfile.dev', 'api.Dockerfile'):
            write(folder / name, 'FROM alpine:3.20\nCOPY . /app\nCMD ["/app/run"]\n')
        subprocess.run(['git', 'init', '-q', str(folder)], check=True)
    assert modcon('fix', '--unsafe-fixes', '.', cwd=tmp_path / 'fixed').returncode == 0
    diff = modcon('fix', '--diff', '--unsafe-fixes', '.', cwd=tmp_path / 'diffed')
    subprocess.run(['git', 'apply', '-'], cwd=tmp_path / 'diffed', input=diff.stdout,
                   text=True, check=True)

    def files(folder: pathlib.Path) -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}

    assert files(tmp_path / 'diffed') == files(tmp_path / 'fixed')
    assert '.dockerignore' in files(tmp_path / 'fixed')
