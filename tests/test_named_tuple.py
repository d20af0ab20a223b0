"""modcon.named_tuple.NamedTuple behaves as typing.NamedTuple: the same class, built cheaper."""
from __future__ import annotations

import pickle
import subprocess
import sys
import typing

import pytest

from modcon.named_tuple import NamedTuple


def _pair(base):
    class Point(base):
        """A point."""
        x: int
        y: int = 0
        label: str = ''

        @property
        def norm(self) -> int:
            return abs(self.x) + abs(self.y)

        def moved(self, dx: int) -> Point:
            return self._replace(x=self.x + dx)

        @classmethod
        def origin(cls) -> Point:
            return cls(0)

        def __str__(self) -> str:
            return f'<{self.x}>'
    return Point


OURS = _pair(NamedTuple)
TYPINGS = _pair(typing.NamedTuple)


@pytest.mark.parametrize('make', [
    lambda P: P(1),
    lambda P: P(1, 2),
    lambda P: P(1, 2, 'a'),
    lambda P: P(x=3, label='b'),
    lambda P: P(1, label='c'),
    lambda P: P._make([4, 5, 'd']),
    lambda P: P.origin(),
    lambda P: P(1, 2).moved(3),
])
def test_same_values_and_methods_as_typing(make):
    ours, theirs = make(OURS), make(TYPINGS)
    assert tuple(ours) == tuple(theirs)
    assert repr(ours).replace('OURS', '') == repr(theirs)
    assert str(ours) == str(theirs)
    assert ours._asdict() == theirs._asdict()
    assert ours.norm == theirs.norm
    assert (ours.x, ours.y, ours.label) == (theirs.x, theirs.y, theirs.label)
    assert hash(ours) == hash(tuple(ours)) and ours == tuple(ours)
    assert isinstance(ours, tuple)


def test_class_attributes_as_typing():
    for name in ('_fields', '_field_defaults', '__match_args__', '__doc__', '__slots__'):
        assert getattr(OURS, name) == getattr(TYPINGS, name), name
    assert OURS.__name__ == 'Point' and OURS.__qualname__.endswith('_pair.<locals>.Point')
    assert OURS.__module__ == __name__
    assert OURS.x.__doc__ == TYPINGS.x.__doc__


@pytest.mark.parametrize('call', [
    lambda P: P(),
    lambda P: P(1, 2, 'a', 'extra'),
    lambda P: P(1, z=2),
    lambda P: P(1, x=2),
    lambda P: P(1)._replace(z=3),
    lambda P: P._make([1]),
])
def test_same_errors_as_typing(call):
    with pytest.raises((TypeError, ValueError)) as theirs:
        call(TYPINGS)
    with pytest.raises(theirs.type) as ours:
        call(OURS)
    assert str(ours.value).split('()')[-1] == str(theirs.value).split('()')[-1]


def test_match_by_position_and_keyword():
    match OURS(1, 2):
        case OURS(x, y=2):
            assert x == 1
        case _:
            pytest.fail('no match')


class Pickled(NamedTuple):
    name: str
    count: int = 1


def test_pickles_and_copies_as_a_tuple():
    value = Pickled('a', 3)
    assert pickle.loads(pickle.dumps(value)) == value
    assert type(pickle.loads(pickle.dumps(value))) is Pickled


def test_subclass_of_a_named_tuple_is_an_ordinary_class():
    class Labelled(Pickled):
        def shout(self) -> str:
            return self.name.upper()
    assert Labelled('a').shout() == 'A' and Labelled('a').count == 1


@pytest.mark.parametrize('body', [
    'x: int = 0\n    y: int',
    '_x: int',
    '_fields = ()\n    x: int',
    'def _make(cls): pass',
])
def test_rejects_what_typing_rejects(body):
    source = f'class Bad(NamedTuple):\n    {body}\n'
    for base in (NamedTuple, typing.NamedTuple):
        with pytest.raises((TypeError, AttributeError, ValueError)):
            exec(source, {'NamedTuple': base})


def test_defining_a_named_tuple_neither_compiles_nor_imports_typing():
    program = (
        'import builtins, sys\n'
        'from modcon.named_tuple import NamedTuple\n'
        'compiled, executed = [], []\n'
        'real_compile, real_exec = builtins.compile, builtins.exec\n'
        'builtins.compile = lambda *a, **k: compiled.append(a) or real_compile(*a, **k)\n'
        'builtins.exec = lambda *a, **k: executed.append(a) or real_exec(*a, **k)\n'
        'class A(NamedTuple):\n    a: int\n    b: str = ""\n'
        'class B(NamedTuple):\n    c: int\n    d: str = ""\n'
        'print(len(compiled), len(executed), "typing" in sys.modules)\n'
    )
    out = subprocess.run([sys.executable, '-c', program], capture_output=True, text=True, check=True)
    # No compile() (a process's first builds the ast module's types); one source run
    # for the two-argument __new__ (A), none for B of the same arity.
    assert out.stdout.split() == ['0', '1', 'False']
