"""Fault injection: make chosen requests fail the ways GitHub fails in production.

A fault matches on HTTP method and a regular expression searched in the path
(without the ``/api/v3`` prefix and without the query string) and fires a
limited number of times (``times=None``: forever). Kinds:

* ``status`` – answer 500 (JSON body) or 502 (the HTML page GitHub's edge serves)
  without touching state.
* ``secondary_rate_limit`` – 403 with ``Retry-After`` and GitHub's message.
* ``slow`` – sleep, then handle the request normally (a client with a short
  timeout gives up, yet the write still happens, as on the real service).
* ``before`` – run a callback (e.g. a human pushes to the branch) and then
  handle the request: "the ref moved under you".
* ``apply_then_502`` – handle the request (state changes!) and answer 502, so a
  client that retries a non-idempotent POST duplicates it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

BAD_GATEWAY_HTML = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>github.com</center>\r\n"
    "</body>\r\n</html>\r\n"
)
SECONDARY_RATE_LIMIT_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
    "If you reach out to GitHub Support for help, please include the request ID {request_id}."
)


@dataclass
class Fault:
    """One armed fault. ``hits`` counts how often it fired; ``remaining`` how often it still will."""

    kind: str
    method: str | None
    path: re.Pattern[str]
    remaining: int | None
    status: int = 502
    retry_after: int = 1
    seconds: float = 0.0
    callback: Callable[[], object] | None = None
    message: str = "Server Error"  # the JSON message of a ``status`` fault (not 502)
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.remaining is not None and self.remaining <= 0:
            return False
        return (self.method is None or self.method == method) and bool(self.path.search(path))

    @property
    def exhausted(self) -> bool:
        return self.remaining is not None and self.remaining <= 0


@dataclass
class FaultRegistry:
    """Armed faults, consulted by the server for every request (first match wins)."""

    faults: list[Fault] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, method: str | None, path: str, times: int | None, **kw: object) -> Fault:
        fault = Fault(kind, method.upper() if method else None, re.compile(path), times, **kw)  # type: ignore[arg-type]
        with self._lock:
            self.faults.append(fault)
        return fault

    def take(self, method: str, path: str) -> Fault | None:
        """The first armed fault matching this request, consumed once."""
        with self._lock:
            for fault in self.faults:
                if fault.matches(method, path):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                    fault.hits += 1
                    return fault
        return None

    def clear(self) -> None:
        with self._lock:
            self.faults.clear()
