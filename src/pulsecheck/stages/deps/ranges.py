"""OSV range semantics (https://ossf.github.io/osv-schema/#evaluation), one function.

A version is affected when it is listed in ``versions`` or falls in any range: walking the
range's events in version order, ``introduced`` switches "affected" on at or above it, ``fixed``
switches it off at or above it, ``last_affected`` switches it off strictly above it; ``limit``
events bound the whole range from above. ``introduced: "0"`` is below every version.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pulsecheck.stages.deps.versions import version_key

Event = Sequence[str]  # [kind, version]
_ORDER = {"introduced": 0, "fixed": 1, "last_affected": 2, "limit": 3}
_ZERO = object()


def _key(ecosystem: str, version: str, range_type: str) -> Any:
    return _ZERO if version == "0" else version_key(ecosystem, version, range_type)


def _lt(a: Any, b: Any) -> bool:
    if a is _ZERO:
        return b is not _ZERO
    if b is _ZERO:
        return False
    return bool(a < b)


def in_range(ecosystem: str, version: str, range_type: str, events: Sequence[Event]) -> bool:
    """Whether ``version`` is inside one OSV range (unparsable event versions are ignored)."""
    installed = version_key(ecosystem, version, range_type)
    if installed is None:
        return False
    keyed = []
    for kind, value in events:
        key = _key(ecosystem, value, range_type)
        if key is not None and kind in _ORDER:
            keyed.append((kind, key))
    limits = [k for kind, k in keyed if kind == "limit"]
    if limits and not any(_lt(installed, k) for k in limits if k is not _ZERO):
        return False
    ordered = _sorted(kind_key for kind_key in keyed if kind_key[0] != "limit")
    affected = False
    for kind, key in ordered:
        if kind == "introduced" and not _lt(installed, key):
            affected = True
        elif (kind == "fixed" and not _lt(installed, key)) or (kind == "last_affected" and _lt(key, installed)):
            affected = False
    return affected


def _sorted(items: Any) -> list[tuple[str, Any]]:
    import functools

    def cmp(a: tuple[str, Any], b: tuple[str, Any]) -> int:
        if _lt(a[1], b[1]):
            return -1
        if _lt(b[1], a[1]):
            return 1
        return _ORDER[a[0]] - _ORDER[b[0]]

    return sorted(items, key=functools.cmp_to_key(cmp))


def listed(ecosystem: str, version: str, versions: Sequence[str]) -> bool:
    """Whether ``version`` is in an explicit ``versions`` list (PEP 440-equal counts for PyPI)."""
    if version in versions:
        return True
    if ecosystem != "PyPI":
        return False
    key = version_key(ecosystem, version)
    return key is not None and any(version_key(ecosystem, v) == key for v in versions)


def fixed_above(ecosystem: str, version: str, range_type: str, events: Sequence[Event]) -> list[str]:
    """``fixed`` versions of a range that are above ``version`` (candidates for the upgrade)."""
    installed = version_key(ecosystem, version, range_type)
    out = []
    for kind, value in events:
        if kind != "fixed":
            continue
        key = version_key(ecosystem, value, range_type)
        if installed is not None and key is not None and installed < key:
            out.append(value)
    return out
