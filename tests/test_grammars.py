"""The tree-sitter grammars load without their packages' start-up cost."""
from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest

from modcon.readers.grammars import language


def test_the_parsers_work_without_importing_importlib_resources() -> None:
    probe = (
        'import sys\n'
        'from modcon.readers.shell.grammar import bash_parser\n'
        'from modcon.readers.javascript.grammar import javascript_parser\n'
        'print(bash_parser().parse(b"exec app --serve").root_node)\n'
        'print(javascript_parser().parse(b"process.exit(0)").root_node)\n'
        'print("resources" if "importlib.resources" in sys.modules else "light")\n'
    )
    out = subprocess.run([sys.executable, '-c', probe], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert out[0].startswith('(program (command name: (command_name (word))')
    assert out[1].startswith('(program (expression_statement (call_expression')
    assert out[2] == 'light'


def test_a_package_without_a_compiled_binding_is_imported_as_usual(
        tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / 'fake_grammar'
    package.mkdir()
    (package / '__init__.py').write_text('def language():\n    return "from the package"\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    assert language('fake_grammar') == 'from the package'
