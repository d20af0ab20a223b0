"""A Dockerfile check imports only what it needs, and loses nothing by it.

Rules that declare the instructions they read (``@rule(reads=...)``) are not
imported for a file without them; these tests hold that the declaration is
true (such a rule finds nothing there when run anyway) and that a cold check
of a Dockerfile keeps the heavy parts away. No timings: which modules load.
"""
from __future__ import annotations

import ast
import os
import pathlib
import subprocess
import sys

import pytest

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.project import LocalProject
from modcon.registry import can_find
from modcon.registry import rules_of_kind
from modcon.source import SourceFile

ROOT = pathlib.Path(__file__).resolve().parents[1]
# Public Dockerfiles read in place when this checkout sits beside them (never copied).
REAL_WORLD = ROOT.parent / 'shared' / 'data' / 'real-world'


def _dockerfiles() -> list[pathlib.Path]:
    found = sorted(ROOT.glob('tests/fixtures/*/*.input.Dockerfile'))
    found += sorted(p for p in (ROOT / 'examples').rglob('*') if p.name == 'Dockerfile')
    if REAL_WORLD.is_dir():
        found += sorted(p for p in REAL_WORLD.rglob('*') if p.is_file() and
                        'dockerfile' in p.name.lower() and 'dockerignore' not in p.name.lower())
    return found


def test_a_rule_left_out_for_its_instructions_would_have_found_nothing() -> None:
    every = rules_of_kind('dockerfile')
    left_out = 0
    for path in _dockerfiles():
        text = path.read_bytes().decode(errors='replace')
        document = DockerfileDocument(SourceFile(path.name, text), LocalProject(str(path.parent)))
        if document.error is not None:
            continue  # only MC001 runs on a file that does not parse
        for rule in every:
            if can_find(rule, document.instruction_names):
                continue
            left_out += 1
            hits = list(rule.check(document))
            assert hits == [], f'{rule.code} left out of {path} but finds {hits}'
    assert left_out > 100  # the rules' declarations are exercised, not vacuous


def test_onbuild_triggers_count_as_instructions() -> None:
    text = 'FROM alpine\nONBUILD STOPSIGNAL SIGKILL\n'
    document = DockerfileDocument(SourceFile('Dockerfile', text))
    codes = {r.code for r in rules_of_kind('dockerfile') if can_find(r, document.instruction_names)}
    assert 'MC141' in codes and 'MC161' not in codes


def _check_probe(tmp_path: pathlib.Path, text: str, before: str, report: str) -> str:
    """Check a Dockerfile of ``text`` in a fresh process, ``before`` run first; the last
    line of its stderr, where it writes ``report``, an expression (``status``: the exit status)."""
    (tmp_path / 'Dockerfile').write_text(text)
    probe = (f'{before}'
             'from modcon.cli import main\n'
             'status = main(["check", "Dockerfile"])\n'
             f'sys.__stderr__.write({report})\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith('MODCON')}
    done = subprocess.run([sys.executable, '-c', probe], cwd=tmp_path, capture_output=True,
                          text=True, env=env, check=False)
    return done.stderr.splitlines()[-1]


def _imported_by_check(tmp_path: pathlib.Path, text: str) -> list[str]:
    # repr, not json: the probe must not load a module the check is tested for.
    modules: list[str] = ast.literal_eval(_check_probe(
        tmp_path, text, 'import sys\n', 'repr(sorted(sys.modules))'))
    return modules


def _rules_in(modules: list[str]) -> set[str]:
    return {m.rsplit('.', 1)[1][:5].upper() for m in modules
            if m.startswith('modcon.fixers.') and m.rsplit('.', 1)[1].startswith('mc')}


@pytest.mark.parametrize('text', [
    pytest.param('FROM python:3.12-slim\nCMD python app.py\n', id='two-lines'),
    pytest.param('FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\n'
                 'RUN pip install --no-cache-dir -r requirements.txt\n'
                 'HEALTHCHECK CMD curl -f http://localhost/ || exit 1\n'
                 'CMD ["gunicorn", "app:app"]\n', id='typical'),
])
def test_a_dockerfile_check_imports_no_heavy_library(tmp_path: pathlib.Path, text: str) -> None:
    modules = _imported_by_check(tmp_path, text)
    heavy = [m for m in modules if m.split('.')[0] in (
        'libcst', 'github', 'requests', 'yaml', 'tree_sitter_javascript', 'dockerfile_parse',
        'dataclasses', 'inspect')]
    assert heavy == []
    assert not [m for m in modules if m.startswith(('modcon.fixers.python', 'modcon.fixers.shell',
                                                    'modcon.fixers.javascript'))]


def test_a_dockerfile_check_imports_only_the_rules_its_instructions_need(
        tmp_path: pathlib.Path) -> None:
    bare = _rules_in(_imported_by_check(tmp_path, 'FROM python:3.12-slim\nCMD python app.py\n'))
    # Each rule that reads only instructions this file lacks stays unimported.
    for code in ('MC102', 'MC120', 'MC121', 'MC141', 'MC144', 'MC161', 'MC162', 'MC163',
                 'MC164', 'MC171', 'MC180', 'MC181', 'MC182', 'MC183', 'MC184', 'MC185'):
        assert code not in bare
    assert {'MC001', 'MC101', 'MC130', 'MC140'} <= bare
    more = _rules_in(_imported_by_check(
        tmp_path, 'FROM python:3.12-slim\nSTOPSIGNAL SIGKILL\nADD https://x.example/a /a\n'
                  'CMD python app.py\n'))
    assert more - bare == {'MC141', 'MC161', 'MC171', 'MC185'}


def test_a_check_without_shell_code_never_imports_typing(tmp_path: pathlib.Path) -> None:
    """modcon's modules import typing names only for type checkers (``TYPE_CHECKING``), and
    their named tuples are ``modcon.named_tuple``'s."""
    modules = _imported_by_check(tmp_path, 'FROM python:3.12-slim\nEXPOSE 8000\n'
                                           'CMD ["python", "app.py"]\n')
    assert 'typing' not in modules
    assert 'tree_sitter._binding' not in modules


def test_the_shell_grammar_loads_without_typing(tmp_path: pathlib.Path) -> None:
    """tree-sitter's ``__init__`` imports ``typing`` for type checkers' sake; the check
    loads its compiled binding alone (``readers/grammars.py``)."""
    modules = _imported_by_check(tmp_path, 'FROM python:3.12-slim\n'
                                           'RUN pip install -r requirements.txt | tee /log\n'
                                           'CMD ["python", "app.py"]\n')
    assert 'tree_sitter._binding' in modules  # the RUN line was parsed by the grammar
    assert 'typing' not in modules
    assert 'tree_sitter' not in modules


def test_docker_word_rules_load_without_dockerfile_parses_parser(tmp_path: pathlib.Path) -> None:
    """An ENV with a variable and a quoted COPY go through dockerfile-parse's word rules;
    its ``util`` module is loaded alone (``readers/dockerfile/word_rules.py``): not its
    parser, which imports ``logging``."""
    modules = _imported_by_check(tmp_path, 'FROM python:3.12-slim\nENV HOME=/srv APP=$HOME/app\n'
                                           'COPY "app.py" $APP/\nCMD ["python", "/srv/app/app.py"]\n')
    assert 'dockerfile_parse.util' in modules  # the ENV was substituted by its rules
    assert 'dockerfile_parse' not in modules
    assert 'logging' not in modules


def test_an_exec_form_check_does_without_the_json_module(tmp_path: pathlib.Path) -> None:
    """Exec-form JSON without escapes is read, and the command's steps are written,
    without ``json`` (about a millisecond of a cold check); the rest still takes it."""
    plain = _imported_by_check(tmp_path, 'FROM node:20-slim\nENTRYPOINT ["tini", "--"]\n'
                                         'CMD ["node", "server.js"]\n')
    assert 'modcon.entrypoints.resolve' in plain  # the command was followed
    assert 'json' not in plain
    escaped = _imported_by_check(tmp_path, 'FROM node:20-slim\nCMD ["node", "a\\u0062.js"]\n')
    assert 'json' in escaped


def test_the_word_rules_are_the_module_dockerfile_parse_itself_uses() -> None:
    """Loaded alone first, then the package: one module, not two copies."""
    code = ('import sys\n'
            'from modcon.readers.dockerfile import word_rules\n'
            'alone = word_rules.util()\n'
            'import dockerfile_parse.parser, dockerfile_parse.util\n'
            'assert alone is sys.modules["dockerfile_parse.util"]\n'
            'assert dockerfile_parse.parser.extract_key_values is alone.extract_key_values\n'
            'p = dockerfile_parse.DockerfileParser(fileobj=__import__("io").BytesIO())\n'
            'p.content = "FROM a\\nENV A=1\\nENV B=$A\\n"\n'
            'assert p.envs == {"A": "1", "B": "1"}, p.envs\n')
    done = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr


def test_a_dockerfile_check_compiles_no_python(tmp_path: pathlib.Path) -> None:
    """No ``compile()`` on the way: a process's first builds the ``ast`` module's
    types, about 4 % of a cold check (``modcon.named_tuple`` runs its templates from
    source for that reason)."""
    text = ('FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\n'
            'RUN pip install --no-cache-dir -r requirements.txt && rm -rf /tmp/* \\\n'
            '    && echo "$(date)" > /built\nHEALTHCHECK CMD curl -f http://localhost/ || exit 1\n'
            'CMD ["gunicorn", "app:app"]\n')
    count_compiles = (
        'import builtins, sys\n'
        'compiled = []\n'
        'real = builtins.compile\n'
        'def compile(*args, **kwargs):\n'
        '    caller = sys._getframe(1).f_globals.get("__name__")\n'
        '    if caller != "importlib._bootstrap":  # a module without its bytecode cache\n'
        '        compiled.append((caller, args[1:]))\n'
        '    return real(*args, **kwargs)\n'
        'builtins.compile = compile\n'
    )
    assert _check_probe(tmp_path, text, count_compiles, 'repr((status, compiled))') == '(1, [])'
