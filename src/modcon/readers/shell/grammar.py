"""Load the tree-sitter bash grammar once, on first use.

tree-sitter is only imported when a command actually needs a shell parser:
most ``CMD``/``ENTRYPOINT`` lines are proven plain words without it (see
``shell_form.py``), and a Dockerfile check must start fast.
"""
from __future__ import annotations

import functools

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover - typing only
    import tree_sitter


@functools.cache
def bash_parser() -> tree_sitter.Parser:
    from modcon.readers.grammars import parser

    return parser('tree_sitter_bash')
