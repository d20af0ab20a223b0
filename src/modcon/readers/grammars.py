"""Load a tree-sitter grammar's compiled language, and nothing else of its package.

The grammar packages (tree-sitter-bash, tree-sitter-javascript) import
``importlib.resources`` in their ``__init__`` for syntax-highlighting queries
that modcon never reads; that import pulls in ``pathlib``, ``tempfile`` and the
compression modules, about 8 ms of a Dockerfile check's 60. The compiled
``_binding`` module is loaded straight from the package's folder instead, by
the same machinery ``import`` uses; should that fail (another layout, a zipped
install), the package is imported as usual.
"""
from __future__ import annotations

import importlib.machinery


def language(package: str) -> object:
    """``<package>.language()``: the grammar's language pointer for ``tree_sitter.Language``."""
    name = f'{package}._binding'
    spec = importlib.machinery.PathFinder.find_spec(package)
    folders = (spec.submodule_search_locations or []) if spec is not None else []
    for folder in folders:
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            path = f'{folder}/_binding{suffix}'
            loader = importlib.machinery.ExtensionFileLoader(name, path)
            try:
                module = loader.create_module(importlib.machinery.ModuleSpec(name, loader,
                                                                             origin=path))
            except ImportError:  # no such file with this suffix
                continue
            loader.exec_module(module)
            return module.language()
    return importlib.import_module(package).language()
