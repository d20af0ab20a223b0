"""Endpoint modules. Importing this package registers every route on ``routes.router``.

The order matters where templates overlap: more specific templates are
registered first inside each module, and modules are imported in this order.
"""

from __future__ import annotations

from . import commits, gitdata, issues, pulls, repos

__all__ = ["commits", "gitdata", "issues", "pulls", "repos"]
