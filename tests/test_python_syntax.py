"""The dotted names the Python readers see, with ``ast`` and with libcst alike.

``readers/python/syntax.py`` (ast, for the rules a Dockerfile check runs) and
``readers/python/cst_syntax.py`` (libcst, for the fixers that edit Python) are
held to one table: the same code gives the same name in both trees.
"""
from __future__ import annotations

import ast
import subprocess
import sys

import libcst as cst
import pytest

from modcon.readers.python import cst_syntax
from modcon.readers.python import syntax

DOTTED = [
    ('main', 'main'),
    ('app.run', 'app.run'),
    ('os.path.join', 'os.path.join'),
    ('(app).run', 'app.run'),  # parentheses are not part of the name
    ('make().run', ''),  # a call is not a name: what it returns is unknown
    ('make().app.run', ''),
    ('apps[0].run', ''),
    ('"text".join', ''),
    ('handlers()', ''),
    ('1', ''),
]


@pytest.mark.parametrize(('code', 'expected'), DOTTED)
def test_dotted_name_of_the_ast_tree(code: str, expected: str) -> None:
    node = ast.parse(code, mode='eval').body
    assert syntax.dotted_name(node) == expected


@pytest.mark.parametrize(('code', 'expected'), DOTTED)
def test_dotted_name_of_the_libcst_tree(code: str, expected: str) -> None:
    assert cst_syntax.dotted_name(cst.parse_expression(code)) == expected


@pytest.mark.parametrize(('code', 'expected'), [
    ('main', 'main'),
    ('app.run', 'run'),
    ('signal.Handlers.SIG_IGN', 'SIG_IGN'),
    ('make().run', 'run'),  # the attribute is known even when its owner is not
    ('apps[0].SIG_DFL', 'SIG_DFL'),
    ('apps[0]', ''),
    ('handlers()', ''),
    ('lambda: 0', ''),
])
def test_last_name_of_the_libcst_tree(code: str, expected: str) -> None:
    assert cst_syntax.last_name(cst.parse_expression(code)) == expected


def test_the_ast_reader_loads_no_libcst() -> None:
    code = ('import sys\nimport modcon.readers.python.syntax\n'
            'print(sorted(m for m in sys.modules if m.startswith("libcst")))\n')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == '[]'
