"""Checkstyle XML, as hadolint and ESLint write it and CI plugins read it.

Every file read gets a ``<file>`` element, as Checkstyle itself does, with one
``<error>`` per finding; ``severity`` keeps modcon's level (the format has the
same three), ``source`` is ``modcon.<code>`` and the message ends with the
property link.
"""
from __future__ import annotations

import re

from modcon.model import Finding
from modcon.reporters import ReportContext

# The version of the format that hadolint and ESLint declare; readers ignore it.
FORMAT_VERSION = '4.3'

# Characters XML 1.0 cannot hold: C0 controls other than tab, LF and CR are
# removed; lone surrogates, U+FFFE and U+FFFF become U+FFFD.
_CONTROL = re.compile('[\x00-\x08\x0b\x0c\x0e-\x1f]')
_NOT_CHARACTERS = re.compile('[\ud800-\udfff\ufffe\uffff]')
_ATTRIBUTE = str.maketrans({
    '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;',
    # As character references so that attribute-value normalisation keeps them.
    '\t': '&#9;', '\n': '&#10;', '\r': '&#13;',
})
_TEXT = str.maketrans({'&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;'})


def xml_safe(text: str) -> str:
    """``text`` without the characters an XML 1.0 document cannot contain."""
    return _NOT_CHARACTERS.sub('\ufffd', _CONTROL.sub('', text))


def attribute(text: str) -> str:
    """``text`` as a double-quoted attribute value, quotes included."""
    return '"' + xml_safe(text).translate(_ATTRIBUTE) + '"'


def text(value: str) -> str:
    """``value`` as element content."""
    return xml_safe(value).translate(_TEXT)


def files_in_order(findings: list[Finding], context: ReportContext) -> dict[str, list[Finding]]:
    """Each file read (then any other file with findings) with its findings, in order."""
    files: dict[str, list[Finding]] = {path: [] for path in context.sources}
    for f in findings:
        files.setdefault(f.path, []).append(f)
    return files


def message(f: Finding, docs_url: str) -> str:
    return (f'{f.message} ({f.rule.code} {f.rule.name}; '
            f'property {f.property.label}: {f.property.url(docs_url)})')


def render(findings: list[Finding], context: ReportContext) -> str:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             f'<checkstyle version={attribute(FORMAT_VERSION)}>']
    for path, found in files_in_order(findings, context).items():
        if not found:
            lines.append(f'  <file name={attribute(path)}/>')
            continue
        lines.append(f'  <file name={attribute(path)}>')
        for f in found:
            lines.append(
                f'    <error line="{f.begin.line}" column="{f.begin.column}" '
                f'severity={attribute(f.severity.label)} '
                f'message={attribute(message(f, context.docs_url))} '
                f'source={attribute("modcon." + f.rule.code)}/>')
        lines.append('  </file>')
    lines.append('</checkstyle>')
    return '\n'.join(lines) + '\n'
