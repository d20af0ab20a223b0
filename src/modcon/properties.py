"""The module-container properties that every rule serves, with stable anchors.

The anchors are part of modcon's public interface: findings in every output
format link to ``<docs-url>#<anchor>``, and users bookmark them. Never rename
one; ``docs/properties.md`` must define each (a test checks it).
"""
from __future__ import annotations

import enum

DEFAULT_DOCS_URL = 'https://github.com/modcon/modcon/blob/main/docs/properties.md'


class Property(enum.Enum):
    """A property of a module container, identified by its anchor."""

    SIGNALS = ('1a', '1a-react-to-signals', 'React to signals')
    EXIT_CODES = ('1b', '1b-return-meaningful-exit-codes', 'Return meaningful exit codes')
    STANDARD_STREAMS = ('1c', '1c-use-the-standard-streams', 'Use the standard streams')
    EXPLICIT_INTERFACES = ('2', '2-explicit-interfaces', 'Explicit interfaces')
    DISPOSABLE = ('3', '3-disposable', 'Disposable')
    IMMUTABLE = ('4', '4-immutable', 'Immutable')
    SELF_CONTAINED = ('5', '5-self-contained', 'Self-contained')
    SMALL = ('6', '6-small', 'Small')

    def __init__(self, number: str, anchor: str, title: str) -> None:
        self.number = number
        self.anchor = anchor
        self.title = title

    @property
    def label(self) -> str:
        return f'{self.number} {self.title}'

    def url(self, docs_url: str = DEFAULT_DOCS_URL) -> str:
        return f'{docs_url}#{self.anchor}'
