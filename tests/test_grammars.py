"""The tree-sitter grammars load without their packages' start-up cost."""
from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest

from modcon.readers.grammars import language


def test_the_parsers_work_without_their_packages_start_up() -> None:
    probe = (
        'import sys\n'
        'from modcon.readers.shell.grammar import bash_parser\n'
        'from modcon.readers.javascript.grammar import javascript_parser\n'
        'print(bash_parser().parse(b"exec app --serve").root_node)\n'
        'print(javascript_parser().parse(b"process.exit(0)").root_node)\n'
        'print("resources" if "importlib.resources" in sys.modules else "light")\n'
        'print(sorted({"typing", "tree_sitter"} & set(sys.modules)))\n'
        'import tree_sitter\n'
        'print(type(bash_parser()) is tree_sitter.Parser,\n'
        '      isinstance(javascript_parser().parse(b"f()").root_node, tree_sitter.Node))\n'
    )
    out = subprocess.run([sys.executable, '-c', probe], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert out[0].startswith('(program (command name: (command_name (word))')
    assert out[1].startswith('(program (expression_statement (call_expression')
    assert out[2] == 'light'
    assert out[3] == '[]'  # neither tree-sitter's __init__ nor the typing it imports
    assert out[4] == 'True True'  # importing the package later gives the same classes


def test_a_package_without_a_compiled_binding_is_imported_as_usual(
        tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / 'fake_grammar'
    package.mkdir()
    (package / '__init__.py').write_text('def language():\n    return "from the package"\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    assert language('fake_grammar') == 'from the package'


def test_tree_sitter_without_a_compiled_binding_is_imported_as_usual(
        tmp_path: pathlib.Path) -> None:
    package = tmp_path / 'tree_sitter'
    package.mkdir()
    (package / '__init__.py').write_text('Parser = "the package\'s Parser"\n')
    probe = ('from modcon.readers.grammars import load_tree_sitter\n'
             'print(load_tree_sitter().Parser)\n')
    out = subprocess.run([sys.executable, '-c', probe], capture_output=True, text=True,
                         check=True, env={**os.environ, 'PYTHONPATH': str(tmp_path)}).stdout
    assert out == "the package's Parser\n"
