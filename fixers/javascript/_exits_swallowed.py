"""Where a Node.js main program turns a failure into exit status 0.

Read with tree-sitter-javascript (loaded only when a JavaScript file is
checked). Three shapes:

* ``process.exit(0)`` or ``process.exit()`` in an error path: a ``catch``
  block, a callback given to ``.catch(...)``, or a
  ``process.on('uncaughtException' | 'unhandledRejection', ...)`` listener;
* a top-level ``main().catch(handler)`` whose handler only logs: the
  rejection counts as handled, the event loop drains and Node exits 0;
* a top-level ``try { ... } catch (e) { ... }`` (top-level ``await`` in ES
  modules) whose ``catch`` only logs.

The edits: ``process.exit(0)`` becomes ``process.exit(1)``; a swallowing
handler gets ``process.exitCode = 1`` as its last statement, which keeps
the exit graceful (pending output is written) and makes its status 1.
"""
from __future__ import annotations

from modcon.model import Edit
from modcon.named_tuple import NamedTuple
from modcon.readers.javascript.grammar import javascript_parser
from modcon.readers.treesitter_text import TreeSitterText
from modcon.readers.treesitter_text import preorder

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover - typing only
    from tree_sitter import Node

_FUNCTIONS = frozenset(('arrow_function', 'function_expression', 'function',
                        'function_declaration', 'generator_function',
                        'generator_function_declaration', 'method_definition'))
_ERROR_EVENTS = frozenset(('uncaughtException', 'unhandledRejection'))
# Words in a handler that end the program or pass the failure on.
_ENDS = ('process.exit', 'exitCode', 'throw', 'process.kill', 'process.abort')


class Swallowed(NamedTuple):
    start: int
    end: int
    kind: str  # 'exit-zero', 'catch-callback' or 'top-level-catch'
    what: str  # the code, for the message
    edit: Edit | None


def _member(node: Node | None, text: TreeSitterText) -> str:
    return '' if node is None else ''.join(text.raw(node).split())


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = TreeSitterText(text)
        self.root = javascript_parser().parse(self.text.data).root_node
        self.sets_exit_code = 'exitCode' in text

    def run(self) -> list[Swallowed]:
        if self.root.has_error:
            return []
        found: list[Swallowed] = []
        for node in preorder(self.root):
            if node.type == 'call_expression':
                hit = self.exit_zero(node)
                if hit is not None:
                    found.append(hit)
        for statement in self.root.named_children:
            hit = self.top_level(statement)
            if hit is not None:
                found.append(hit)
        return sorted(found, key=lambda f: f.start)

    # -- process.exit(0) in an error path --------------------------------------------

    def exit_zero(self, call: Node) -> Swallowed | None:
        if _member(call.child_by_field_name('function'), self.text) != 'process.exit':
            return None
        arguments = call.child_by_field_name('arguments')
        args = [] if arguments is None else arguments.named_children
        if args and not (args[0].type == 'number' and self.text.raw(args[0]) == '0'):
            return None
        if not args and self.sets_exit_code:
            return None  # `process.exitCode = 1; process.exit()` exits 1
        where = self.error_path(call)
        if where is None:
            return None
        if args:
            edit = Edit(*self.text.span(args[0]), '1')
        else:
            assert arguments is not None
            end = self.text.span(arguments)[1]
            edit = Edit(end - 1, end - 1, '1')
        start, end = self.text.span(call)
        return Swallowed(start, end, 'exit-zero', f'`{self.text.raw(call)}` in {where}', edit)

    def error_path(self, node: Node) -> str | None:
        """`a catch block` etc. when ``node`` runs only after an error, else None."""
        current = node.parent
        while current is not None:
            if current.type == 'catch_clause':
                return 'a `catch` block'
            if current.type in _FUNCTIONS:
                return self.error_callback(current)
            current = current.parent
        return None

    def error_callback(self, function: Node) -> str | None:
        arguments = function.parent
        if arguments is None or arguments.type != 'arguments':
            return None
        call = arguments.parent
        if call is None or call.type != 'call_expression':
            return None
        callee = _member(call.child_by_field_name('function'), self.text)
        if callee.endswith('.catch'):
            return 'a `.catch()` handler'
        if callee in ('process.on', 'process.once'):
            event = arguments.named_children[0] if arguments.named_children else None
            if event is not None and event.type == 'string' and \
                    self.text.raw(event)[1:-1] in _ERROR_EVENTS:
                return f'the `{self.text.raw(event)[1:-1]}` listener'
        return None

    # -- swallowing handlers at the top level ------------------------------------------

    def top_level(self, statement: Node) -> Swallowed | None:
        if statement.type == 'try_statement':
            handler = statement.child_by_field_name('handler')
            body = handler.child_by_field_name('body') if handler is not None else None
            if body is None or self._ends(body):
                return None
            start, end = self.text.span(handler)  # type: ignore[arg-type]
            return Swallowed(start, end, 'top-level-catch', 'the top-level `catch`',
                             self.block_edit(body, statement))
        if statement.type != 'expression_statement':
            return None
        call = statement.named_children[0] if statement.named_children else None
        if call is None or call.type != 'call_expression':
            return None
        function = call.child_by_field_name('function')
        if function is None or function.type != 'member_expression' or \
                _member(function.child_by_field_name('property'), self.text) != 'catch':
            return None
        arguments = call.child_by_field_name('arguments')
        handlers = arguments.named_children if arguments is not None else []
        if len(handlers) != 1 or self._ends(handlers[0]):
            return None
        handler = handlers[0]
        start, end = self.text.span(handler)
        shown = ' '.join(self.text.raw(handler).split())
        if len(shown) > 40:
            shown = shown[:39] + '…'
        return Swallowed(start, end, 'catch-callback', f'`.catch({shown})`',
                         self.callback_edit(handler, statement))

    def _ends(self, node: Node) -> bool:
        raw = self.text.raw(node)
        return any(word in raw for word in _ENDS)

    def _semicolon(self, statement: Node) -> str:
        return ';' if self.text.raw(statement).rstrip().endswith(';') else ''

    def callback_edit(self, handler: Node, statement: Node) -> Edit | None:
        semi = self._semicolon(statement)
        if handler.type in ('identifier', 'member_expression'):
            name = self.text.raw(handler)
            return Edit(*self.text.span(handler),
                        f'(err) => {{ {name}(err); process.exitCode = 1{semi} }}')
        if handler.type not in ('arrow_function', 'function_expression', 'function'):
            return None
        body = handler.child_by_field_name('body')
        if body is None:
            return None
        if body.type == 'statement_block':
            return self.block_edit(body, statement)
        if handler.type == 'arrow_function':  # `err => console.error(err)`
            expression = self.text.raw(body)
            return Edit(*self.text.span(body),
                        f'{{ {expression}; process.exitCode = 1{semi} }}')
        return None

    def block_edit(self, block: Node, statement: Node) -> Edit | None:
        """``process.exitCode = 1`` as the block's last statement, in its style."""
        statements = [c for c in block.named_children if c.type != 'comment']
        if not statements:
            return None
        last = statements[-1]
        last_raw = self.text.raw(last).rstrip()
        ends_with_semicolon = last_raw.endswith(';')
        end = self.text.span(last)[1]
        if last.end_point[0] == block.end_point[0]:  # `{ log(e) }` on one line
            if ends_with_semicolon:
                return Edit.insert(end, ' process.exitCode = 1;')
            return Edit.insert(end, '; process.exitCode = 1')
        first = statements[0]
        source = self.text.text
        line_start = source.rfind('\n', 0, self.text.span(first)[0]) + 1
        indent = source[line_start:self.text.span(first)[0]]
        if indent.strip():
            return None
        newline = '\r\n' if source[line_start - 2:line_start] == '\r\n' else '\n'
        semi = ';' if ends_with_semicolon else self._semicolon(statement)
        return Edit.insert(end, f'{newline}{indent}process.exitCode = 1{semi}')


def swallowed(text: str) -> list[Swallowed]:
    """Every place where the program, run by ``node``, exits 0 after a failure."""
    if 'catch' not in text and 'uncaughtException' not in text and \
            'unhandledRejection' not in text:
        return []
    return _Reader(text).run()
