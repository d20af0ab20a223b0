"""The layers of the folder tree hold: no import circles, no import from a lower layer upwards.

Every module under ``src/modcon`` and ``fixers/`` is read with ``ast``; every
import counts, also those inside functions. Imports under ``if TYPE_CHECKING:``
are exempt: they never run. A module may import from its own rank or from lower
ranks only, and no two modules may reach each other through imports.
"""
from __future__ import annotations

import ast
import pathlib
from collections.abc import Iterator

ROOT = pathlib.Path(__file__).resolve().parents[1]

# Module-name prefix -> rank. The longest matching prefix decides.
RANKS: dict[str, int] = {
    # 0, ground: the data model and what every layer shares.
    'modcon.model': 0,
    'modcon.document': 0,  # the rule contract's types, imported for type checkers only
    'modcon.named_tuple': 0,
    'modcon.kinds': 0,
    'modcon.source': 0,
    'modcon.errors': 0,
    'modcon.properties': 0,
    'modcon.edits': 0,
    'modcon.regions': 0,
    'modcon.printable': 0,
    'modcon.diffs': 0,
    'modcon.suppress': 0,
    'modcon.registry': 0,
    'modcon.project': 0,
    'modcon.lazyregex': 0,
    'modcon.layered': 0,
    'modcon.code_cache': 0,  # the console script's cache of compiled modules
    'modcon.machinery': 0,  # the import system's classes, without importlib's package
    'modcon.rule_index': 0,  # generated; registry.load_rules reads it
    # 1, readers: parsing and reading, no rule logic, no tables of programs.
    'modcon.readers': 1,
    # 2, what modcon knows about programs and images, and how it runs containers.
    'modcon.knowledge': 2,
    'modcon.containers': 2,
    # 3, entrypoint following: what a container runs, and the documents rules receive.
    'modcon.entrypoints': 3,
    # 4, the rules and their private helpers.
    'modcon.fixers': 4,
    # 5, the engine (scope, check, the fix loop, ...) and the reporters.
    'modcon.engine': 5,
    'modcon.reporters': 5,
    # 6, the faces: command line, Action, bot, verify.
    'modcon.cli': 6,
    'modcon.rulestable': 6,
    'modcon.action': 6,
    'modcon.github': 6,
    'modcon.verify': 6,
}
EXEMPT = frozenset({'modcon', 'modcon.__main__'})  # the version, and `python -m modcon`

# Edges left out of the circle check while a known circle is being removed (none now).
KNOWN_CIRCLE_EDGES: frozenset[tuple[str, str]] = frozenset()


def _modules() -> dict[str, pathlib.Path]:
    found = {}
    for folder, package in ((ROOT / 'src' / 'modcon', 'modcon'), (ROOT / 'fixers', 'modcon.fixers')):
        for path in sorted(folder.rglob('*.py')):
            parts = [package, *path.relative_to(folder).with_suffix('').parts]
            if parts[-1] == '__init__':
                parts.pop()
            found['.'.join(parts)] = path
    return found


MODULES = _modules()


def _is_type_checking(test: ast.expr) -> bool:
    return ((isinstance(test, ast.Name) and test.id == 'TYPE_CHECKING') or
            (isinstance(test, ast.Attribute) and test.attr == 'TYPE_CHECKING'))


def _import_nodes(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            for other in child.orelse:
                yield from _import_nodes_of(other)
            continue
        yield from _import_nodes_of(child)


def _import_nodes_of(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        yield node
    yield from _import_nodes(node)


def _known(name: str) -> str | None:
    """The module of ours that importing ``name`` runs (None: not ours)."""
    while name and name not in MODULES:
        name = name.rpartition('.')[0]
    return name or None


def _imports(module: str, path: pathlib.Path) -> set[str]:
    package = module if path.name == '__init__.py' else module.rpartition('.')[0]
    targets = set()
    for node in _import_nodes(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            base = node.module or ''
            if node.level:
                anchor = package.split('.')[:len(package.split('.')) - node.level + 1]
                base = '.'.join([*anchor, *([base] if base else [])])
            # `from package import module` imports the module; `from module import name` the module.
            names = [f'{base}.{alias.name}' if f'{base}.{alias.name}' in MODULES else base
                     for alias in node.names]
        for name in names:
            target = _known(name)
            if target is not None and target != module:
                targets.add(target)
    return targets


def _rank(module: str) -> int | None:
    prefixes = [p for p in RANKS if module == p or module.startswith(p + '.')]
    return RANKS[max(prefixes, key=len)] if prefixes else None


def _graph() -> dict[str, set[str]]:
    # A module's own packages are imported before it anyway: importing a name
    # from one (``from modcon.reporters import ReportContext`` in a reporter)
    # adds no dependency, so it makes no circle.
    return {module: {t for t in _imports(module, path)
                     if t not in EXEMPT and not module.startswith(t + '.')}
            for module, path in MODULES.items() if module not in EXEMPT}


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(sorted(component))
    return components


def test_every_module_has_a_layer() -> None:
    unplaced = sorted(m for m in MODULES if m not in EXEMPT and _rank(m) is None)
    assert not unplaced, 'modules outside every layer (move them, or add their layer):\n  ' + \
        '\n  '.join(unplaced)


def test_no_import_goes_up_a_layer() -> None:
    upward = []
    for module, targets in sorted(_graph().items()):
        rank = _rank(module)
        for target in sorted(targets):
            target_rank = _rank(target)
            if rank is not None and target_rank is not None and target_rank > rank:
                upward.append(f'{module} (rank {rank}) imports {target} (rank {target_rank})')
    assert not upward, 'imports from a lower layer to a higher one:\n  ' + '\n  '.join(upward)


def test_no_import_circles() -> None:
    graph = _graph()
    for source, target in KNOWN_CIRCLE_EDGES:
        graph.get(source, set()).discard(target)
    circles = []
    for component in _circles(graph):
        members = set(component)
        edges = [f'{m} -> {t}' for m in component for t in sorted(graph[m] & members)]
        circles.append(' <-> '.join(component) + '\n    ' + '\n    '.join(edges))
    assert not circles, 'import circles:\n  ' + '\n  '.join(circles)


def test_the_check_sees_function_local_imports_and_skips_type_checking(tmp_path: pathlib.Path) -> None:
    # The reader itself: a local import counts, a TYPE_CHECKING one does not.
    code = tmp_path / 'probe.py'
    code.write_text(
        'from typing import TYPE_CHECKING\n'
        'if TYPE_CHECKING:\n'
        '    from modcon.cli import main\n'
        'def f():\n'
        '    from modcon.registry import load_rules\n'
        '    from . import model\n',
    )
    assert _imports('modcon.probe', code) == {'modcon.registry', 'modcon.model'}
    assert _circles({'a': {'b'}, 'b': {'c'}, 'c': {'a'}, 'd': {'a'}}) == [['a', 'b', 'c']]
