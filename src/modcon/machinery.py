"""The import system's classes, without importing the ``importlib`` package.

``importlib.machinery`` re-exports them from the frozen modules every CPython
starts with; importing it runs ``importlib/__init__.py``, which imports
``warnings``: about half a millisecond of a cold check of one Dockerfile,
which needs only these names (the code cache, and the modules loaded without
their package's ``__init__``). Other interpreters get them from ``importlib``.
"""
from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover - typing only
    from types import ModuleType

try:
    from _frozen_importlib import ModuleSpec
    from _frozen_importlib_external import EXTENSION_SUFFIXES
    from _frozen_importlib_external import MAGIC_NUMBER
    from _frozen_importlib_external import SOURCE_SUFFIXES
    from _frozen_importlib_external import ExtensionFileLoader
    from _frozen_importlib_external import PathFinder
    from _frozen_importlib_external import SourceFileLoader
except ImportError:  # pragma: no cover - an interpreter without CPython's frozen modules
    from importlib.machinery import EXTENSION_SUFFIXES
    from importlib.machinery import SOURCE_SUFFIXES
    from importlib.machinery import ExtensionFileLoader
    from importlib.machinery import ModuleSpec
    from importlib.machinery import PathFinder
    from importlib.machinery import SourceFileLoader
    from importlib.util import MAGIC_NUMBER

__all__ = ['EXTENSION_SUFFIXES', 'MAGIC_NUMBER', 'SOURCE_SUFFIXES', 'ExtensionFileLoader', 'ModuleSpec',
           'PathFinder', 'SourceFileLoader', 'import_module']


def import_module(name: str) -> ModuleType:
    """``importlib.import_module(name)`` for an absolute ``name``."""
    __import__(name)
    return sys.modules[name]
