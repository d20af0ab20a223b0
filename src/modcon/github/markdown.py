"""Markdown that carries untrusted text (paths, commands, names) safely.

Everything the bot writes to GitHub may contain text from the repository or
from a pull request: file names, Dockerfile commands, branch names. Rendered
as Markdown, such text must not format, link, ping people (`@name`), point
at issues (`#12`), open HTML, or break a table. These helpers escape it.
"""
from __future__ import annotations

import re

from modcon.model import spans_of

ZWSP = '\u200b'  # a zero-width space breaks @mentions and #references, invisibly
MAX_BODY = 65536  # GitHub's limit for issue, pull request and comment bodies

# Inline text needs only these escaped: emphasis, code, links, tables, strike,
# HTML. (Dots, dashes and parentheses matter only at the start of a line.)
_SPECIAL = re.compile(r'([\\`*_\[\]|~<>&])')
_MENTION = re.compile(r'@(?=[A-Za-z0-9])')
_REFERENCE = re.compile(r'#(?=\d)')


def neutralize(text: str) -> str:
    """Break @mentions and #123 references without changing what reads."""
    return _REFERENCE.sub('#' + ZWSP, _MENTION.sub('@' + ZWSP, text))


def plain(value: str) -> str:
    """Untrusted text for a commit message: one line (a name with a line break cannot
    start a trailer such as ``Co-authored-by:``), with @mentions and #references
    broken, since GitHub links them in commit messages too and a closing keyword
    (``fixes #1``) there closes the issue once the commit reaches the default branch.
    Not escaped otherwise: commit messages are not rendered as Markdown."""
    return neutralize(' '.join(value.split()))


def _escape(one_line: str) -> str:
    escaped = _SPECIAL.sub(lambda m: '&amp;' if m[1] == '&' else '&lt;' if m[1] == '<'
                           else '&gt;' if m[1] == '>' else '\\' + m[1], one_line)
    return neutralize(escaped)


def text(value: str) -> str:
    """Plain text: no formatting, no HTML, no mentions, safe inside table cells."""
    return _escape(' '.join(value.split()))


def message(value: str) -> str:
    """A finding's message or a fix's title: its code spans as code, the rest as
    plain text (``model.Message`` carries the spans; a plain string is read for
    modcon's backtick markup). Safe inside table cells."""
    out = [code(piece) if is_code else _escape(re.sub(r'\s+', ' ', piece))
           for piece, is_code in spans_of(value)]
    return ''.join(out).strip()


def code(value: str) -> str:
    """An inline code span that holds any text, safe inside table cells."""
    one_line = ' '.join(value.split()) or ' '
    longest = max((len(run) for run in re.findall(r'`+', one_line)), default=0)
    fence = '`' * (longest + 1)
    pad = ' ' if one_line.startswith('`') or one_line.endswith('`') else ''
    return f'{fence}{pad}{one_line.replace("|", "&#124;")}{pad}{fence}'


def block(value: str, language: str = '') -> str:
    """A fenced code block that no line of ``value`` can close early."""
    longest = max((len(run) for run in re.findall(r'`{3,}', value)), default=0)
    fence = '`' * max(3, longest + 1)
    body = value if value.endswith('\n') else value + '\n'
    return f'{fence}{language}\n{body}{fence}\n'


def link(label: str, url: str) -> str:
    safe_url = url.replace(' ', '%20').replace(')', '%29').replace('(', '%28')
    return f'[{text(label)}]({safe_url})'


def fit(body: str, limit: int = MAX_BODY, note: str = '') -> str:
    """Cut ``body`` to GitHub's size limit, on a line boundary, saying so."""
    if len(body) <= limit:
        return body
    tail = f'\n\n_{note or "Cut short to fit GitHub size limit."}_\n'
    cut = body.rfind('\n', 0, limit - len(tail))
    return body[:max(cut, 0)] + tail
