"""``NamedTuple`` with typing's class syntax, without typing's start-up cost.

A cold ``modcon check`` defines about seventy named tuples. ``typing.NamedTuple``
compiles each field's annotation into a ``ForwardRef`` (a string under
``from __future__ import annotations``: one ``compile`` per field) and
``collections.namedtuple`` evaluates a generated ``__new__`` per class; together
they were about a seventh of the check's start-up (docs/benchmarks.md). This
``NamedTuple`` builds the same class, a ``tuple`` subclass with a field
accessor per field, without evaluating or compiling anything per class: the
``__new__`` of each arity is compiled once, and each class gets a copy of it
whose argument names are the fields.

Type checkers see ``typing.NamedTuple`` itself, so a class written as::

    class Edit(NamedTuple):
        start: int
        end: int
        text: str = ''

means the same to mypy and to the interpreter. Annotations are never evaluated.
"""
from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (type checkers read the name)

if TYPE_CHECKING:
    from typing import NamedTuple as NamedTuple
else:
    import operator
    import sys

    try:
        from _collections import _tuplegetter as _field  # what collections.namedtuple uses
    except ImportError:  # pragma: no cover - other interpreters
        def _field(index, doc):
            return property(operator.itemgetter(index), doc=doc)

    _tuple_new = tuple.__new__
    _NOT_COPIED = frozenset({'__annotations__', '__module__', '__qualname__', '__dict__',
                             '__weakref__', '__orig_bases__'})
    _new_by_arity = {}

    def _new_template(arity):
        """A ``__new__`` taking ``arity`` arguments, compiled once per arity."""
        code = _new_by_arity.get(arity)
        if code is None:
            names = [f'_{i}' for i in range(arity)]
            packed = ''.join(f'{name}, ' for name in names)
            source = f'def __new__(_cls, {", ".join(names)}): return _tuple_new(_cls, ({packed}))'
            scope = {}
            # A string, not compile(): a process's first compile() builds the ast module's
            # types, ~4 % of a cold check. (Each class's copy is named after this module.)
            exec(source, {'_tuple_new': _tuple_new}, scope)
            code = _new_by_arity[arity] = scope['__new__']
        return code

    def _repr(self):
        fields = ', '.join(f'{name}={value!r}' for name, value in zip(self._fields, self))
        return f'{type(self).__name__}({fields})'

    # As collections.namedtuple's: a TypeError since Python 3.13, a ValueError before.
    _UNEXPECTED_FIELD = TypeError if sys.version_info >= (3, 13) else ValueError

    def _replace(self, /, **changes):
        result = self._make(map(changes.pop, self._fields, self))
        if changes:
            raise _UNEXPECTED_FIELD(f'Got unexpected field names: {list(changes)!r}')
        return result

    @classmethod
    def _make(cls, iterable):
        result = _tuple_new(cls, iterable)
        if len(result) != len(cls._fields):
            raise TypeError(f'Expected {len(cls._fields)} arguments, got {len(result)}')
        return result

    def _asdict(self):
        return dict(zip(self._fields, self))

    def _getnewargs(self):
        return tuple(self)

    class _NamedTupleMeta(type):
        def __new__(mcls, name, bases, namespace):
            if not bases:  # NamedTuple itself
                return super().__new__(mcls, name, bases, namespace)
            if bases != (NamedTuple,):
                raise TypeError('a NamedTuple class can only inherit from NamedTuple')
            fields = tuple(namespace.get('__annotations__', {}))
            defaults = {field: namespace[field] for field in fields if field in namespace}
            if list(defaults) != list(fields[len(fields) - len(defaults):]):
                raise TypeError(f'{name}: a field without a default follows one with a default')
            for field in fields:
                if field.startswith('_'):
                    raise ValueError(f'{name}: field names cannot start with an underscore: {field!r}')
            template = _new_template(len(fields))
            new = type(template)(
                template.__code__.replace(co_varnames=('_cls', *fields), co_name='__new__',
                                          co_qualname=f'{name}.__new__', co_filename=__name__),
                template.__globals__, '__new__', tuple(defaults.values()) or None)
            new.__qualname__ = f'{name}.__new__'
            body = {
                '__doc__': f'{name}({", ".join(fields)})',
                '__slots__': (),
                '_fields': fields,
                '_field_defaults': defaults,
                '__match_args__': fields,
                '__new__': new,
                '__repr__': _repr,
                '__getnewargs__': _getnewargs,
                '_make': _make,
                '_replace': _replace,
                '_asdict': _asdict,
            }
            body.update((field, _field(index, f'Alias for field number {index}'))
                        for index, field in enumerate(fields))
            for key, value in namespace.items():
                if key in fields or key in _NOT_COPIED:
                    continue
                if key in body and key not in ('__doc__', '__repr__'):
                    raise AttributeError(f'{name}: cannot overwrite NamedTuple attribute {key}')
                body[key] = value
            cls = type.__new__(type, name, (tuple,), body)
            cls.__module__ = namespace['__module__']
            cls.__qualname__ = namespace.get('__qualname__', name)
            return cls

    class NamedTuple(metaclass=_NamedTupleMeta):
        """Base class of named tuples: ``class Point(NamedTuple): x: int; y: int = 0``."""

__all__ = ['NamedTuple']
