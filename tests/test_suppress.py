"""Range-based suppression: the engine silences a finding by a pragma anywhere in its range."""
from __future__ import annotations

import pathlib

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from modcon import suppress
from modcon.engine.check import check_source
from modcon.engine.config import Config
from modcon.entrypoints.invocation import Invocation
from modcon.model import Finding
from modcon.model import Kind
from modcon.source import SourceFile
from modcon.suppress import Pragmas

FIXTURES = pathlib.Path(__file__).parent / 'fixtures'
FIXERS = pathlib.Path(__file__).parent.parent / 'fixers'


def _findings(code: str, name: str, text: str, kind: Kind) -> list[Finding]:
    runs = () if kind == Kind.DOCKERFILE else (Invocation('Dockerfile', 1, ('node', name)),)
    return check_source(SourceFile(name, text), kind, Config(select=(code,)), runs)


def _pragma_line(text: str) -> int:
    return next(n for n, line in enumerate(text.split('\n'), 1) if 'modcon: ignore=' in line)


@pytest.mark.parametrize(('code', 'case', 'kind'), (
    pytest.param('MC180', 'pragma-between-continuation-lines.input.Dockerfile', Kind.DOCKERFILE,
                 id='dockerfile-rule'),
    pytest.param('MC420', 'pragma-inside-handler.input.js', Kind.JAVASCRIPT, id='code-rule'),
))
def test_a_pragma_inside_a_multi_line_finding_silences_it(code: str, case: str,
                                                           kind: Kind) -> None:
    text = (FIXTURES / code / case).read_bytes().decode()
    line = _pragma_line(text)
    assert _findings(code, case, text, kind) == []
    # The same file without the pragma has the finding, and the pragma's line
    # lies inside its range, below its first line (where pragmas were read before).
    [finding] = _findings(code, case, text.replace('modcon: ignore=', 'note: ignore='), kind)
    assert finding.begin.line < line <= finding.finish.line


def test_a_pragma_below_a_finding_does_not_silence_it() -> None:
    text = ('main().catch((err) => {\n  console.error(err);\n});\n'
            '// modcon: ignore=MC420\n')
    [finding] = _findings('MC420', 'main.js', text, Kind.JAVASCRIPT)
    assert finding.finish.line < _pragma_line(text)


def test_another_tools_pragma_counts_only_above_the_instruction() -> None:
    """hadolint reads its pragma on the lines above an instruction only; inside
    an instruction it is not hadolint's, so modcon does not read it there."""
    inside = ('FROM debian:12\nRUN apt-get update && \\\n    # hadolint ignore=DL3009\n'
              '    apt-get install -y curl\n')
    above = 'FROM debian:12\n# hadolint ignore=DL3009\nRUN apt-get update && \\\n' \
            '    apt-get install -y curl\n'
    assert len(_findings('MC180', 'Dockerfile', inside, Kind.DOCKERFILE)) == 1
    assert _findings('MC180', 'Dockerfile', above, Kind.DOCKERFILE) == []


PIPE = 'RUN wget -O - https://example.com/install.sh | sh\n'


@pytest.mark.parametrize(('code', 'pragma', 'instruction'), [
    ('MC121', '# modcon: ignore=MC121', PIPE),
    ('MC121', '# MODCON: IGNORE=mc121', PIPE),
    ('MC121', '# Modcon: ignore=run-pipeline-without-pipefail', PIPE),
    ('MC121', '# hadolint ignore=DL4006', PIPE),
    ('MC121', '# HADOLINT ignore=dl4006', PIPE),
    ('MC121', '# Tally ignore=hadolint/DL4006', PIPE),
    ('MC101', '# CHECK=skip=JSONArgsRecommended', 'CMD python app.py\n'),
])
def test_a_pragma_is_read_in_any_letter_case(code: str, pragma: str, instruction: str) -> None:
    text = f'FROM debian:12\n{pragma}\n{instruction}'
    assert _findings(code, 'Dockerfile', text, Kind.DOCKERFILE) == []
    unread = text.replace('#', '# note:', 1)  # no longer starting with its word
    assert len(_findings(code, 'Dockerfile', unread, Kind.DOCKERFILE)) == 1


def test_rules_leave_suppression_to_the_engine() -> None:
    """No rule reads the registry to silence its own findings (MC201 once did)."""
    readers = [p.name for p in FIXERS.rglob('*.py') if 'RULES[' in p.read_text()]
    assert readers == []


PRAGMA_PIECES = ['hadolint', 'Hadolint', 'hadolınt', ' ', 'ignore', '=', 'DL3008', ',', 'global',
                 'modcon:', 'ignore-file', 'MC101', 'tally', 'TALLY', 'check', 'Check',
                 'skip=JSONArgsRecommended', ';', 'This', 'The', 'K', 'x', '-', 'hado']


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(PRAGMA_PIECES), min_size=1, max_size=7).map(''.join),
       st.booleans())
def test_comments_passed_over_without_their_expression_hold_no_pragma(
        comment: str, file_wide: bool) -> None:
    """``# This …`` or ``# Copy …`` is passed over without matching (or compiling) the
    pragma expressions; what is read must be what the expressions alone read."""
    every_head = suppress._pragma_word
    suppress._pragma_word = lambda text: text[:1].lower()  # every comment to its expression
    try:
        by_expressions = Pragmas.parse([comment], file_wide=file_wide).tokens
    finally:
        suppress._pragma_word = every_head
    assert Pragmas.parse([comment], file_wide=file_wide).tokens == by_expressions
