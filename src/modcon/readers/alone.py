"""One module of a package, loaded without the package's ``__init__``.

Some packages modcon reads with import far more in their ``__init__`` than the
one module modcon uses: the grammar packages (tree-sitter-bash,
tree-sitter-javascript) import ``importlib.resources`` for highlighting queries
modcon never reads, about 8 ms of a Dockerfile check's 60; tree-sitter's own
imports ``typing`` for one protocol class, about 4 ms; dockerfile-parse's
imports its parser and with it ``logging``, about 4.5 ms, for word rules that
live in its ``util`` module, which imports only ``io``.

``submodule`` loads ``package.name`` from the package's folder by the machinery
``import`` uses (a compiled extension, or Python source through its cached
bytecode) and registers it under its own name, so a later import of the package
shares it. Should it not be found (a zipped install, another layout), it
returns None and the caller imports the package as usual.
"""
from __future__ import annotations

import sys

from modcon import machinery

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover - typing only
    from types import ModuleType

_LOADERS = ((machinery.ExtensionFileLoader, machinery.EXTENSION_SUFFIXES),
            (machinery.SourceFileLoader, machinery.SOURCE_SUFFIXES))


def submodule(package: str, name: str) -> ModuleType | None:
    """``<package>.<name>`` without ``<package>/__init__.py``; None if not found."""
    full = f'{package}.{name}'
    loaded = sys.modules.get(full)
    if loaded is not None:
        return loaded
    spec = machinery.PathFinder.find_spec(package)
    folders = (spec.submodule_search_locations or []) if spec is not None else []
    for folder in folders:
        for loader_class, suffixes in _LOADERS:
            for suffix in suffixes:
                module = _load(full, package, loader_class(full, f'{folder}/{name}{suffix}'))
                if module is not None:
                    return module
    return None


def _load(full: str, package: str,
          loader: machinery.ExtensionFileLoader | machinery.SourceFileLoader,
          ) -> ModuleType | None:
    path = loader.path
    module_spec = machinery.ModuleSpec(full, loader, origin=path)
    module_spec.has_location = True
    try:
        module = loader.create_module(module_spec) or type(sys)(full)
    except ImportError:  # no such extension file
        return None
    module.__spec__ = module_spec
    module.__loader__ = loader
    module.__file__ = path
    module.__package__ = package
    sys.modules[full] = module
    try:
        loader.exec_module(module)
    except (ImportError, OSError):  # no such source file
        del sys.modules[full]
        return None
    return module
