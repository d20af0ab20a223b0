"""Settings from ``.modcon.toml``, ``[tool.modcon]`` in ``pyproject.toml``, and flags.

Keys (the same in both files; flags override them):

* ``select`` / ``ignore``: rule codes, code prefixes (``MC1``) or rule names;
* ``exclude``: glob patterns of paths that directory scans skip;
* ``docs-url``: where ``docs/properties.md`` is published (finding links);
* ``fix-safety``: a table from rule code to ``safe``, ``unsafe`` or
  ``display-only``, to trust a rule's fixes more or less than modcon does.
"""
from __future__ import annotations

import os
import stat
from collections.abc import Iterable

from modcon.errors import ConfigError
from modcon.lazyregex import lazy_compile
from modcon.model import Applicability
from modcon.model import Rule
from modcon.named_tuple import NamedTuple
from modcon.properties import DEFAULT_DOCS_URL

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

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
        if not self.exclude:
            return False
        import fnmatch  # only for a walk with `exclude` patterns

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


def known_rules() -> dict[str, str]:
    """Every rule's code and name, from its module's file name (nothing imported)."""
    import modcon.fixers

    rules: dict[str, str] = {}
    for folder in modcon.fixers.__path__:
        for kind in os.listdir(folder):
            if not os.path.isdir(os.path.join(folder, kind)):
                continue
            for entry in os.listdir(os.path.join(folder, kind)):
                match = _RULE_MODULE.fullmatch(entry)
                if match:
                    rules[f'MC{match[1]}'] = match[2].replace('_', '-')
    return rules


_RULE_MODULE = lazy_compile(r'mc([0-9]{3})_([a-z0-9_]+)\.py')
_LOOKALIKES = str.maketrans('LIO', '110')  # MC10l, MC1O1: a letter typed for a digit


def check_rule_patterns(patterns: Iterable[str], where: str) -> None:
    """Refuse a code, prefix or name that selects no rule, naming the closest one.

    A typo in ``select`` would otherwise turn every rule off in silence.
    """
    rules = known_rules()
    for pattern in patterns:
        upper = pattern.upper()
        if upper == 'ALL' or pattern.lower() in rules.values() or (
                upper.startswith('MC') and any(code.startswith(upper) for code in rules)):
            continue
        raise ConfigError(f'{where}: unknown rule `{pattern}`{_closest(pattern, rules)}')


def _closest(pattern: str, rules: dict[str, str]) -> str:
    upper = pattern.upper()
    if upper.startswith('MC') and 'MC' + upper[2:].translate(_LOOKALIKES) in rules:
        return f'; did you mean `MC{upper[2:].translate(_LOOKALIKES)}`?'
    if upper.startswith('MC'):
        candidates, wanted = sorted(rules), upper
    else:
        candidates, wanted = sorted(rules.values()), pattern.lower()
    import difflib  # only for a misspelt rule; imported for every run, it costs a millisecond

    close = difflib.get_close_matches(wanted, candidates, n=1, cutoff=0.6)
    return f'; did you mean `{close[0]}`?' if close else ' (see `modcon rules`)'


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
    check_rule_patterns(raw_safety, f'{where}: `fix-safety`')
    for code, label in raw_safety.items():
        if code.upper() not in known_rules():
            raise ConfigError(f'{where}: `fix-safety` takes whole rule codes (MC101), '
                              f'not `{code}`')
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
    select = _strings(table['select'], 'select', where) if 'select' in table else None
    ignore = _strings(table.get('ignore', []), 'ignore', where)
    check_rule_patterns(select or (), f'{where}: `select`')
    check_rule_patterns(ignore, f'{where}: `ignore`')
    return Config(
        select=select,
        ignore=ignore,
        exclude=_strings(table.get('exclude', []), 'exclude', where),
        docs_url=docs_url.rstrip('#'),
        fix_safety=fix_safety,
        source=where,
    )


MAX_CONFIG_BYTES = 1024 * 1024


def read_bounded(path: str) -> bytes:
    """A config file's bytes: a regular file of at most 1 MiB, never a device or FIFO."""
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise ConfigError(f'{path}: cannot read: {exc.strerror}') from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ConfigError(f'{path}: is not a regular file')
        data = b''
        while len(data) <= MAX_CONFIG_BYTES:
            chunk = os.read(fd, MAX_CONFIG_BYTES + 1 - len(data))
            if not chunk:
                break
            data += chunk
    finally:
        os.close(fd)
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(f'{path}: is larger than 1 MiB; not a config file?')
    return data


def load_file(path: str) -> Config:
    import tomllib

    try:
        data = tomllib.loads(read_bounded(path).decode('utf-8'))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f'{path}: invalid TOML: {" ".join(str(exc).split())}') from None
    except RecursionError:  # `a = [[[[...` thousands deep: tomllib recurses per level
        raise ConfigError(f'{path}: invalid TOML: nested too deeply') from None
    if os.path.basename(path) == 'pyproject.toml':
        tool = data.get('tool', {})
        if not isinstance(tool, dict):
            raise ConfigError(f'{path}: `tool` must be a table')
        data = tool.get('modcon', {})
        if not isinstance(data, dict):
            raise ConfigError(f'{path}: `tool.modcon` must be a table ([tool.modcon]), '
                              f'not {type(data).__name__}')
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
        data = read_bounded(path)
    except ConfigError:
        return True  # let load_file say what is wrong with it
    return has_modcon_table(data)


def has_modcon_table(data: bytes) -> bool:
    """Whether a pyproject.toml's bytes hold a ``tool.modcon`` table, however TOML
    spells it (``[tool.modcon]``, ``[ tool . "modcon" ]``, a dotted key); a file that
    does not parse but names modcon counts, so that ``load_file`` says what is wrong.
    A comment that names the table is not one: such a file does not hide a config
    file further up."""
    if b'modcon' not in data:
        return False  # most pyproject.toml files: no parse needed
    import tomllib

    try:
        tool = tomllib.loads(data.decode('utf-8')).get('tool')
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, RecursionError):
        return True
    return isinstance(tool, dict) and 'modcon' in tool
