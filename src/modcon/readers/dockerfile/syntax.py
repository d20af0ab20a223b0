"""Split a Dockerfile into instructions exactly as BuildKit does, keeping offsets.

Every rule edits the original text, so it must know where each piece of an
instruction came from. This module reimplements BuildKit's line handling
(``frontend/dockerfile/parser/parser.go``): parser directives, the escape
character, line continuations, comment and blank lines inside continuations,
heredocs, flags, JSON ("exec form") arguments and ONBUILD. The logical line
that BuildKit would build is kept together with the map back to the source.

Tests check the result against BuildKit's own parser (PyPI ``dockerfile``).
"""
from __future__ import annotations

from modcon.lazyregex import lazy_compile
from modcon.named_tuple import NamedTuple
from modcon.source import lossy

KNOWN_INSTRUCTIONS = frozenset((
    'ADD', 'ARG', 'CMD', 'COPY', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'FROM',
    'HEALTHCHECK', 'LABEL', 'MAINTAINER', 'ONBUILD', 'RUN', 'SHELL',
    'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR',
))
# Instructions whose arguments BuildKit tries to read as a JSON array.
MAYBE_JSON = frozenset(('CMD', 'ENTRYPOINT', 'RUN', 'SHELL'))
HEREDOC_INSTRUCTIONS = frozenset(('ADD', 'COPY', 'RUN'))
_NO_FLAGS = frozenset(('CMD', 'ENTRYPOINT'))
_DIRECTIVES = frozenset(('escape', 'syntax', 'check'))

# Go's regexp \s is ASCII [\t\n\f\r ]; these mirror BuildKit's patterns.
_DIRECTIVE_RE = lazy_compile(
    r'^#[\t\n\f\r ]*([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*(.+?)[\t\n\f\r ]*$')
_TOKEN_BLANKS = '\t\v\f\r '  # what separates a keyword from its arguments
_HEREDOC_RE = lazy_compile(r'^(\d*)<<(-?)([^<]*)$')
# unicode.IsSpace in Go; Python's isspace() also counts \x1c-\x1f.
_GO_SPACE = frozenset('\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005'
                      '\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000')


class DockerfileSyntaxError(Exception):
    """BuildKit would refuse this file; ``line`` is 1-based."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class Segment(NamedTuple):
    """A run of the logical line copied from ``source`` in the file."""

    joined: int
    source: int
    length: int


class Comment(NamedTuple):
    """A comment line; ``text`` is without the ``#`` and surrounding blanks."""

    start: int
    end: int
    line: int
    text: str


class Heredoc(NamedTuple):
    name: str
    chomp: bool
    body_start: int
    body_end: int


class Arguments(NamedTuple):
    """What follows an instruction keyword and its flags.

    ``text`` is BuildKit's ``rest``: the logical line after the flags, with
    surrounding blanks trimmed; ``offset`` is where it starts in the logical
    line. For exec form, ``json`` holds the parsed strings.
    """

    text: str
    offset: int
    json: tuple[str, ...] | None = None
    json_error: str | None = None  # why a '['-prefixed text is not exec form


class Instruction(NamedTuple):
    """One instruction, with the logical line BuildKit builds from it."""

    name: str  # upper case: 'CMD'
    keyword: str  # as written: 'cmd'
    start: int  # offset of the keyword in the file
    end: int  # offset after the last character of its last line (or heredoc)
    line: int  # 1-based
    end_line: int
    logical: str  # the joined line: keyword, flags, arguments
    segments: tuple[Segment, ...]
    keyword_offset: int  # where the keyword starts in ``logical``
    flags: tuple[str, ...]
    args: Arguments
    heredocs: tuple[Heredoc, ...]
    comments: tuple[Comment, ...]  # comment lines since the previous instruction
    sub: Instruction | None  # ONBUILD's instruction; shares segments and logical
    empty_continuation: bool

    def source_offset(self, joined: int) -> int:
        """Map an offset in ``logical`` to an offset in the file."""
        for seg in self.segments:
            if joined < seg.joined + seg.length:
                return seg.source + max(0, joined - seg.joined)
        last = self.segments[-1]
        return last.source + last.length + (joined - last.joined - last.length)

    @property
    def is_exec_form(self) -> bool:
        return self.args.json is not None

    @property
    def command(self) -> Instruction:
        """The instruction that runs: ONBUILD's sub-instruction, else itself."""
        return self.sub if self.sub is not None else self


class Dockerfile(NamedTuple):
    """A parsed Dockerfile: its instructions and parser directives."""

    instructions: tuple[Instruction, ...]
    escape: str
    directives: dict[str, str]
    comments: tuple[Comment, ...]  # every comment line, in order


def _is_space(ch: str) -> bool:
    return ch in _GO_SPACE or (ch > '\u3000' and ch.isspace() and ch not in '\x1c\x1d\x1e\x1f')


_ASCII_SPACE = ' \t\n\v\f\r'  # Go's ASCII spaces (Python's isspace adds \x1c-\x1f)


def _lstrip_go(text: str) -> str:
    text = text.lstrip(_ASCII_SPACE)  # the common case, in C
    if not text or text[0] <= '\x7f' or not _is_space(text[0]):
        return text
    i = 0
    while i < len(text) and _is_space(text[i]):
        i += 1
    return _lstrip_go(text[i:])


def _rstrip_go(text: str) -> str:
    text = text.rstrip(_ASCII_SPACE)
    if not text or text[-1] <= '\x7f' or not _is_space(text[-1]):
        return text
    end = len(text)
    while end > 0 and _is_space(text[end - 1]):
        end -= 1
    return _rstrip_go(text[:end])


def _strip_go(text: str) -> str:
    return _rstrip_go(_lstrip_go(text))


def _continuation(line: str, escape: str) -> int | None:
    """Where the escape character that continues ``line`` is, or None.

    As BuildKit's line-continuation pattern: the escape character, followed by
    nothing but spaces and tabs, and not preceded by another escape character.
    """
    body = line.rstrip(' \t')
    if body.endswith(escape) and (len(body) == 1 or body[-2] != escape):
        return len(body) - 1
    return None


class _Lines:
    """The file's physical lines as (content start, content end)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.spans: list[tuple[int, int]] = []
        lines = text.split('\n')
        if lines[-1] == '':  # the text ends with a line end (or is empty)
            lines.pop()
        pos = 0
        for line in lines:
            # BuildKit trims "\r\n" runs
            self.spans.append((pos, pos + len(line.rstrip('\r'))))
            pos += len(line) + 1


class _Directives:
    def __init__(self) -> None:
        self.escape = '\\'
        self.done = False
        self.seen: dict[str, str] = {}

    def observe(self, token: str, line: int) -> None:
        if self.done:
            return
        # A directive is `# key=value`: a comment without `=` never needs the pattern.
        match = _DIRECTIVE_RE.match(token) if token.startswith('#') and '=' in token else None
        if match is None:
            self.done = True
            return
        key = match[1].lower()
        if key not in _DIRECTIVES:
            self.done = True
            return
        if key in self.seen:
            raise DockerfileSyntaxError(f'only one {key} parser directive can be used', line)
        self.seen[key] = match[2]
        if key == 'escape':
            if match[2] not in ('\\', '`'):
                raise DockerfileSyntaxError(
                    f"invalid escape token '{match[2]}' does not match ` or \\", line,
                )
            self.escape = match[2]


def _extract_flags(line: str, offset: int) -> tuple[tuple[str, ...], int]:
    """BuildKit's extractBuilderFlags: leading ``--flag[=value]`` words.

    Returns the flags (quotes and escapes removed) and the offset in ``line``
    where the arguments start.
    """
    rest = line[offset:].lstrip()
    if not rest.startswith('--'):  # most instructions: no flags
        return (), len(line) - len(rest)
    words: list[str] = []
    word: list[str] = []
    in_spaces, in_word, in_quote = 0, 1, 2
    phase = in_spaces
    quote = ''
    blank_ok = False
    pos = offset
    n = len(line)
    while pos <= n:
        ch = line[pos] if pos < n else ''
        if phase == in_spaces:
            if pos == n:
                break
            if ch.isspace():
                pos += 1
                continue
            if ch != '-' or pos + 1 == n or line[pos + 1] != '-':
                return tuple(words), pos
            phase = in_word
        if pos == n:
            text = ''.join(word)
            if text != '--' and (blank_ok or text):
                words.append(text)
            break
        if phase == in_word:
            if ch.isspace():
                phase = in_spaces
                text = ''.join(word)
                if text == '--':
                    return tuple(words), pos
                if blank_ok or text:
                    words.append(text)
                word = []
                blank_ok = False
                pos += 1
                continue
            if ch in '\'"':
                quote = ch
                blank_ok = True
                phase = in_quote
                pos += 1
                continue
            if ch == '\\':
                if pos + 1 == n:
                    pos += 1
                    continue
                pos += 1
                ch = line[pos]
            word.append(ch)
            pos += 1
            continue
        # in_quote
        if ch == quote:
            phase = in_word
            pos += 1
            continue
        if ch == '\\':
            if pos + 1 == n:
                phase = in_word
                pos += 1
                continue
            pos += 1
            ch = line[pos]
        word.append(ch)
        pos += 1
    return tuple(words), n


def parse_json_array(text: str) -> tuple[tuple[str, ...] | None, str | None]:
    """BuildKit's parseJSON: the whole text must be a JSON array of strings.

    Returns ``(strings, None)`` for exec form, else ``(None, reason)``;
    ``reason`` is None when the text does not even start with ``[``.
    """
    stripped = _lstrip_go(text)
    if not stripped.startswith('['):
        return None, None
    plain = _plain_strings(stripped)
    if plain is not None:
        return tuple(map(lossy, plain)), None
    import json  # most files never need it; it costs a millisecond at start-up

    try:
        value = json.loads(stripped)
    except RecursionError:
        # `[[[[...` a thousand deep: Python's decoder gives up (Go's allows 10,000
        # levels); taken as not JSON, which BuildKit reads as shell form.
        return None, 'invalid-json'
    except ValueError:
        try:
            json.JSONDecoder().raw_decode(stripped)
        except ValueError:
            return None, 'invalid-json'
        return None, 'trailing-text'
    if not isinstance(value, list):
        return None, 'invalid-json'
    if not all(isinstance(v, str) for v in value):
        return None, 'not-strings'
    # Go's encoding/json, which BuildKit reads it with, makes U+FFFD of a byte that is not
    # UTF-8: an exec-form argument cannot carry a Latin-1 byte as a shell word can.
    return tuple(map(lossy, value)), None


_JSON_SPACE = ' \t\n\r'


def _plain_strings(text: str) -> list[str] | None:
    """The strings of ``text`` when it is a JSON array of strings without escapes,
    as ``json.loads`` reads it, else None: the common exec form, read without
    loading ``json``. Anything else (escapes, other values, errors) is left to it."""
    strings: list[str] = []
    pos = _after_space(text, 1)  # text[0] is '['
    closed = text.startswith(']', pos)
    while not closed:
        if not text.startswith('"', pos):
            return None
        end = text.find('"', pos + 1)
        string = text[pos + 1:end]
        if end == -1 or '\\' in string or (string and min(string) < ' '):
            return None  # an escape, or a character JSON refuses raw
        strings.append(string)
        pos = _after_space(text, end + 1)
        closed = text.startswith(']', pos)
        if not closed:
            if not text.startswith(',', pos):
                return None
            pos = _after_space(text, pos + 1)
    return strings if _after_space(text, pos + 1) == len(text) else None


def _after_space(text: str, pos: int) -> int:
    return len(text) - len(text[pos:].lstrip(_JSON_SPACE))


def arg_defaults(text: str) -> dict[str, str | None]:
    """The names an ``ARG`` declares and their defaults, quotes removed (None: no
    default)."""
    args: dict[str, str | None] = {}
    for word in text.split():
        key, sep, value = word.partition('=')
        args[key] = value.strip('"\'') if sep else None
    return args


def copies_from_context(ins: Instruction) -> bool:
    """A ``COPY``/``ADD`` of files of the build context: not ``--from`` a stage or an
    image, not a heredoc."""
    return ins.name in ('COPY', 'ADD') and not ins.heredocs and \
        not any(f.startswith('--from') for f in ins.flags)


def copy_words(text: str) -> list[str]:
    """A ``COPY``/``ADD``'s sources and destination as written: its JSON array, or its
    blank-separated words (variables not expanded, quotes kept)."""
    strings, _ = parse_json_array(text)
    return list(strings) if strings is not None else text.split()


def _arguments(name: str, logical: str, offset: int) -> Arguments:
    """BuildKit's argument parsing for ``name``, from ``offset`` in ``logical``."""
    rest = _lstrip_go(logical[offset:])
    start = len(logical) - len(rest)
    text = _rstrip_go(rest)
    if name == 'HEALTHCHECK':
        # parseHealthConfig: a type word (CMD or NONE), then maybe-JSON.
        sep = 0
        while sep < len(text) and not text[sep].isspace():
            sep += 1
        nxt = sep
        while nxt < len(text) and text[nxt].isspace():
            nxt += 1
        if sep == 0 or text[:sep].upper() != 'CMD' or nxt == len(text):
            return Arguments('', start)  # HEALTHCHECK NONE (or no command): nothing runs
        rest = text[nxt:]
        strings, error = parse_json_array(rest)
        return Arguments(rest, start + nxt, strings, error)
    if name in MAYBE_JSON and text:
        strings, error = parse_json_array(text)
        return Arguments(text, start, strings, error)
    return Arguments(text, start)


def _parse_words(rest: str, escape: str) -> list[str]:
    """BuildKit's parseWords: blank-separated words, quotes kept, escapes honoured."""
    words: list[str] = []
    word: list[str] = []
    quote = ''
    blank_ok = False
    in_word = False
    i = 0
    n = len(rest)
    while i < n:
        ch = rest[i]
        if not in_word:
            if ch.isspace():
                i += 1
                continue
            in_word = True
        if quote:
            if ch == quote:
                quote = ''
            if ch == escape and quote != "'" and quote:
                if i + 1 == n:
                    quote = ''
                    i += 1
                    continue
                word.append(ch)
                i += 1
                ch = rest[i]
            word.append(ch)
            i += 1
            continue
        if ch.isspace():
            if blank_ok or word:
                words.append(''.join(word))
            word = []
            blank_ok = False
            in_word = False
            i += 1
            continue
        if ch in '\'"':
            quote = ch
            blank_ok = True
        if ch == escape:
            if i + 1 == n:
                i += 1
                continue
            word.append(ch)
            i += 1
            ch = rest[i]
        word.append(ch)
        i += 1
    if in_word and (blank_ok or word):
        words.append(''.join(word))
    return words


def _check_name_values(name: str, text: str, escape: str, line: int) -> None:
    """BuildKit's parseNameVal for ENV and LABEL: `k v` or `k=v ...`."""
    words = _parse_words(text, escape)
    if not words:
        return
    if '=' not in words[0]:
        if not any(blank in text for blank in _TOKEN_BLANKS):
            raise DockerfileSyntaxError(f'{name} must have two arguments', line)
        return
    for word in words:
        if '=' not in word:
            raise DockerfileSyntaxError(
                f"Syntax error - can't find = in {word!r}. Must be of the form: name=value", line,
            )


def _unquote(word: str) -> str:
    out: list[str] = []
    quote = ''
    i = 0
    while i < len(word):
        ch = word[i]
        if quote:
            if ch == quote:
                quote = ''
            elif ch == '\\' and quote == '"' and i + 1 < len(word):
                i += 1
                out.append(word[i])
            else:
                out.append(ch)
        elif ch in '\'"':
            quote = ch
        elif ch == '\\' and i + 1 < len(word):
            i += 1
            out.append(word[i])
        else:
            out.append(ch)
        i += 1
    return ''.join(out)


def _heredoc_names(logical: str) -> list[tuple[str, bool]]:
    if '<<' not in logical:  # most lines: no word can start a heredoc
        return []
    names = []
    # BuildKit lexes the line with `\` as the escape, whatever the directive says.
    for word in _parse_words(logical, '\\'):
        match = _HEREDOC_RE.match(word)
        if match is None or not match[3]:
            continue
        name = _unquote(match[3])
        if not name or any(c.isspace() for c in name):
            continue
        names.append((name, match[2] == '-'))
    return names


def _split_command(logical: str, offset: int) -> tuple[str, int, int]:
    """The keyword of the (sub-)instruction at ``offset`` and where it ends."""
    start = offset
    while start < len(logical) and _is_space(logical[start]):
        start += 1
    end = start
    while end < len(logical) and logical[end] not in _TOKEN_BLANKS:
        end += 1
    # Trailing blanks of the whole line never count as a separator.
    return logical[start:end], start, end


def _instruction_parts(
        logical: str, offset: int,
) -> tuple[str, str, int, tuple[str, ...], Arguments]:
    keyword, kw_start, kw_end = _split_command(logical, offset)
    name = keyword.upper()
    flags, args_at = _extract_flags(logical, kw_end)
    if flags and name in _NO_FLAGS:
        # `CMD --verbose`: BuildKit takes `--verbose` for a flag and refuses to
        # build. Keep the words as arguments so a rule can say what was meant.
        args_at = kw_end
    args = _arguments(name, logical, args_at)
    return keyword, name, kw_start, flags, args


def parse(text: str) -> Dockerfile:
    """Parse ``text`` as BuildKit would; raise DockerfileSyntaxError if it would not."""
    lines = _Lines(text).spans
    directives = _Directives()
    instructions: list[Instruction] = []
    all_comments: list[Comment] = []
    pending_comments: list[Comment] = []
    i = 0
    total = len(lines)
    while i < total:
        start, end = lines[i]
        if i == 0 and text.startswith('\ufeff', start):
            start += 1
        raw = text[start:end]
        lead = len(raw) - len(_lstrip_go(raw))
        token = raw[lead:]
        if token.startswith('#'):
            comment = Comment(start + lead, end, i + 1, token[1:].strip())
            pending_comments.append(comment)
            all_comments.append(comment)
        if not directives.done:
            directives.observe(token, i + 1)
        escape = directives.escape
        content_start = start + lead
        content = '' if token.startswith('#') else token
        first_line = i + 1
        i += 1
        cont = _continuation(content, escape)
        if cont is None and content == '':
            continue

        segments: list[Segment] = []
        logical_parts: list[str] = []
        joined = 0

        # Called only within this iteration: the lists it appends to are this line's.
        def take(piece_start: int, piece: str) -> None:
            nonlocal joined
            if piece:
                segments.append(Segment(joined, piece_start, len(piece)))  # noqa: B023
                logical_parts.append(piece)  # noqa: B023
                joined += len(piece)

        last_end = end
        empty_continuation = False
        if cont is not None:
            take(content_start, content[:cont])
        else:
            take(content_start, content)
        while cont is not None and i < total:
            start, end = lines[i]
            raw = text[start:end]
            if not directives.done:
                directives.observe(raw, i + 1)
            i += 1
            stripped = _lstrip_go(raw)
            if stripped.startswith('#'):
                comment = Comment(end - len(stripped), end, i, stripped[1:].strip())
                all_comments.append(comment)
                continue
            if stripped == '':
                empty_continuation = True
                continue
            last_end = end
            cont = _continuation(raw, escape)
            take(start, raw[:cont] if cont is not None else raw)

        logical = ''.join(logical_parts)
        keyword, name, kw_start, flags, args = _instruction_parts(logical, 0)
        sub: Instruction | None = None
        heredoc_name = name
        if name == 'ONBUILD' and args.text:
            s_keyword, s_name, s_kw, s_flags, s_args = _instruction_parts(
                logical, args.offset,
            )
            heredoc_name = s_name
            sub = Instruction(
                s_name, s_keyword, 0, 0, first_line, 0, logical, tuple(segments),
                s_kw, s_flags, s_args, (), (), None, empty_continuation,
            )
        heredocs: list[Heredoc] = []
        runs_args = sub.args if sub is not None else args
        if heredoc_name in HEREDOC_INSTRUCTIONS and runs_args.json is None:
            for doc_name, chomp in _heredoc_names(logical):
                body_start = lines[i][0] if i < total else len(text)
                while True:
                    if i >= total:
                        raise DockerfileSyntaxError('unterminated heredoc', first_line)
                    h_start, h_end = lines[i]
                    i += 1
                    candidate = text[h_start:h_end]
                    if chomp:
                        candidate = candidate.lstrip('\t')
                    if candidate == doc_name:
                        heredocs.append(Heredoc(doc_name, chomp, body_start, h_start))
                        last_end = h_end
                        break
        if name not in KNOWN_INSTRUCTIONS:
            raise DockerfileSyntaxError(f'unknown instruction: {keyword}', first_line)
        runs_name, runs_text = (sub.name, sub.args.text) if sub is not None else (name, args.text)
        if runs_name in ('ENV', 'LABEL'):
            _check_name_values(runs_name, runs_text, escape, first_line)
        if sub is not None:
            if sub.name not in KNOWN_INSTRUCTIONS:
                raise DockerfileSyntaxError(f'unknown instruction: {sub.keyword}', first_line)
            if sub.name in ('ONBUILD', 'FROM', 'MAINTAINER'):
                raise DockerfileSyntaxError(
                    f'{sub.name} isn\'t allowed as an ONBUILD trigger', first_line,
                )
        end_line = i
        ins_start = segments[0].source + kw_start if segments else content_start
        instruction = Instruction(
            name, keyword, ins_start, last_end, first_line, end_line, logical,
            tuple(segments), kw_start, flags, args, tuple(heredocs),
            tuple(pending_comments), None, empty_continuation,
        )
        if sub is not None:
            sub = sub._replace(
                start=instruction.source_offset(sub.keyword_offset), end=last_end,
                end_line=end_line, heredocs=tuple(heredocs),
            )
            instruction = instruction._replace(sub=sub)
        instructions.append(instruction)
        pending_comments = []

    if not instructions:
        raise DockerfileSyntaxError('file with no instructions', max(1, total))
    return Dockerfile(tuple(instructions), directives.escape, dict(directives.seen),
                      tuple(all_comments))
