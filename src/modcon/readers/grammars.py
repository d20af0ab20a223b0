"""Load tree-sitter and its grammars' compiled languages, and nothing else of their packages.

The grammar packages (tree-sitter-bash, tree-sitter-javascript) import
``importlib.resources`` in their ``__init__`` for syntax-highlighting queries
that modcon never reads; that import pulls in ``pathlib``, ``tempfile`` and the
compression modules, about 8 ms of a Dockerfile check's 60. tree-sitter's own
``__init__`` imports ``typing`` (and ``contextlib`` with it) for one protocol
class that only type checkers read, about 4 ms more. Each package's compiled
``_binding`` module is loaded straight from its folder instead
(``readers.alone``); should that fail (another layout, a zipped install), the
package is imported as usual.
"""
from __future__ import annotations

import sys

from modcon.machinery import import_module
from modcon.readers.alone import submodule

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover - typing only
    from types import ModuleType

    import tree_sitter


def parser(package: str) -> tree_sitter.Parser:
    """A tree-sitter parser of the grammar in ``package`` (``tree_sitter_bash``...)."""
    binding = load_tree_sitter()
    made: tree_sitter.Parser = binding.Parser(binding.Language(language(package)))
    return made


def load_tree_sitter() -> ModuleType:
    """tree-sitter's classes (``Parser``, ``Language``, ``Node``...), the same ones
    ``import tree_sitter`` gives: its binding is registered under its own name, so
    a later import of the package takes it from ``sys.modules``."""
    loaded = sys.modules.get('tree_sitter')
    if loaded is not None:
        return loaded
    binding = submodule('tree_sitter', '_binding')
    return binding if binding is not None else import_module('tree_sitter')


def language(package: str) -> object:
    """``<package>.language()``: the grammar's language pointer for ``tree_sitter.Language``."""
    binding = submodule(package, '_binding')
    if binding is None:
        return import_module(package).language()
    return binding.language()

