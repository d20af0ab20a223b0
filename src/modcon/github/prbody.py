"""The bot's pull-request body: what changed, why, how safe, and how to opt out.

A reviewer should be able to decide from the body alone: a table of every
change with the property it serves, then one section per rule (what was
wrong, why it matters, the change itself, its safety, how to opt out), what
still needs a person, and the comment commands. A hidden marker carries the
state the next run needs (a hash of the body, so an unchanged body is never
rewritten; the bot's commit identity).
"""
from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Sequence

from modcon.diffs import changed_lines
from modcon.engine.fixloop import FixPlan
from modcon.engine.fixloop import RuleChange
from modcon.github import command_table
from modcon.github import markdown as md
from modcon.model import Finding
from modcon.model import Kind
from modcon.model import Rule
from modcon.named_tuple import NamedTuple
from modcon.source import lossy

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

MARKER = '<!-- modcon:pull-request -->'
_STATE = re.compile(r'<!-- modcon:state (\{.*?\}) -->', re.DOTALL)
MAX_DIFF_LINES = 14
LONG_BODY = 6000  # longer than this, the per-rule sections fold into <details>
TABLE_ROWS = 100  # the table's rows when the whole table does not fit in a body


class BodyState(NamedTuple):
    hash: str
    data: dict[str, Any]


def read_state(body: str | None) -> BodyState | None:
    """The state a previous run left in a body, if any."""
    if not body:
        return None
    # The state is the body's last line, written after everything else: a marker
    # anywhere above it came from text the body quotes (a file's name, say).
    match = next(reversed(list(_STATE.finditer(body))), None)
    if match is None or body[match.end():].strip():
        return None
    try:
        data = json.loads(match[1])
    except ValueError:
        return None
    return BodyState(str(data.get('hash', '')), data)


def section(doc: str, heading: str) -> str:
    """The first paragraph of a ``## heading`` section of a rule's documentation."""
    marker = f'## {heading}'
    if marker not in doc:
        return ''
    rest = doc.split(marker, 1)[1].split('\n## ', 1)[0].strip()
    return ' '.join(rest.split('\n\n', 1)[0].split())


def _snippet(before: str, after: str) -> str:
    lines = changed_lines(before, after)
    if len(lines) > MAX_DIFF_LINES:
        more = len(lines) - MAX_DIFF_LINES
        lines = lines[:MAX_DIFF_LINES] + [f'  ... {more} more lines']
    return '\n'.join(line.rstrip('\r') for line in lines)


def _where(finding: Finding) -> str:
    return f'{md.code(finding.path)} line {finding.begin.line}'


def finding_line(finding: Finding, docs_url: str) -> str:
    """A finding as a list item: where, the rule, the message, the property it serves."""
    return (f'- {_where(finding)}: {finding.rule.code} {md.message(finding.message)} '
            f'({md.link(finding.property.label, finding.property.url(docs_url))})')


def _summary_table(plan: FixPlan, docs_url: str, max_rows: int | None = None) -> list[str]:
    rows = ['| File | Rule | Property | What changed |', '| --- | --- | --- | --- |']
    fixed = [(change, finding) for change in plan.changes for finding in change.fixed]
    for change, finding in fixed[:max_rows]:
        fix = finding.fix.title if finding.fix else ''
        rows.append(
            f'| {_where(finding)} | {change.rule.code} {md.code(change.rule.name)} | '
            f'{md.link(finding.property.label, finding.property.url(docs_url))} | '
            f'{md.message(fix)} |',
        )
    if max_rows is not None and len(fixed) > max_rows:
        rows += ['', f'... and {len(fixed) - max_rows} more changes (see the commits); each '
                     f'rule\'s section below says what it changes and why.']
    return rows


def opt_out(rule: Rule) -> str:
    """How to silence ``rule``: both ways work (tests/test_bot.py proves them)."""
    marker = '//' if rule.kind == Kind.JAVASCRIPT else '#'
    where = 'on the line above the instruction' if rule.kind == Kind.DOCKERFILE else \
        'at the end of the line or on the line above'
    ignore = f'ignore = ["{rule.code}"]'
    return (f'Put {md.code(f"{marker} modcon: ignore={rule.code}")} {where}, or add '
            f'{md.code(ignore)} to {md.code(".modcon.toml")}; modcon then leaves it alone.')


def _rule_section(change: RuleChange, docs_url: str, detail: bool) -> list[str]:
    rule: Rule = change.rule
    prop = rule.property
    out = ['**What was wrong here.**', '']
    for finding in change.fixed[:20]:
        out.append(f'- {_where(finding)}: {md.message(finding.message)}')
    if len(change.fixed) > 20:
        out.append(f'- ... and {len(change.fixed) - 20} more')
    out.append('')
    out.append(f'**Why it matters.** Property '
               f'{md.link(prop.label, prop.url(docs_url))}: {section(rule.doc, "Why is this bad?")}')
    out.append('')
    if detail:
        out.append('**The change.**')
        out.append('')
        for path in sorted(change.files):
            out.append(f'{md.code(path)}:')
            out.append('')
            out.append(md.block(_snippet(change.before[path], change.files[path]), 'diff'))
    else:
        paths = sorted(change.files)
        files = ', '.join(md.code(p) for p in paths[:20])
        if len(paths) > 20:
            files += f' and {len(paths) - 20} more files'
        out.append(f'**The change.** In {files}; see the commit.')
        out.append('')
    out.append(f'**Fix safety.** {section(rule.doc, "Fix safety")}')
    out.append('')
    out.append(f'**Opt out.** {opt_out(rule)}')
    out.append('')
    return out


def _folded(change: RuleChange, lines: list[str]) -> list[str]:
    """A rule's section as a ``<details>`` block: its summary is HTML, where
    Markdown does not render, so it is written as HTML."""
    rule = change.rule
    count = len(change.fixed)
    summary = (f'<code>{html.escape(rule.code)}</code> {html.escape(rule.name)}: '
               f'{count} fix{"es" if count != 1 else ""} '
               f'({html.escape(rule.property.label)})')
    return ['<details>', f'<summary>{summary}</summary>', '', *lines, '</details>', '']


def _remaining(findings: Sequence[Finding], docs_url: str) -> list[str]:
    if not findings:
        return []
    out = ['### Needs a person', '',
           'modcon found these too, but has no safe fix for them:', '']
    out.extend(finding_line(finding, docs_url) for finding in findings[:50])
    if len(findings) > 50:
        out.append(f'- ... and {len(findings) - 50} more (see the workflow run).')
    out.append('')
    return out


COMMANDS = f'''<details>
<summary>modcon commands</summary>

Comment on this pull request (people with write access):

{command_table.markdown_list()}

</details>'''


def explain(plan: FixPlan, docs_url: str, detail: bool, fold: bool = False,
            max_rows: int | None = None) -> list[str]:
    """The table of changes, one section per rule, and what needs a person.

    With ``fold``, each rule's section is a ``<details>`` block under the
    table, so a long body still reads from its table. ``max_rows`` cuts the
    table, so that every rule's section still fits in a body.
    """
    lines = [*_summary_table(plan, docs_url, max_rows), '']
    seen: set[str] = set()
    for change in plan.changes:
        if change.rule.code in seen:
            continue
        seen.add(change.rule.code)
        merged = _merge_same_rule(plan.changes, change.rule.code)
        section_lines = _rule_section(merged, docs_url, detail)
        if fold:
            lines.extend(_folded(merged, section_lines))
        else:
            lines.extend([f'### {merged.rule.code} {md.code(merged.rule.name)}', '',
                          *section_lines])
    lines.extend(_remaining(plan.remaining, docs_url))
    return lines


class Verified(NamedTuple):
    """`modcon verify` on one Dockerfile, before and after the fixes."""

    dockerfile: str
    command: str
    before: str
    after: str


def _verification(rows: Sequence[Verified]) -> str:
    if not rows:
        return ''
    lines = ['### Stopped like `docker stop`', '',
             '`modcon verify` ran each container\'s command as PID 1 and sent SIGTERM, '
             'before and after these changes:', '',
             '| Dockerfile | Command | Before | After |', '| --- | --- | --- | --- |']
    for row in rows:
        lines.append(f'| {md.code(row.dockerfile)} | {md.code(row.command)} | '
                     f'{md.text(row.before)} | {md.text(row.after)} |')
    return '\n'.join(lines) + '\n\n'


def render(plan: FixPlan, *, base: str, docs_url: str, state: dict[str, Any],
           run_url: str | None = None,
           verified: Sequence[Verified] = ()) -> tuple[str, str]:
    """The title and body of the bot's pull request for ``plan``.

    The verification results and the link to the run are left out of the body's
    hash: their timings and the run differ from run to run, and must not make every
    run rewrite the body. The link names the run that last wrote the body.
    """
    fixed = plan.fixed
    rules = ', '.join(c.rule.code for c in plan.changes)
    title = (f'modcon: {len(fixed)} fix{"es" if len(fixed) != 1 else ""} '
             f'for the module-container properties ({rules})')
    for detail, fold, rows in ((True, False, None), (True, True, None), (False, True, None),
                               (False, True, TABLE_ROWS)):
        lines = [
            MARKER,
            f'modcon found places where the containers built from {md.code(base)} are not '
            f'good building blocks, and fixed them. Each commit holds one rule\'s changes. '
            f'Every change links to the property it serves.',
            '',
            *explain(plan, docs_url, detail, fold, rows),
        ]
        if run_url:
            lines.extend([f'This pull request is updated by the modcon workflow '
                          f'([the run that last wrote it]({run_url})) and closed when '
                          f'nothing is left to fix.', ''])
        lines.append(COMMANDS)
        body = '\n'.join(lines) + '\n'
        if len(body) < (LONG_BODY if not fold else md.MAX_BODY - 2000):
            break
    # Shown text: a byte of a file that is not UTF-8 shows as U+FFFD (source.lossy).
    body = lossy(md.fit(body, md.MAX_BODY - 4000, 'The list was cut short to fit; see the commits.'))
    hashed = body.replace(f']({run_url})', '](run)') if run_url else body
    digest = hashlib.sha256(f'{title}\n{hashed}'.encode()).hexdigest()[:16]
    payload = json.dumps({**state, 'hash': digest}, sort_keys=True, separators=(',', ':'))
    extra = md.fit(_verification(verified), 1900)
    return title, f'{body}{extra}\n<!-- modcon:state {payload} -->\n'


def _merge_same_rule(changes: Sequence[RuleChange], code: str) -> RuleChange:
    """One rule's changes over every round, as a single before/after per file."""
    parts = FixPlan([c for c in changes if c.rule.code == code], [])
    return RuleChange(parts.changes[0].rule, parts.final, parts.original, parts.fixed)


def body_hash(body: str) -> str | None:
    state = read_state(body)
    return state.hash if state else None
