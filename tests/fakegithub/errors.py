"""GitHub's error responses: the status codes and the body shape clients parse.

GitHub answers every error with ``{"message", "documentation_url", "status"}``
and, for validation failures, an ``errors`` array. PyGithub turns the message
into the exception it raises (``BadCredentialsException`` for 401 "Bad
credentials", ``UnknownObjectException`` for 404 "Not Found", and so on), so the
messages below are GitHub's own wording.
"""

from __future__ import annotations

from typing import Any

DOCS = "https://docs.github.com/rest"


class ApiError(Exception):
    """Raised by a handler to answer with a GitHub error body."""

    def __init__(self, status: int, message: str, *, errors: list[Any] | None = None,
                 documentation_url: str = DOCS, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status} {message}")
        self.status = status
        self.message = message
        self.errors = errors
        self.documentation_url = documentation_url
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"message": self.message}
        if self.errors is not None:
            out["errors"] = self.errors
        out["documentation_url"] = self.documentation_url
        out["status"] = str(self.status)
        return out


def not_found() -> ApiError:
    return ApiError(404, "Not Found")


def validation_failed(*errors: dict[str, Any] | str, doc: str = DOCS) -> ApiError:
    return ApiError(422, "Validation Failed", errors=list(errors), documentation_url=doc)


def unprocessable(message: str, doc: str = DOCS) -> ApiError:
    """A 422 whose message is the reason itself (refs, commits, trees say it this way)."""
    return ApiError(422, message, documentation_url=doc)


def invalid_request(detail: str) -> ApiError:
    """GitHub's schema-validation 422, e.g. ``Invalid request.\\n\\n"sha" wasn't supplied.``"""
    return ApiError(422, f"Invalid request.\n\n{detail}")


def empty_repository() -> ApiError:
    return ApiError(409, "Git Repository is empty.")


def forbidden_for(login_type: str) -> ApiError:
    # An App installation token is told this; a user without push access gets a 403 too.
    if login_type == "Bot":
        return ApiError(403, "Resource not accessible by integration")
    return ApiError(403, "Must have push access to repository")
