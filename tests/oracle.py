"""BuildKit's own Dockerfile parser (PyPI ``dockerfile``), as the test oracle."""
from __future__ import annotations

import dockerfile
from dockerfile import GoParseError

from modcon.source import undecoded_byte

__all__ = ['GoParseError', 'buildkit_instructions']


def buildkit_instructions(text: str) -> tuple[dockerfile.Command, ...]:
    """Parse ``text`` with BuildKit's Go parser; raises ``dockerfile.GoParseError``.

    A byte that is not UTF-8 (a lone surrogate, ``source.decode``) goes in as a
    private-use character: BuildKit gives no byte above ASCII a meaning, and the
    binding can neither take such a str (the process dies) nor return such bytes.
    """
    if not text.isascii():
        text = ''.join(c if (byte := undecoded_byte(c)) is None else chr(0xe000 + byte)
                       for c in text)
    return dockerfile.parse_string(text)
