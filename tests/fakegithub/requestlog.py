"""The request log: every request the fake served, for assertions in tests."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any


@dataclass
class RequestRecord:
    """One served request. ``route`` is the matched URL template, or None for an unknown route."""

    method: str
    path: str  # without the /api/v3 prefix and without the query string
    query: dict[str, list[str]]
    body: Any  # parsed JSON, or None
    status: int
    time: float  # time.time() when the request arrived
    duration: float
    route: str | None
    login: str | None  # the authenticated user, if any
    fault: str | None = None  # kind of the fault that fired, if any

    @property
    def is_write(self) -> bool:
        return self.method not in ("GET", "HEAD")


@dataclass
class RequestLog:
    records: list[RequestRecord] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def append(self, record: RequestRecord) -> None:
        with self._lock:
            self.records.append(record)

    def snapshot(self) -> list[RequestRecord]:
        with self._lock:
            return list(self.records)

    def clear(self) -> None:
        with self._lock:
            self.records.clear()
