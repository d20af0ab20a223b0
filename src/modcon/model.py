"""The values every part of modcon passes around: edits, fixes, findings, rules.

They are ``NamedTuple`` rather than dataclasses on purpose: ``dataclasses``
pulls in ``inspect`` and costs about 10 ms of start-up, a large share of a
single-file ``modcon check`` (see docs/benchmarks.md).
"""
from __future__ import annotations

import enum
import functools
import posixpath
from collections.abc import Iterator

from modcon.lazyregex import lazy_compile
from modcon.named_tuple import NamedTuple
from modcon.properties import Property

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover - typing only
    from modcon.document import Check


Span = tuple[str, bool]  # a piece of a message, and whether it is code


def code_spans(text: str) -> tuple[Span, ...]:
    """``text`` cut where modcon's markup puts code: backtick spans as
    CommonMark reads them (a run of n backticks up to the next run of exactly n)."""
    spans: list[Span] = []
    plain = []
    i = 0
    while i < len(text):
        if text[i] != '`':
            plain.append(text[i])
            i += 1
            continue
        run = len(text[i:]) - len(text[i:].lstrip('`'))
        j = i + run
        close = -1
        while j < len(text):
            j = text.find('`', j)
            if j == -1:
                break
            other = len(text[j:]) - len(text[j:].lstrip('`'))
            if other == run:
                close = j
                break
            j += other
        if close == -1:
            plain.append(text[i:i + run])  # no closing run: literal backticks
            i += run
            continue
        if plain:
            spans.append((''.join(plain), False))
            plain = []
        inner = text[i + run:close]
        if inner.startswith(' ') and inner.endswith(' ') and inner.strip(' '):
            inner = inner[1:-1]
        spans.append((inner, True))
        i = close + run
    if plain:
        spans.append((''.join(plain), False))
    return tuple(spans)


class Message(str):
    """A finding's message (or a fix's title) that carries its code spans as data.

    As a ``str`` it reads exactly as before (modcon's markup: code in
    backticks), so every plain-text reporter is unchanged. ``spans`` says
    which pieces are code, so Markdown and HTML output can show modcon's code
    as code while text from the repository (a command, a path) is escaped as
    what it is, backticks included, never read as markup.
    """

    spans: tuple[Span, ...]

    def __new__(cls, text: str = '', spans: tuple[Span, ...] | None = None) -> Message:
        self = super().__new__(cls, text)
        self.spans = spans if spans is not None else code_spans(text)
        return self

    # Not str.format: a Message is built from modcon's template, never formatted as data.
    @classmethod
    def format(cls, template: str, *args: object) -> Message:  # type: ignore[override]
        """``template`` is modcon's own text (its backticks are markup); each
        ``{}`` takes the next of ``args`` as data, in the span it stands in (a
        ``Message`` in plain text brings its own code spans)."""
        values = iter(args)
        spans: list[Span] = []

        def add(piece: str, code: bool) -> None:
            if spans and not code and not spans[-1][1]:
                spans[-1] = (spans[-1][0] + piece, False)
            elif piece:
                spans.append((piece, code))

        for text, code in code_spans(template):
            first, *rest = _FIELD.split(text)
            pieces: list[Span] = [(first, code)]
            for part in rest:
                value = next(values)
                if isinstance(value, Message) and not code:
                    pieces.extend(value.spans)  # a message in a message keeps its code
                else:
                    pieces.append((str(value), code))
                pieces.append((part, code))
            if code:  # one code span, whatever went in
                pieces = [(''.join(p for p, _ in pieces), True)]
            for piece, is_code in pieces:
                add(piece, is_code)
        return cls(''.join(f'`{t}`' if code else t for t, code in spans), tuple(spans))


_FIELD = lazy_compile(r'(?<!\{)\{\}(?!\})')  # a ``{}`` of Message.format


def spans_of(text: str) -> tuple[Span, ...]:
    """The code spans of a message: as carried, or read from its markup."""
    return text.spans if isinstance(text, Message) else code_spans(text)


class Applicability(enum.IntEnum):
    """How far a fix may be trusted; compare with ``>=`` (higher is safer)."""

    DISPLAY_ONLY = 0  # shown as a suggestion, never written
    UNSAFE = 1  # written only with --unsafe-fixes or `/modcon fix --unsafe`
    SAFE = 2  # keeps behaviour except the intended improvement

    @property
    def label(self) -> str:
        return self.name.lower().replace('_', '-')

    @classmethod
    def from_label(cls, label: str) -> Applicability:
        return cls[label.upper().replace('-', '_')]


class Severity(enum.IntEnum):
    """How much a finding matters; ``fail_on`` thresholds compare with ``>=``."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()


class _Word(enum.StrEnum):
    """A closed set of words: each member is, prints and ``repr``s as its word,
    so every output (reports, configs, CLI flags, generated code) reads as it
    did when these were plain strings."""

    def __repr__(self) -> str:
        return repr(self.value)


class Kind(_Word):
    """What a file is, which decides the rules that read it."""

    DOCKERFILE = 'dockerfile'
    PYTHON = 'python'
    SHELL = 'shell'
    JAVASCRIPT = 'javascript'


RULE_KINDS = (Kind.DOCKERFILE, Kind.PYTHON, Kind.SHELL, Kind.JAVASCRIPT)
CODE_KINDS = frozenset((Kind.PYTHON, Kind.SHELL, Kind.JAVASCRIPT))  # entrypoint code


class FixAvailability(_Word):
    """Whether a rule's findings come with a fix (shown in ``modcon rules``)."""

    ALWAYS = 'always'
    SOMETIMES = 'sometimes'
    NEVER = 'never'


class Edit(NamedTuple):
    """Replace ``original[start:end]`` with ``content``.

    Offsets are character offsets into the *original* text of one file, never
    into a partially fixed one, so edits from different rules compose.
    """

    start: int
    end: int
    content: str = ''

    @classmethod
    def insert(cls, at: int, content: str) -> Edit:
        return cls(at, at, content)


class NewFile(NamedTuple):
    """A file a fix creates, next to the file of the finding (never overwritten)."""

    path: str  # relative to the folder of the finding's file, '/'-separated
    content: str


def created_path(finding_path: str, name: str) -> str:
    """Where a fix creates ``name`` (a ``NewFile.path``) for a finding in ``finding_path``."""
    return posixpath.normpath(posixpath.join(posixpath.dirname(finding_path), name))


class Fix(NamedTuple):
    """A set of non-overlapping edits that together repair one finding.

    ``creates`` lists files the fix adds beside the finding's file (a
    ``.dockerignore`` next to a Dockerfile); they are written only when no
    such file exists.
    """

    title: str
    edits: tuple[Edit, ...]
    applicability: Applicability
    creates: tuple[NewFile, ...] = ()

    @classmethod
    def make(cls, title: str, edits: Iterator[Edit] | tuple[Edit, ...] | list[Edit],
             applicability: Applicability, creates: tuple[NewFile, ...] = ()) -> Fix:
        ordered = tuple(sorted(edits))
        if not ordered and not creates:
            raise ValueError('a fix needs at least one edit or a file to create')
        for edit in ordered:
            if not 0 <= edit.start <= edit.end:
                raise ValueError(f'invalid edit range {edit.start}..{edit.end}')
        for a, b in zip(ordered, ordered[1:]):
            if b.start < a.end or (a.start == a.end == b.start == b.end):
                raise ValueError(f'overlapping edits at {b.start}')
        return cls(title, ordered, applicability, creates)

    @classmethod
    def safe(cls, title: str, *edits: Edit) -> Fix:
        return cls.make(title, edits, Applicability.SAFE)

    @classmethod
    def unsafe(cls, title: str, *edits: Edit) -> Fix:
        return cls.make(title, edits, Applicability.UNSAFE)

    @classmethod
    def display_only(cls, title: str, *edits: Edit) -> Fix:
        return cls.make(title, edits, Applicability.DISPLAY_ONLY)

    def applies(self, threshold: Applicability) -> bool:
        return self.applicability >= threshold > Applicability.DISPLAY_ONLY

    def with_applicability(self, applicability: Applicability) -> Fix:
        return self._replace(applicability=applicability)


class Hit(NamedTuple):
    """What a rule yields: a range of the original text, a message, maybe a fix."""

    start: int
    end: int
    message: str
    fix: Fix | None = None
    severity: Severity | None = None  # None: the rule's default


class Position(NamedTuple):
    """A 1-based line and column (columns count characters)."""

    line: int
    column: int


class Rule(NamedTuple):
    """A registered rule: its identity, the property it serves, and its check.

    ``check`` receives the document of the rule's ``kind`` (the engine builds
    one per file by its kind): a ``DockerfileDocument`` or a ``CodeDocument``.
    """

    code: str
    name: str
    kind: Kind  # the kind of file it reads
    property: Property
    severity: Severity
    check: Check
    docstring: str  # the check's docstring as written: see ``doc``
    fixable: FixAvailability
    aliases: tuple[str, ...]  # codes of other tools for the same defect
    # Pickled by code: see registry.py, which makes every Rule.

    # Dedented when asked for, not when the rule is registered: a check never
    # shows the docs, and dedenting them all was ~2 % of a cold check.
    @property
    def doc(self) -> str:
        """The rule's documentation (Markdown): the check's docstring, dedented."""
        return cleandoc(self.docstring)

    @property
    def summary(self) -> str:
        """The first paragraph of the doc's "What it does", on one line."""
        summary = self.doc.split('## What it does', 1)[1].strip().split('\n\n', 1)[0]
        return ' '.join(summary.split())


@functools.cache
def cleandoc(doc: str) -> str:
    """Dedent a docstring (what ``inspect.cleandoc`` does, without importing
    ``inspect``, which costs milliseconds on every start)."""
    lines = doc.expandtabs().split('\n')
    indents = [len(ln) - len(ln.lstrip()) for ln in lines[1:] if ln.strip()]
    margin = min(indents, default=0)
    cleaned = [lines[0].strip(), *(ln[margin:].rstrip() for ln in lines[1:])]
    return '\n'.join(cleaned).strip('\n')


class Finding(NamedTuple):
    """A rule's hit, placed in a file: what every reporter renders."""

    rule: Rule
    path: str
    start: int
    end: int
    begin: Position
    finish: Position
    message: str
    severity: Severity
    fix: Fix | None

    @property
    def code(self) -> str:
        return self.rule.code

    @property
    def property(self) -> Property:
        return self.rule.property
