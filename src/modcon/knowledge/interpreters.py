"""Program names of Python and pip, with or without their version: ``python``,
``python3``, ``python3.12``, ``pip3``.

String tests rather than a pattern: the resolver asks for every command it
follows, and compiling ``^python(\\d+(\\.\\d+)?)?$`` costs a cold check more
than all the tests together.
"""
from __future__ import annotations


def is_python(name: str) -> bool:
    """``python``, alone or with a version (``python3``, ``python3.12``)."""
    return _versioned(name, 'python')


def is_pip(name: str) -> bool:
    """``pip``, alone or with a version (``pip3``, ``pip3.12``)."""
    return _versioned(name, 'pip')


def _versioned(name: str, stem: str) -> bool:
    """``stem``, then nothing or digits, then optionally a dot and digits: what
    ``^stem(\\d+(\\.\\d+)?)?$`` matches (its ``$`` allows one last line break)."""
    if name.endswith('\n'):
        name = name[:-1]
    if not name.startswith(stem):
        return False
    version = name[len(stem):]
    if not version:
        return True
    major, dot, minor = version.partition('.')
    return major.isdecimal() and (not dot or minor.isdecimal())
