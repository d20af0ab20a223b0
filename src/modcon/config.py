"""Settings from ``.modcon.toml``, ``[tool.modcon]`` in ``pyproject.toml``, and flags.

Keys (the same in both files; flags override them):

* ``select`` / ``ignore``: rule codes, code prefixes (``MC1``) or rule names;
* ``exclude``: glob patterns of paths that directory scans skip;
* ``docs-url``: where ``docs/properties.md`` is published (finding links);
* ``fix-safety``: a table from rule code to ``safe``, ``unsafe`` or
  ``display-only``, to trust a rule's fixes more or less than modcon does.
"""
from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable
from typing import Any
from typing import NamedTuple

from modcon.errors import ConfigError
from modcon.model import Applicability
from modcon.model import Rule
from modcon.properties import DEFAULT_DOCS_URL

CONFIG_FILES = ('.modcon.toml', 'pyproject.toml')
_KEYS = frozenset(('select', 'ignore', 'exclude', 'docs-url', 'fix-safety'))


class Config(NamedTuple):
    select: tuple[str, ...] | None = None  # None: every rule
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    docs_url: str = DEFAULT_DOCS_URL
    fix_safety: dict[str, Applicability] = {}
    source: str | None = None  # the file it came from

    def enabled(self, rule: Rule) -> bool:
        if self.select is not None and not _matches(rule, self.select):
            return False
        return not _matches(rule, self.ignore)

    def applicability(self, rule: Rule, default: Applicability) -> Applicability:
        return self.fix_safety.get(rule.code, default)

    def excluded(self, relative_path: str) -> bool:
        parts = relative_path.replace(os.sep, '/').split('/')
        for pattern in self.exclude:
            if fnmatch.fnmatch(relative_path, pattern) or any(
                    fnmatch.fnmatch(part, pattern) for part in parts):
                return True
        return False


def _matches(rule: Rule, patterns: Iterable[str]) -> bool:
    for pattern in patterns:
        upper = pattern.upper()
        if pattern.lower() == rule.name or (upper.startswith('MC') and rule.code.startswith(upper)):
            return True
        if upper == 'ALL':
            return True
    return False


def _strings(value: Any, key: str, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f'{where}: `{key}` must be a list of strings')
    return tuple(value)


def from_mapping(table: dict[str, Any], where: str) -> Config:
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise ConfigError(f'{where}: unknown setting `{unknown[0]}` '
                          f'(known: {", ".join(sorted(_KEYS))})')
    fix_safety: dict[str, Applicability] = {}
    raw_safety = table.get('fix-safety', {})
    if not isinstance(raw_safety, dict):
        raise ConfigError(f'{where}: `fix-safety` must be a table of CODE = "safe"|"unsafe"|"display-only"')
    for code, label in raw_safety.items():
        try:
            fix_safety[code.upper()] = Applicability.from_label(str(label))
        except KeyError:
            raise ConfigError(
                f'{where}: fix-safety for {code} must be "safe", "unsafe" or "display-only", '
                f'not {label!r}',
            ) from None
    docs_url = table.get('docs-url', DEFAULT_DOCS_URL)
    if not isinstance(docs_url, str) or not docs_url:
        raise ConfigError(f'{where}: `docs-url` must be a non-empty string')
    return Config(
        select=_strings(table['select'], 'select', where) if 'select' in table else None,
        ignore=_strings(table.get('ignore', []), 'ignore', where),
        exclude=_strings(table.get('exclude', []), 'exclude', where),
        docs_url=docs_url.rstrip('#'),
        fix_safety=fix_safety,
        source=where,
    )


def load_file(path: str) -> Config:
    import tomllib

    try:
        with open(path, 'rb') as f:
            data = tomllib.load(f)
    except OSError as exc:
        raise ConfigError(f'{path}: cannot read: {exc.strerror}') from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f'{path}: invalid TOML: {exc}') from None
    if os.path.basename(path) == 'pyproject.toml':
        data = data.get('tool', {}).get('modcon', {})
    return from_mapping(data, path)


def discover(start: str) -> Config:
    """The nearest config file from ``start`` upwards, stopping at a git root."""
    directory = os.path.abspath(start)
    while True:
        for name in CONFIG_FILES:
            candidate = os.path.join(directory, name)
            if os.path.isfile(candidate):
                if name == 'pyproject.toml' and not _has_modcon_table(candidate):
                    continue
                return load_file(candidate)
        parent = os.path.dirname(directory)
        if parent == directory or os.path.exists(os.path.join(directory, '.git')):
            return Config()
        directory = parent


def _has_modcon_table(path: str) -> bool:
    try:
        with open(path, 'rb') as f:
            return b'[tool.modcon' in f.read()
    except OSError:
        return False
