"""BuildKit's own Dockerfile parser (PyPI ``dockerfile``), as the test oracle."""
from __future__ import annotations

import dockerfile
from dockerfile import GoParseError

__all__ = ['GoParseError', 'buildkit_instructions']


def buildkit_instructions(text: str) -> tuple[dockerfile.Command, ...]:
    """Parse ``text`` with BuildKit's Go parser; raises ``dockerfile.GoParseError``."""
    return dockerfile.parse_string(text)
