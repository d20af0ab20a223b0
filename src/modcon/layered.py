"""A map built one layer at a time whose every version stays readable, in memory
linear in the layers.

A Dockerfile's build state grows instruction by instruction: the variables set so
far, the files copied so far. Rules ask for the state each ``RUN`` sees
(``Stages.state_before``), so every version must stay answerable. A copy of the
map per version is quadratic in memory (20,000 ``ENV`` lines and a ``RUN``: 5 GB).
Here a version holds only what its layer added, on top of the version below it.

Lookups read one dict shared by all the versions grown from the same empty map,
which moves to the version asked for: forward, in build order, each layer is added
to it once; asked for an earlier version or one on another branch, it is put
together again from the first layer.
"""
from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Mapping


class _View:
    __slots__ = ('at', 'whole')

    def __init__(self, at: Layered) -> None:
        self.at = at  # the version `whole` is
        self.whole: dict[str, str] = {}


class Layered(Mapping[str, str]):
    """A version of the map. Read it at once: reading another version of the same
    family moves the dict below it (iterating while asking another one is an error)."""

    __slots__ = ('_below', '_added', '_depth', '_view')

    def __init__(self) -> None:
        """The empty map, the first version of a family."""
        self._below: Layered | None = None
        self._added: dict[str, str] = {}
        self._depth = 0
        self._view = _View(self)

    def with_layer(self, added: Mapping[str, str]) -> Layered:
        """This version with ``added`` assigned on top, in its order, as a new version
        (this one unchanged; itself when ``added`` is empty). A key assigned again
        keeps its place, as in a dict."""
        if not added:
            return self
        layer = Layered.__new__(Layered)
        layer._below = self
        layer._added = dict(added)
        layer._depth = self._depth + 1
        layer._view = self._view
        return layer

    def _whole(self) -> dict[str, str]:
        view = self._view
        if view.at is not self:
            pending: list[Layered] = []
            node = self
            while node._depth > view.at._depth:
                pending.append(node)
                node = node._below  # type: ignore[assignment]  # depth > 0: not the first
            if node is not view.at:  # an earlier version, or another branch: start over
                while node._below is not None:
                    pending.append(node)
                    node = node._below
                view.whole = {}
            for layer in reversed(pending):
                view.whole.update(layer._added)
            view.at = self
        return view.whole

    def __getitem__(self, key: str) -> str:
        return self._whole()[key]

    def __contains__(self, key: object) -> bool:
        return key in self._whole()

    def __iter__(self) -> Iterator[str]:
        return iter(self._whole())

    def __len__(self) -> int:
        return len(self._whole())

    def __repr__(self) -> str:
        return f'Layered({self._whole()!r})'
