"""The dashboard issue (opt-in): what the bot's pull request cannot fix, for a person.

One issue, found again by the hidden marker its body starts with, so it is
never duplicated: opened when findings need a person, updated in place when
they change (and left alone when they do not), closed when none is left and
reopened when some come back. Each finding links to its property and says
why modcon does not fix it by itself, with what a person can do about it.
"""
from __future__ import annotations

from collections.abc import Sequence

from modcon.github import markdown as md
from modcon.github.gateway import RepoGateway
from modcon.github.prbody import opt_out
from modcon.github.prbody import section
from modcon.model import Applicability
from modcon.model import Finding

MARKER = '<!-- modcon:dashboard -->'
TITLE = 'modcon dashboard: what needs a person'
LIMIT = 200


def why_not_automatic(finding: Finding) -> str:
    """Why the pull request leaves ``finding`` to a person, and what the person can do."""
    fix = finding.fix
    if fix is not None and fix.applicability is Applicability.UNSAFE:
        return (f'its fix ({md.message(fix.title)}) is unsafe: it may change more than the '
                f'defect, so apply it by hand after a look, or set the input '
                f'{md.code("unsafe_fixes: true")} to have the pull request carry it')
    if fix is not None:
        return f'modcon only suggests a change ({md.message(fix.title)}): make it by hand'
    safety = section(finding.rule.doc, 'Fix safety').split('. ')[0].rstrip('.')
    return (f'modcon has no automatic fix for this case ({md.message(safety)}); change it by '
            f'hand, or opt out: {opt_out(finding.rule)}')


def render(findings: Sequence[Finding], *, base: str, docs_url: str) -> str:
    lines = [MARKER,
             f'modcon found these on {md.code(base)}; its pull request cannot fix them, so '
             f'each needs a person. Every run updates this issue, and closes it when nothing '
             f'is left.', '']
    by_property: dict[str, list[Finding]] = {}
    for finding in findings[:LIMIT]:
        by_property.setdefault(finding.property.label, []).append(finding)
    for label in sorted(by_property):
        group = by_property[label]
        prop = group[0].property
        lines += [f'### {md.link(prop.label, prop.url(docs_url))}', '']
        for f in group:
            lines.append(f'- [ ] {md.code(f.path)} line {f.begin.line}: {f.rule.code} '
                         f'{md.message(f.message)}. Why it needs a person: '
                         f'{why_not_automatic(f)}.')
        lines.append('')
    if len(findings) > LIMIT:
        lines.append(f'... and {len(findings) - LIMIT} more (see the workflow run).')
    return md.fit('\n'.join(lines).rstrip() + '\n', md.MAX_BODY - 1000)


DONE = (f'{MARKER}\nNothing needs a person now: every finding modcon reports is fixed or '
        f'fixed by its pull request. This issue reopens when that changes.\n')


def update_dashboard(repo: RepoGateway, findings: Sequence[Finding], *, base: str,
                     docs_url: str) -> str:
    """Bring the dashboard issue up to date; returns what happened to it."""
    found = repo.find_issue(MARKER)
    if not findings:
        if found is None or found[1] == 'closed':
            return 'nothing needs a person'
        repo.edit_issue(found[0], body=DONE, state='closed')
        return f'#{found[0]} closed, nothing needs a person'
    body = render(findings, base=base, docs_url=docs_url)
    if found is None:
        number = repo.create_issue(title=TITLE, body=body, marker=MARKER)
        return f'#{number} opened, {len(findings)} findings need a person'
    number, state, old = found
    if state == 'closed':
        repo.edit_issue(number, body=body, state='open')
        return f'#{number} reopened, {len(findings)} findings need a person'
    if old != body:
        repo.edit_issue(number, body=body)
        return f'#{number} updated, {len(findings)} findings need a person'
    return f'#{number} unchanged, {len(findings)} findings need a person'
