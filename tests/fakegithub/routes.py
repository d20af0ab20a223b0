"""Routing: URL templates to handlers, the per-request context, and pagination.

Handlers register with ``@router.route("GET", "/repos/{owner}/{repo}/pulls")``.
A request that matches no (method, template) pair is answered 404 like GitHub
and flagged as unknown in the request log, so a test can assert the code under
test called nothing the fake does not model.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .errors import invalid_request
from .shapes import Urls
from .state import Repo, State, User

T = TypeVar("T")

_PLACEHOLDER = re.compile(r"\{(\w+)(?::(\w+))?\}")
_KINDS = {None: r"[^/]+", "path": r".+", "int": r"\d+"}


@dataclass
class Response:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Ctx:
    """Everything a handler needs about the request being served."""

    state: State
    urls: Urls
    user: User
    method: str
    path: str  # without the /api/v3 prefix and without the query
    query: list[tuple[str, str]]
    body: Any

    def arg(self, name: str, default: str | None = None) -> str | None:
        for k, v in self.query:
            if k == name:
                return v
        return default

    def int_arg(self, name: str, default: int) -> int:
        value = self.arg(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except ValueError:
            return default  # GitHub ignores a malformed page/per_page

    def paginate(self, items: Sequence[T], repo: Repo | None = None, *, default_per_page: int = 30,
                 max_per_page: int = 100) -> tuple[list[T], dict[str, str]]:
        """One page of ``items`` and the ``Link`` header GitHub would send with it."""
        per_page = max(1, min(self.int_arg("per_page", default_per_page), max_per_page))
        page = max(1, self.int_arg("page", 1))
        last = max(1, -(-len(items) // per_page))
        chunk = list(items[(page - 1) * per_page: page * per_page])
        links = []
        if page > 1:
            links.append((min(page - 1, last), "prev"))
        if page < last:
            links.append((page + 1, "next"))
            links.append((last, "last"))
        if page > 1:
            links.append((1, "first"))
        headers = {}
        if links:
            headers["Link"] = ", ".join(f'<{self._page_url(n, repo)}>; rel="{rel}"' for n, rel in links)
        return chunk, headers

    def _page_url(self, page: int, repo: Repo | None) -> str:
        path = self.path
        if repo is not None:
            # GitHub's Link headers address repositories by id, not by name.
            prefix = f"/repos/{repo.full_name}"
            if path.lower().startswith(prefix.lower()):
                path = f"/repositories/{repo.id}{path[len(prefix):]}"
        params = [(k, v) for k, v in self.query if k != "page"] + [("page", str(page))]
        return f"{self.urls.api}{path}?{urllib.parse.urlencode(params)}"

    def bool_arg(self, name: str) -> bool:
        return (self.arg(name) or "").lower() in ("1", "true")

    def enum_arg(self, name: str, allowed: tuple[str, ...], default: str) -> str:
        value = self.arg(name, default) or default
        if value not in allowed:
            raise invalid_request(f"For 'properties/{name}', \"{value}\" is not a member of {list(allowed)}.")
        return value


Handler = Callable[..., Response]


@dataclass
class Route:
    method: str
    template: str
    regex: re.Pattern[str]
    handler: Handler
    locked: bool
    converters: dict[str, str]


class Router:
    """An ordered table of routes; the first template that matches wins."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def route(self, method: str, template: str, *, locked: bool = True) -> Callable[[Handler], Handler]:
        def register(fn: Handler) -> Handler:
            converters: dict[str, str] = {}

            def repl(m: re.Match[str]) -> str:
                converters[m[1]] = m[2] or "str"
                return f"(?P<{m[1]}>{_KINDS[m[2]]})"

            pattern = "^" + _PLACEHOLDER.sub(repl, re.escape(template).replace(r"\{", "{").replace(r"\}", "}")) + "$"
            self.routes.append(Route(method, template, re.compile(pattern), fn, locked, converters))
            return fn
        return register

    def match(self, method: str, path: str) -> tuple[Route, dict[str, Any]] | None:
        for route in self.routes:
            if route.method != method:
                continue
            m = route.regex.match(path)
            if not m:
                continue
            params: dict[str, Any] = {}
            for name, raw in m.groupdict().items():
                value = urllib.parse.unquote(raw)
                params[name] = int(value) if route.converters[name] == "int" else value
            return route, params
        return None


router = Router()


def repo_of(ctx: Ctx, owner: str, repo: str) -> Repo:
    """The repository named in the URL, hidden (404) if the caller cannot see it."""
    found = ctx.state.repo(owner, repo)
    ctx.state.require_role(found, ctx.user, "read")
    return found


def need(ctx: Ctx, repo: Repo, role: str) -> None:
    ctx.state.require_role(repo, ctx.user, role)
