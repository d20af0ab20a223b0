"""MC002: the code a container runs cannot be parsed, so modcon cannot check it."""
from __future__ import annotations

from collections.abc import Iterator

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.model import FixAvailability
from modcon.model import Hit
from modcon.model import Kind
from modcon.model import Severity
from modcon.properties import Property
from modcon.registry import rule
from modcon.source import undecodable


@rule(
    code='MC002',
    name='entrypoint-code-unparsable',
    kind=Kind.DOCKERFILE,
    property=Property.SIGNALS,
    severity=Severity.INFO,
    fixable=FixAvailability.NEVER,
)
def entrypoint_code_unparsable(document: DockerfileDocument) -> Iterator[Hit]:
    """## What it does
    Reports a Python or JavaScript file that the container's command runs
    (followed as `modcon explain-entrypoint` shows) but that modcon cannot
    parse: Python 2 code, a `TabError`, a syntax error, broken JavaScript, a
    binary file, or Python that is not UTF-8 text (nor in a one-byte encoding that its
    coding line names). The finding names the file and the reason.

    ## Why is this bad?
    The signal rules (MC201, MC401) read the program to see whether it stops
    on SIGTERM. A file they cannot read is not checked, and without this
    finding a container that ignores `docker stop` would look clean. Code
    that the interpreter in the image cannot parse does not run at all; code
    that only modcon's parser refuses (a newer syntax) still deserves a look
    by hand.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    COPY server.py /app/
    CMD ["python", "/app/server.py"]
    ```
    with `server.py` written for Python 2 (`print "listening"`).

    ## Use instead
    Port the code to the Python the image runs, then let MC201 check it.

    ## Fix safety
    No fix: modcon does not rewrite code it cannot parse. Shell scripts that
    cannot be read are reported by MC301.
    """
    resolution = document.resolution
    project = document.project
    if project is None or not resolution.targets:
        return
    by_line = {ins.line: ins for ins in document.instructions}
    seen: set[str] = set()
    for target in resolution.targets:
        if target.kind not in (Kind.PYTHON, Kind.JAVASCRIPT) or target.path in seen:
            continue
        seen.add(target.path)
        text = project.read(target.path)
        reason: str | None
        if text is None:
            reason = 'it is binary (or is over 1 MB)'
        elif target.kind == Kind.PYTHON and undecodable(text) is not None:
            # Python itself refuses it, unless a coding line names another encoding.
            from modcon.readers.python.encoding import unreadable_byte
            from modcon.readers.python.encoding import unreadable_reason

            at = unreadable_byte(text)
            reason = _python_problem(text) if at is None else f'it {unreadable_reason(text, at)}'
        elif target.kind == Kind.PYTHON:
            reason = _python_problem(text)
        else:
            reason = _javascript_problem(text)
        if reason is None:
            continue
        ins = by_line.get(target.invocation.line)
        if ins is None:
            continue
        yield Hit(ins.start, ins.end,
                  f'`{target.path}` is run by this command but cannot be parsed as '
                  f'{"Python" if target.kind == Kind.PYTHON else "JavaScript"}: {reason}; '
                  f'modcon cannot check how it stops', None)


def _python_problem(text: str) -> str | None:
    """Why ``text`` is not Python 3 (``compile``'s own message), or None.

    Code nested too deeply is said in modcon's words: Python 3.11 gives no
    message, 3.12 and later their own, and a finding must read the same
    whichever Python runs modcon."""
    import ast

    from modcon.readers.python.syntax import code_of

    try:
        ast.parse(code_of(text))
    except SyntaxError as exc:  # TabError and IndentationError are SyntaxErrors
        kind = type(exc).__name__
        where = f' (line {exc.lineno})' if exc.lineno else ''
        hint = ' (Python 2 code?)' if 'Missing parentheses' in (exc.msg or '') or \
            (exc.msg or '').startswith('multiple exception types') else ''
        return f'{kind}: {exc.msg}{where}{hint}'
    except ValueError as exc:
        return f'{type(exc).__name__}: {exc}'
    except (RecursionError, MemoryError) as exc:  # what `python` itself stops with
        return f'{type(exc).__name__}: nested too deeply for the parser'
    return None


def _javascript_problem(text: str) -> str | None:
    """Where tree-sitter-javascript finds a syntax error in ``text``, or None."""
    from modcon.readers.javascript.grammar import javascript_parser
    from modcon.readers.treesitter_text import TreeSitterText
    from modcon.readers.treesitter_text import preorder

    source = TreeSitterText(text)
    root = javascript_parser().parse(source.data).root_node
    if not root.has_error:
        return None
    for node in preorder(root):
        if node.is_missing:
            return f'a `{node.type}` is missing on line {node.start_point[0] + 1}'
        if node.is_error:
            return f'a syntax error on line {node.start_point[0] + 1}'
    return 'a syntax error'  # pragma: no cover - has_error always has a node
