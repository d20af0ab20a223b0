"""`--format gitlab`, `checkstyle` and `junit`, each validated against its published schema.

The schemas and GitLab's documented example are in tests/data/formats/ (see
the README there for where each comes from).
"""
from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import xml.etree.ElementTree as ET

import jsonschema
import pytest
import xmlschema

from modcon.reporters.checkstyle import attribute
from modcon.reporters.checkstyle import text

DATA = pathlib.Path(__file__).resolve().parent / 'data' / 'formats'
DOCS = 'https://github.com/modcon/modcon/blob/main/docs/properties.md'
SIGNALS_URL = f'{DOCS}#1a-react-to-signals'

ODD_DIR = 'wéird <&> "q"'
ODD_PATH = f'{ODD_DIR}/Dockerfile'
# The command name carries markup characters, quotes, non-ASCII and a control
# character (U+0001) into the finding's message.
FILES = {
    'Dockerfile': 'FROM alpine:3.20\nCMD app --serve\n',
    'node/Dockerfile': "FROM node:20\nCMD ['node', 'x.js']\n",
    'probe/Dockerfile': 'FROM alpine:3.20\nHEALTHCHECK CMD wget -q http://x/\nCMD ["app"]\n',
    ODD_PATH: 'FROM alpine:3.20\nCMD "./bin/ä<&>\'q\'\x01" --x\n',
    'clean/Dockerfile': 'FROM alpine:3.20\nCMD ["app", "--serve"]\n',
}
# (path, code) -> (line, column, modcon severity)
EXPECTED = {
    ('Dockerfile', 'MC101'): (2, 1, 'warning'),
    ('node/Dockerfile', 'MC103'): (2, 1, 'error'),
    ('probe/Dockerfile', 'MC102'): (2, 1, 'info'),
    (ODD_PATH, 'MC101'): (2, 1, 'warning'),
}
GITLAB_SEVERITY = {'error': 'major', 'warning': 'minor', 'info': 'info'}
# Only the rules these files are written for, so that rules added later
# (a floating image tag, say) do not change the expected findings.
SELECT = ('--select', 'MC101,MC102,MC103')


def modcon(*args: str, cwd: pathlib.Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != 'MODCON_DEBUG'}
    return subprocess.run(
        [sys.executable, '-m', 'modcon', *args], cwd=cwd, capture_output=True,
        encoding='utf-8', env=env, timeout=60,
    )


def make_tree(root: pathlib.Path, files: dict[str, str]) -> pathlib.Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode())
    return root


def report(root: pathlib.Path, fmt: str, *paths: str, code: int = 1) -> str:
    result = modcon('check', *SELECT, '--format', fmt, *paths, cwd=root)
    assert result.returncode == code, result.stdout + result.stderr
    assert result.stderr == ''
    return result.stdout


@pytest.fixture(scope='module')
def tree(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    return make_tree(tmp_path_factory.mktemp('formats'), FILES)


@pytest.fixture(scope='module')
def checkstyle_schema() -> xmlschema.XMLSchema10:
    return xmlschema.XMLSchema10(str(DATA / 'checkstyle-report-1.0.0.xsd'))


@pytest.fixture(scope='module')
def junit_schemas() -> list[xmlschema.XMLSchema10]:
    return [xmlschema.XMLSchema10(str(DATA / name))
            for name in ('junit-10.xsd', 'jenkins-junit.xsd')]


def gitlab_validators() -> tuple[jsonschema.Draft7Validator, jsonschema.Draft7Validator]:
    entry = json.loads((DATA / 'gitlab-codeclimate.json').read_text())
    documented = json.loads((DATA / 'gitlab-code-quality-report.schema.json').read_text())
    return jsonschema.Draft7Validator(entry), jsonschema.Draft7Validator(documented)


# -- GitLab Code Quality ------------------------------------------------------------

def test_documented_gitlab_schema_accepts_the_example_and_rejects_deviations() -> None:
    _, documented = gitlab_validators()
    example = json.loads((DATA / 'gitlab-code-quality-example.json').read_text())
    documented.validate(example)
    bad_severity = [{**example[0], 'severity': 'warning'}]
    no_check_name = [{k: v for k, v in example[0].items() if k != 'check_name'}]
    absolute = [{**example[0], 'location': {'path': '/abs', 'lines': {'begin': 1}}}]
    no_line = [{**example[0], 'location': {'path': 'lib/index.js'}}]
    for bad in (bad_severity, no_check_name, absolute, no_line, example[0]):
        assert not documented.is_valid(bad), bad


def test_gitlab_report_validates_and_maps_each_finding(tree: pathlib.Path) -> None:
    out = report(tree, 'gitlab')
    assert not out.startswith('\ufeff')  # GitLab rejects a byte order mark
    issues = json.loads(out)
    entry, documented = gitlab_validators()
    documented.validate(issues)
    for issue in issues:
        entry.validate(issue)
    got = {(i['location']['path'], i['check_name']):
           (i['location']['lines']['begin'], i['location']['lines']['end'], i['severity'])
           for i in issues}
    assert len(got) == len(issues) == len(EXPECTED)
    assert got == {key: (line, line, GITLAB_SEVERITY[severity])
                   for key, (line, _, severity) in EXPECTED.items()}
    for issue in issues:
        assert issue['description'].endswith(f'(property 1a React to signals: {SIGNALS_URL})')
        assert f'[1a React to signals]({SIGNALS_URL})' in issue['content']['body']
        assert issue['categories'] == ['Bug Risk']
        assert issue['type'] == 'issue'
    odd = next(i for i in issues if i['location']['path'] == ODD_PATH)
    assert "`./bin/ä<&>'q'\x01`" in odd['description']  # JSON holds it, escaped
    assert len({i['fingerprint'] for i in issues}) == len(issues)


def test_gitlab_fingerprints_survive_reruns_and_moved_lines(tmp_path: pathlib.Path) -> None:
    two_stages = 'FROM alpine:3.20 AS one\nCMD app --serve\nFROM alpine:3.20\nCMD app --serve\n'
    make_tree(tmp_path, {'Dockerfile': two_stages, 'other/Dockerfile': two_stages})

    def fingerprints() -> dict[tuple[str, int], str]:
        issues = json.loads(report(tmp_path, 'gitlab'))
        return {(i['location']['path'], i['location']['lines']['begin']): i['fingerprint']
                for i in issues}

    first = fingerprints()
    assert set(first) == {('Dockerfile', 2), ('Dockerfile', 4),
                          ('other/Dockerfile', 2), ('other/Dockerfile', 4)}
    assert len(set(first.values())) == 4  # same text twice in a file, same text in two files
    assert fingerprints() == first
    (tmp_path / 'Dockerfile').write_text('# syntax=docker/dockerfile:1\n\n' + two_stages)
    moved = fingerprints()
    assert moved == {(path, line + (2 if path == 'Dockerfile' else 0)): fp
                     for (path, line), fp in first.items()}
    (tmp_path / 'Dockerfile').write_text(two_stages.replace('--serve', '--listen'))
    changed = fingerprints()
    assert changed[('Dockerfile', 2)] != first[('Dockerfile', 2)]
    assert changed[('other/Dockerfile', 2)] == first[('other/Dockerfile', 2)]


# -- Checkstyle ---------------------------------------------------------------------

def test_checkstyle_report_validates_and_maps_each_finding(
        tree: pathlib.Path, checkstyle_schema: xmlschema.XMLSchema10) -> None:
    out = report(tree, 'checkstyle')
    checkstyle_schema.validate(out)
    root = ET.fromstring(out)
    assert root.tag == 'checkstyle' and root.get('version')
    files = {f.get('name'): f.findall('error') for f in root.findall('file')}
    assert set(files) == set(FILES)  # every file read, the clean one without errors
    assert files['clean/Dockerfile'] == []
    got = {(name, e.get('source')): (int(e.get('line')), int(e.get('column')), e.get('severity'))
           for name, errors in files.items() for e in errors}
    assert sum(len(errors) for errors in files.values()) == len(got)
    assert got == {(path, f'modcon.{code}'): where for (path, code), where in EXPECTED.items()}
    for errors in files.values():
        for e in errors:
            code = e.get('source').removeprefix('modcon.')
            assert e.get('message').endswith(f'; property 1a React to signals: {SIGNALS_URL})')
            assert f'({code} ' in e.get('message')
    odd = files[ODD_PATH][0].get('message')
    assert "`./bin/ä<&>'q'` under" in odd  # markup kept as text, U+0001 removed
    assert '&lt;&amp;&gt;' in out and 'ä<&>' not in out and '\x01' not in out


def test_checkstyle_schema_rejects_what_the_format_forbids(
        tree: pathlib.Path, checkstyle_schema: xmlschema.XMLSchema10) -> None:
    out = report(tree, 'checkstyle')
    assert checkstyle_schema.is_valid(out)
    assert not checkstyle_schema.is_valid(out.replace('severity="info"', 'severity="note"'))
    assert not checkstyle_schema.is_valid(out.replace('column="1"', 'column="0"', 1))


# -- JUnit --------------------------------------------------------------------------

def test_junit_report_validates_and_maps_each_finding(
        tree: pathlib.Path, junit_schemas: list[xmlschema.XMLSchema10]) -> None:
    out = report(tree, 'junit')
    for schema in junit_schemas:
        schema.validate(out)
    root = ET.fromstring(out)
    assert root.tag == 'testsuites'
    (suite,) = root.findall('testsuite')
    cases = suite.findall('testcase')
    failing = [c for c in cases if c.find('failure') is not None]
    passing = [c for c in cases if c.find('failure') is None]
    for element in (root, suite):
        assert (element.get('tests'), element.get('failures'), element.get('errors')) == (
            str(len(FILES)), str(len(EXPECTED)), '0')
    assert [(c.get('classname'), c.get('name')) for c in passing] == [
        ('clean/Dockerfile', 'no findings')]
    got = {}
    for case in failing:
        (failure,) = case.findall('failure')
        code = failure.get('type')
        line, column, severity = EXPECTED[(case.get('classname'), code)]
        assert case.get('name').startswith(f'{code} ')
        assert case.get('name').endswith(f' at line {line}, column {column}')
        assert failure.get('message').endswith(f'(property 1a React to signals: {SIGNALS_URL})')
        where = f'{case.get("classname")}:{line}:{column}'
        assert failure.text.startswith(f'{where}: {severity} {code} ')
        assert failure.text.endswith(f'Property 1a React to signals: {SIGNALS_URL}')
        got[(case.get('classname'), code)] = (line, column, severity)
    assert got == EXPECTED and len(failing) == len(EXPECTED)
    odd = next(c for c in failing if c.get('classname') == ODD_PATH).find('failure')
    assert "`./bin/ä<&>'q'` under" in odd.get('message')
    assert "CMD \"./bin/ä<&>'q'\" --x" in odd.text  # the quoted line, U+0001 removed
    assert '\x01' not in out


def test_junit_schemas_reject_what_the_format_forbids(
        tree: pathlib.Path, junit_schemas: list[xmlschema.XMLSchema10]) -> None:
    out = report(tree, 'junit')
    no_tests = out.replace(f' tests="{len(FILES)}"', '')  # required on <testsuite>
    foreign = out.replace('<failure ', '<mistake ', 1).replace('</failure>', '</mistake>', 1)
    for schema in junit_schemas:
        assert schema.is_valid(out)
        assert not schema.is_valid(no_tests)
        assert not schema.is_valid(foreign)


# -- all three ----------------------------------------------------------------------

def test_clean_run_gives_valid_documents_and_exit_zero(
        tmp_path: pathlib.Path, checkstyle_schema: xmlschema.XMLSchema10,
        junit_schemas: list[xmlschema.XMLSchema10]) -> None:
    make_tree(tmp_path, {'Dockerfile': FILES['clean/Dockerfile']})
    issues = json.loads(report(tmp_path, 'gitlab', code=0))
    assert issues == []
    gitlab_validators()[1].validate(issues)
    checkstyle = report(tmp_path, 'checkstyle', code=0)
    checkstyle_schema.validate(checkstyle)
    assert [(f.get('name'), len(f)) for f in ET.fromstring(checkstyle)] == [('Dockerfile', 0)]
    junit = report(tmp_path, 'junit', code=0)
    for schema in junit_schemas:
        schema.validate(junit)
    root = ET.fromstring(junit)
    assert (root.get('tests'), root.get('failures')) == ('1', '0')
    assert [c.get('classname') for c in root.iter('testcase')] == ['Dockerfile']
    assert not list(root.iter('failure'))


@pytest.mark.parametrize('fmt', ['gitlab', 'checkstyle', 'junit'])
def test_exit_codes_and_output_file(tmp_path: pathlib.Path, fmt: str) -> None:
    make_tree(tmp_path, {'Dockerfile': FILES['Dockerfile']})
    on_stdout = report(tmp_path, fmt)
    result = modcon('check', *SELECT, '--format', fmt, '-o', 'report.out', cwd=tmp_path)
    assert (result.returncode, result.stdout) == (1, '')
    assert (tmp_path / 'report.out').read_text(encoding='utf-8') == on_stdout
    assert modcon('check', *SELECT, '--format', fmt, '--exit-zero', cwd=tmp_path).returncode == 0
    assert modcon('check', *SELECT, '--format', fmt, 'missing', cwd=tmp_path).returncode == 2


def test_xml_escaping_round_trips_and_drops_what_xml_cannot_hold() -> None:
    value = 'a & b < c > d "e" \'f\'\tg\nh\r\ni ü \x00\x01\x1b\x7f \ud800 \uffff end'
    kept = 'a & b < c > d "e" \'f\'\tg\nh\r\ni ü \x7f \ufffd \ufffd end'
    element = ET.fromstring(f'<x v={attribute(value)}>{text(value)}</x>')
    assert element.get('v') == kept  # newlines and tabs survive attribute normalisation
    assert element.text == kept
