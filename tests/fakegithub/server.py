"""The HTTP layer: a ThreadingHTTPServer that authenticates, injects faults, routes and logs.

Requests are served under both ``/`` and ``/api/v3/`` (GitHub Enterprise style);
object URLs in responses use the prefix the request came in on, so a client
configured either way keeps talking to the same base. ``/repositories/{id}/...``
(the form GitHub uses in pagination ``Link`` headers) is mapped to the
repository's ``/repos/{owner}/{name}/...`` routes.
"""

from __future__ import annotations

import json
import time
import traceback
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from . import handlers  # noqa: F401  (registers the routes)
from .errors import ApiError, not_found
from .faults import BAD_GATEWAY_HTML, SECONDARY_RATE_LIMIT_MESSAGE, FaultRegistry
from .requestlog import RequestLog, RequestRecord
from .routes import Ctx, Response, router
from .schema import parse_json
from .shapes import Urls
from .state import State, User

API_PREFIX = "/api/v3"


class App:
    """Turns one HTTP request into one response, with the fake's side effects."""

    def __init__(self, state: State, faults: FaultRegistry, log: RequestLog) -> None:
        self.state = state
        self.faults = faults
        self.log = log
        self.server_url = ""  # set once the port is known
        self.errors: list[str] = []  # tracebacks of handler crashes (bugs in the fake)
        self._used = 0

    # -- the request pipeline ------------------------------------------------------------------

    def handle(self, method: str, raw_path: str, headers: Any, raw_body: bytes) -> tuple[int, dict[str, str], bytes]:
        started = time.time()
        split = urllib.parse.urlsplit(raw_path)
        query = urllib.parse.parse_qsl(split.query, keep_blank_values=True)
        path, prefix = split.path, ""
        if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
            path, prefix = path[len(API_PREFIX):] or "/", API_PREFIX
        path = self._by_id(path)
        if len(path) > 1:
            path = path.rstrip("/") if not path.endswith("matching-refs/") else path
        urls = Urls(api=self.server_url + prefix, web=self.server_url)
        body: Any = None
        try:
            body = parse_json(raw_body)
        except ApiError:
            body = None
        record = RequestRecord(method, path, _query_dict(query), body, 0, started, 0.0, None, None)
        try:
            status, out_headers, payload = self._pipeline(method, path, query, headers, raw_body, urls, record)
        except Exception:  # a bug in the fake: answer 500 and make it visible to the test
            self.errors.append(traceback.format_exc())
            status, out_headers, payload = self._json(500, {"message": "Server Error"})
        record.status = status
        record.duration = time.time() - started
        self.log.append(record)
        return status, out_headers, payload

    def _pipeline(self, method: str, path: str, query: list[tuple[str, str]], headers: Any, raw_body: bytes,
                  urls: Urls, record: RequestRecord) -> tuple[int, dict[str, str], bytes]:
        fault = self.faults.take(method, path)
        apply_then_fail: int | None = None
        if fault is not None:
            record.fault = fault.kind
            if fault.kind == "status":
                if fault.status == 502:
                    return 502, {"Content-Type": "text/html"}, BAD_GATEWAY_HTML.encode()
                return self._json(fault.status, ApiError(fault.status, fault.message).body())
            if fault.kind == "secondary_rate_limit":
                message = SECONDARY_RATE_LIMIT_MESSAGE.format(request_id=self._request_id())
                body = ApiError(403, message, documentation_url="https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits").body()
                return self._json(403, body, {"Retry-After": str(fault.retry_after)})
            if fault.kind == "slow":
                time.sleep(fault.seconds)
            elif fault.kind == "before" and fault.callback is not None:
                fault.callback()
            elif fault.kind == "apply_then_502":
                apply_then_fail = fault.status

        status, out_headers, payload = self._authenticated(method, path, query, headers, raw_body, urls, record)
        if apply_then_fail is not None:
            # The write happened; the client just never hears about it.
            return apply_then_fail, {"Content-Type": "text/html"}, BAD_GATEWAY_HTML.encode()
        return status, out_headers, payload

    def _authenticated(self, method: str, path: str, query: list[tuple[str, str]], headers: Any, raw_body: bytes,
                       urls: Urls, record: RequestRecord) -> tuple[int, dict[str, str], bytes]:
        try:
            user = self._authenticate(headers.get("Authorization"))
            record.login = user.login
            matched = router.match(method, path)
            if matched is None:
                raise not_found()
            route, params = matched
            record.route = route.template
            ctx = Ctx(self.state, urls, user, method, path, query, parse_json(raw_body))
            if route.locked:
                with self.state.lock:
                    response = route.handler(ctx, **params)
            else:
                response = route.handler(ctx, **params)
        except ApiError as err:
            return self._json(err.status, err.body(), err.headers)
        return self._respond(response)

    def _authenticate(self, header: str | None) -> User:
        if not header:
            raise ApiError(401, "Requires authentication")
        scheme, _, token = header.partition(" ")
        if scheme.lower() not in ("token", "bearer") or not token.strip():
            raise ApiError(401, "Bad credentials")
        user = self.state.token_user(token.strip())
        if user is None:
            raise ApiError(401, "Bad credentials")
        return user

    def _by_id(self, path: str) -> str:
        if not path.startswith("/repositories/"):
            return path
        _, _, rest = path.partition("/repositories/")
        ident, sep, tail = rest.partition("/")
        repo = self.state.repos_by_id.get(int(ident)) if ident.isdigit() else None
        if repo is None:
            return path
        return f"/repos/{repo.full_name}" + (f"/{tail}" if sep else "")

    # -- responses -----------------------------------------------------------------------------------

    def _respond(self, response: Response) -> tuple[int, dict[str, str], bytes]:
        if response.status == 204 or response.body is None:
            return response.status, dict(response.headers), b""
        return self._json(response.status, response.body, response.headers)

    def _json(self, status: int, body: Any, extra: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        headers = {"Content-Type": "application/json; charset=utf-8"}
        headers.update(extra or {})
        return status, headers, json.dumps(body).encode()

    def common_headers(self) -> dict[str, str]:
        self._used += 1
        return {
            "X-GitHub-Api-Version-Selected": "2022-11-28",
            "X-GitHub-Media-Type": "github.v3; format=json",
            "X-GitHub-Request-Id": self._request_id(),
            "X-RateLimit-Limit": "5000",
            "X-RateLimit-Remaining": str(max(0, 5000 - self._used)),
            "X-RateLimit-Reset": str(int(time.time()) + 3600),
            "X-RateLimit-Used": str(self._used),
            "X-RateLimit-Resource": "core",
        }

    @staticmethod
    def _request_id() -> str:
        return uuid.uuid4().hex[:20].upper()


def _query_dict(query: list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for k, v in query:
        out.setdefault(k, []).append(v)
    return out


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 so the client's keep-alive connection pool behaves as with GitHub.
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle's algorithm and the
    # client's delayed ACK every request would stall ~40 ms.
    disable_nagle_algorithm = True
    server: FakeGitHubServer

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        method = "GET" if self.command == "HEAD" else self.command
        status, headers, payload = self.server.app.handle(method, self.path, self.headers, raw)
        headers = {**self.server.app.common_headers(), **headers}
        try:
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (a timeout fault); the request was still handled.
            self.close_connection = True

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = _serve

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # the request log replaces stderr noise


class FakeGitHubServer(ThreadingHTTPServer):
    """Binds 127.0.0.1 on an ephemeral port; one daemon thread per connection."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, app: App) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.app = app
        app.server_url = f"http://127.0.0.1:{self.server_address[1]}"
