"""The rule list in README.md and docs/rules.md, written from the registry.

    python -m modcon.rulestable --write   # rewrite both files' generated part
    python -m modcon.rulestable --check   # exit 1 and name the files that differ

Run it from the repository's top folder. Each file keeps everything outside its
``<!-- rules:start -->`` ... ``<!-- rules:end -->`` markers; in between is the
registry: code, name, property, severity, fix and summary of every rule, and in
docs/rules.md each rule's documentation, as ``modcon rule CODE`` prints it.
``modcon rules --format markdown`` prints the README's part.
"""
from __future__ import annotations

import pathlib
import re
import sys
from collections.abc import Iterable
from collections.abc import Sequence

from modcon.model import Rule
from modcon.properties import DEFAULT_DOCS_URL

START = '<!-- rules:start -->\n'
END = '<!-- rules:end -->'
# The files with a generated part, from the repository's top folder.
README = 'README.md'
RULES_DOC = 'docs/rules.md'
RULES_URL = DEFAULT_DOCS_URL.rsplit('/', 1)[0] + '/rules.md'
_FENCE = re.compile(r'^\s*(```|~~~)')


def rule_anchor(rule: Rule) -> str:
    """The anchor GitHub gives the heading ``## MC101 shell-form-command``."""
    return f'{rule.code.lower()}-{rule.name}'


def _cell(text: str) -> str:
    return text.replace('|', r'\|')


def table(rules: Iterable[Rule], rules_url: str = RULES_URL,
          properties_url: str = DEFAULT_DOCS_URL) -> str:
    """One row per rule; the code links to its documentation, the property to its section."""
    rows = ['| Code | Name | Property | Severity | Fix | What it does |',
            '| --- | --- | --- | --- | --- | --- |']
    for r in rules:
        code = f'[{r.code}]({rules_url}#{rule_anchor(r)})'
        prop = f'[{r.property.label}]({r.property.url(properties_url)})'
        rows.append(f'| {code} | `{r.name}` | {prop} | {r.severity.label} | {r.fixable} '
                    f'| {_cell(r.summary)} |')
    return '\n'.join(rows) + '\n'


def readme_table(rules: Iterable[Rule]) -> str:
    """The README's table, with absolute links: it also stands on PyPI and wherever it is pasted."""
    return table(rules)


def _page_doc(doc: str) -> str:
    """A rule's docstring as part of docs/rules.md: its ``##`` sections become
    ``###`` under the rule's heading, and links to a property (``](#1a-...)``)
    point into properties.md. Code blocks are left as they are."""
    lines = []
    fenced = False
    for line in doc.split('\n'):
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            line = line.replace('](#', '](properties.md#')
            if line.startswith('## '):
                line = '#' + line
        lines.append(line)
    return '\n'.join(lines)


def rules_page(rules: Sequence[Rule]) -> str:
    """docs/rules.md's generated part: the table, then every rule's documentation."""
    parts = [table(rules, rules_url='', properties_url='properties.md')]
    for r in rules:
        facts = [f'- Property: [{r.property.label}](properties.md#{r.property.anchor})',
                 f'- Severity: {r.severity.label}',
                 f'- Fix: {r.fixable}']
        if r.aliases:
            facts.append(f'- Also silenced by: {", ".join(f"`{a}`" for a in r.aliases)}')
        parts.append(f'## {r.code} {r.name}\n\n' + '\n'.join(facts) + '\n\n'
                     + _page_doc(r.doc) + '\n')
    return '\n'.join(parts)


def replace_generated(text: str, generated: str, name: str) -> str:
    """``text`` with the part between the markers replaced by ``generated``."""
    head, start, rest = text.partition(START)
    _old, end, tail = rest.partition(END)
    if not start or not end:
        raise ValueError(f'{name} has no {START.strip()} ... {END} markers')
    return head + start + generated + end + tail


def generated_files(rules: Sequence[Rule]) -> dict[str, str]:
    """What each generated file's part should be."""
    return {README: readme_table(rules), RULES_DOC: rules_page(rules)}


def sorted_rules() -> list[Rule]:
    from modcon.registry import load_rules

    return sorted(load_rules().values(), key=lambda r: r.code)


def stale_files(root: pathlib.Path, write: bool) -> list[str]:
    """The files under ``root`` whose generated part differs from the registry;
    with ``write``, rewrite them."""
    stale = []
    for name, generated in generated_files(sorted_rules()).items():
        path = root / name
        text = path.read_text(encoding='utf-8')
        new = replace_generated(text, generated, name)
        if new != text:
            stale.append(name)
            if write:
                path.write_text(new, encoding='utf-8')
    return stale


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args not in (['--write'], ['--check']):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    root = pathlib.Path.cwd()
    try:
        stale = stale_files(root, write=args == ['--write'])
    except (OSError, ValueError) as exc:
        print(f'modcon.rulestable: error: {exc} (run it in the repository\'s top folder)',
              file=sys.stderr)
        return 2
    for name in stale:
        print(f'{"rewrote" if args == ["--write"] else "out of date"}: {name}')
    return 1 if stale and args == ['--check'] else 0


if __name__ == '__main__':
    raise SystemExit(main())
