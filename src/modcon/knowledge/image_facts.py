"""Facts about a base image, in one shape for the table (``images.py``)
and for what the image's own config says (``image_config.py``)."""
from __future__ import annotations

from modcon.named_tuple import NamedTuple


class ImageFacts(NamedTuple):
    """What an image's config sets that a rule needs to know.

    ``entrypoint`` is None when the image sets no ENTRYPOINT. Otherwise it is
    the ENTRYPOINT, and ``passes_through`` tells whether that entrypoint
    script simply runs its arguments (``exec "$@"``) when the first one is a
    program name that does not start with ``-``.
    """

    entrypoint: tuple[str, ...] | None
    passes_through: bool = False
    shell: tuple[str, ...] | None = None  # a SHELL set in the image config
    source: str = ''
    # Known only when read from the image itself (None/empty: not set or not known).
    cmd: tuple[str, ...] | None = None
    user: str | None = None
    stopsignal: str | None = None
    env: tuple[tuple[str, str], ...] = ()
