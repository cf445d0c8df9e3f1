"""Deeply immutable, hashable JSON-like values for the finding model.

A Finding's ``properties`` come from stages as dicts and lists (the lines of a PHI tally, the
advisory ids of a package). Stored as they are, a reporter or the suppression step could
change what the stage saw, and ``hash(finding)`` would raise. :func:`freeze` turns them into
:class:`FrozenMap` and tuples once, at construction; :func:`thaw` gives plain JSON data back.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Set
from typing import Any


class FrozenMap(Mapping[str, Any]):
    """A read-only mapping that hashes (item assignment raises ``TypeError``)."""

    __slots__ = ("_data", "_hash")

    def __init__(self, data: Mapping[str, Any] | None = None) -> None:
        self._data: dict[str, Any] = {str(k): freeze(v) for k, v in (data or {}).items()}
        self._hash: int | None = None

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(frozenset(self._data.items()))
        return self._hash

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return self._data == dict(other.items())
        return NotImplemented

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"

    def __reduce__(self) -> tuple[type[FrozenMap], tuple[dict[str, Any]]]:
        return (FrozenMap, (self._data,))


def freeze(value: Any) -> Any:
    """``value`` with every dict made a FrozenMap and every list or set a tuple, recursively."""
    if isinstance(value, FrozenMap | str | bytes | int | float | bool) or value is None:
        return value
    if isinstance(value, Mapping):
        return FrozenMap(value)
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    if isinstance(value, Set):
        return tuple(sorted((freeze(v) for v in value), key=repr))
    return value


def thaw(value: Any) -> Any:
    """The JSON form of a frozen value: FrozenMap -> dict, tuple -> list, recursively."""
    if isinstance(value, Mapping):
        return {str(k): thaw(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [thaw(v) for v in value]
    return value
