"""Docker's word splitting and variable substitution, from dockerfile-parse.

dockerfile-parse keeps them (``WordSplitter``, ``extract_key_values``) in its
``util`` module, which imports nothing but ``io``. Its package's ``__init__``
imports the whole parser, and with it ``logging`` (``threading``,
``traceback``, ``tokenize``...): about 4 ms of a 30 ms cold check, for a
class modcon never uses. The module is loaded from its own file instead, by
the machinery ``import`` uses, and registered under its own name: a later
``import dockerfile_parse`` takes it from ``sys.modules``. Should that fail (a
zipped install, another layout), it is imported as usual.
"""
from __future__ import annotations

import importlib
import importlib.machinery
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover - typing only
    from types import ModuleType

_NAME = 'dockerfile_parse.util'


def util() -> ModuleType:
    """``dockerfile_parse.util``, without ``dockerfile_parse/__init__.py``."""
    loaded = sys.modules.get(_NAME)
    if loaded is not None:
        return loaded
    spec = importlib.machinery.PathFinder.find_spec('dockerfile_parse')
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        path = f'{folder}/util.py'
        loader = importlib.machinery.SourceFileLoader(_NAME, path)
        module_spec = importlib.machinery.ModuleSpec(_NAME, loader, origin=path)
        module_spec.has_location = True
        module = type(sys)(_NAME)
        module.__spec__ = module_spec
        module.__loader__ = loader
        module.__file__ = path
        module.__package__ = 'dockerfile_parse'
        sys.modules[_NAME] = module
        try:
            loader.exec_module(module)
        except (ImportError, OSError, SyntaxError):  # no such file here
            del sys.modules[_NAME]
            continue
        return module
    return importlib.import_module(_NAME)
