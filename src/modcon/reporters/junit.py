"""JUnit XML, as Jenkins, GitLab (``artifacts:reports:junit``) and other CI read it.

One ``<testsuite name="modcon">``: a failing ``<testcase>`` per finding
(``classname`` the file, ``name`` the rule and position, ``<failure>`` with the
message and property link), and a passing ``<testcase name="no findings">``
for each file read that has none, so a clean run still shows what was checked.
Every severity is a failure, as every finding makes ``modcon check`` exit 1;
the level is in the failure's text. No times, host names or timestamps: the
output depends on the findings only.
"""
from __future__ import annotations

from modcon import __version__
from modcon.model import Finding
from modcon.reporters import ReportContext
from modcon.reporters import excerpt
from modcon.reporters.checkstyle import attribute
from modcon.reporters.checkstyle import files_in_order
from modcon.reporters.checkstyle import text

SUITE = 'modcon'
PASSED = 'no findings'


def case_name(f: Finding) -> str:
    return f'{f.rule.code} {f.rule.name} at line {f.begin.line}, column {f.begin.column}'


def details(f: Finding, context: ReportContext) -> str:
    url = f.property.url(context.docs_url)
    lines = [f'{f.path}:{f.begin.line}:{f.begin.column}: {f.severity.label} '
             f'{f.rule.code} {f.rule.name}', f.message]
    source = context.sources.get(f.path)
    if source is not None:
        lines.append(f'  {f.begin.line} | {excerpt(source, f)}')
    if f.fix is not None:
        lines.append(f'Fix ({f.fix.applicability.label}): {f.fix.title}')
    lines.append(f'Property {f.property.label}: {url}')
    return '\n'.join(lines)


def testcase(f: Finding, context: ReportContext) -> str:
    message = f'{f.message} (property {f.property.label}: {f.property.url(context.docs_url)})'
    return (f'    <testcase classname={attribute(f.path)} name={attribute(case_name(f))}>\n'
            f'      <failure message={attribute(message)} type={attribute(f.rule.code)}>'
            f'{text(details(f, context))}</failure>\n'
            f'    </testcase>')


def render(findings: list[Finding], context: ReportContext) -> str:
    cases: list[str] = []
    for path, found in files_in_order(findings, context).items():
        if found:
            cases.extend(testcase(f, context) for f in found)
        else:
            cases.append(f'    <testcase classname={attribute(path)} name={attribute(PASSED)}/>')
    counts = f'tests="{len(cases)}" failures="{len(findings)}" errors="0"'
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<testsuites name={attribute(SUITE)} {counts}>',
        f'  <testsuite name={attribute(SUITE)} {counts} skipped="0">',
        '    <properties>',
        f'      <property name="modcon.version" value={attribute(__version__)}/>',
        f'      <property name="modcon.docs-url" value={attribute(context.docs_url)}/>',
        '    </properties>',
        *cases,
        '  </testsuite>',
        '</testsuites>',
    ]
    return '\n'.join(lines) + '\n'
