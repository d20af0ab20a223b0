"""Counting the Python lines a call executes: how the tests tell linear work from
quadratic without timing anything (times on a shared machine say little)."""
from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVar

T = TypeVar('T')


def lines_executed(call: Callable[[], T], where: str | None = 'modcon') -> tuple[T, int]:
    """``call()``'s result, and how many lines it executed in files whose path holds
    ``where`` (None: every file, the standard library's included)."""
    count = 0

    def trace(frame, event, arg):  # type: ignore[no-untyped-def]
        nonlocal count
        count += event == 'line'
        return trace

    def start(frame, event, arg):  # type: ignore[no-untyped-def]
        return trace if where is None or where in frame.f_code.co_filename else None

    sys.settrace(start)
    try:
        result = call()
    finally:
        sys.settrace(None)
    return result, count
