"""Strict checking of request bodies, the way GitHub's schema validation rejects them.

GitHub validates JSON bodies against its OpenAPI schema and answers 422
``Invalid request.`` naming the first offending property. A client that sends
``"force": "true"`` or forgets ``sha`` must fail here too, otherwise a fake that
silently accepts it hides the bug until production.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import ApiError, invalid_request

_TYPE_NAMES = {str: "string", bool: "boolean", int: "integer", list: "array", dict: "object"}


@dataclass(frozen=True)
class Field:
    """One property of a request body: its JSON type(s), whether required, allowed values."""

    types: tuple[type, ...]
    required: bool = False
    nullable: bool = False
    enum: tuple[Any, ...] | None = None


def req(*types: type, enum: tuple[Any, ...] | None = None, nullable: bool = False) -> Field:
    return Field(types, required=True, enum=enum, nullable=nullable)


def opt(*types: type, enum: tuple[Any, ...] | None = None, nullable: bool = False) -> Field:
    return Field(types, required=False, enum=enum, nullable=nullable)


def _is(value: Any, typ: type) -> bool:
    # bool is an int subclass in Python but not a JSON integer.
    if typ is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, typ)


def _show(value: Any) -> str:
    return json.dumps(value)


def check_object(body: Any, spec: Mapping[str, Field], where: str = "") -> dict[str, Any]:
    """Validate ``body`` against ``spec``; return it as a dict or raise a GitHub-style 422."""
    if not isinstance(body, dict):
        raise invalid_request(f"For '{where or 'links/0/schema'}', {_show(body)} is not an object.")
    for name, fld in spec.items():
        if name not in body:
            if fld.required:
                raise invalid_request(f"\"{name}\" wasn't supplied.")
            continue
        value = body[name]
        if value is None:
            if fld.nullable:
                continue
            raise invalid_request(f"For 'properties/{name}', nil is not {_article(fld.types)}.")
        if not any(_is(value, t) for t in fld.types):
            raise invalid_request(f"For 'properties/{name}', {_show(value)} is not {_article(fld.types)}.")
        if fld.enum is not None and value not in fld.enum:
            raise invalid_request(
                f"For 'properties/{name}', {_show(value)} is not a member of {_show(list(fld.enum))}.")
    return body


def _article(types: tuple[type, ...]) -> str:
    names = [_TYPE_NAMES.get(t, t.__name__) for t in types]
    return " or ".join(("an " if n[0] in "aeiou" else "a ") + n for n in names)


def parse_json(raw: bytes) -> Any:
    """Decode a request body; GitHub answers 400 "Problems parsing JSON" to bad JSON."""
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "Problems parsing JSON") from None


def require_body(body: Any) -> Any:
    if body is None:
        raise invalid_request("Request body is missing.")
    return body
