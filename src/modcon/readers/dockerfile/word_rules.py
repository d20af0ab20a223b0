"""Docker's word splitting and variable substitution, from dockerfile-parse.

dockerfile-parse keeps them (``WordSplitter``, ``extract_key_values``) in its
``util`` module, which imports nothing but ``io``; its package's ``__init__``
imports the whole parser and with it ``logging``. ``util`` is loaded alone
(``readers.alone``).
"""
from __future__ import annotations

from modcon.machinery import import_module
from modcon.readers.alone import submodule

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover - typing only
    from types import ModuleType


def util() -> ModuleType:
    """``dockerfile_parse.util``, without ``dockerfile_parse/__init__.py``."""
    return submodule('dockerfile_parse', 'util') or import_module('dockerfile_parse.util')
