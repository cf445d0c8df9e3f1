"""OSV range semantics (https://ossf.github.io/osv-schema/#evaluation), one function.

A version is affected when it is listed in ``versions`` or falls in any range: walking the
range's events in version order, ``introduced`` switches "affected" on at or above it, ``fixed``
switches it off at or above it, ``last_affected`` switches it off strictly above it; ``limit``
events bound the whole range from above. ``introduced: "0"`` is below every version.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from pulsecheck.stages.deps.versions import MAX_VERSION_LENGTH, version_key

Event = Sequence[str]  # [kind, version]
_ORDER = {"introduced": 0, "fixed": 1, "last_affected": 2, "limit": 3}
_BOTTOM: tuple[int] = (0,)


def _key(ecosystem: str, version: str, range_type: str) -> Any:
    """``(0,)`` for "0" (below everything), ``(1, key)`` otherwise, None when unparsable."""
    if version == "0":
        return _BOTTOM
    key = version_key(ecosystem, version, range_type)
    return None if key is None else (1, key)


def in_range(ecosystem: str, version: str, range_type: str, events: Sequence[Event]) -> bool:
    """Whether ``version`` is inside one OSV range (unparsable event versions are ignored)."""
    installed = _key(ecosystem, version, range_type)
    if installed is None or installed is _BOTTOM:
        return False
    keyed = []
    limits = []
    for kind, value in events:
        key = _key(ecosystem, value, range_type)
        if key is None or kind not in _ORDER:
            continue
        if kind == "limit":
            limits.append(key)
        else:
            keyed.append((key, _ORDER[kind]))
    if limits and not any(installed < k for k in limits):
        return False
    keyed.sort()
    affected = False
    for key, order in keyed:
        if order == 0:
            if installed >= key:
                affected = True
        elif order == 1:
            if installed >= key:
                affected = False
        elif installed > key:
            affected = False
    return affected


@lru_cache(maxsize=131072)
def canonical(ecosystem: str, version: str) -> str:
    """The spelling ``versions`` lists are stored in: PEP 440 canonical form for PyPI
    (``1.0.0`` -> ``1``, ``1.0RC1`` -> ``1rc1``), the string itself elsewhere."""
    if ecosystem != "PyPI" or len(version) > MAX_VERSION_LENGTH:
        return version
    from packaging.utils import canonicalize_version

    return canonicalize_version(version, strip_trailing_zero=True)


def prepare_versions(ecosystem: str, versions: Sequence[object]) -> list[str]:
    """An advisory's ``versions`` list as stored: canonical, sorted, without duplicates."""
    return sorted({canonical(ecosystem, str(v)) for v in versions})


def listed(ecosystem: str, version: str, versions: Sequence[str]) -> bool:
    """Whether ``version`` is in an explicit ``versions`` list (stored canonical, see above)."""
    return version in versions or canonical(ecosystem, version) in versions


def _events_beyond(ecosystem: str, version: str, range_type: str, events: Sequence[Event], wanted: str,
                   *, or_equal: bool) -> list[str]:
    installed = version_key(ecosystem, version, range_type)
    out = []
    for kind, value in events:
        if kind != wanted:
            continue
        key = version_key(ecosystem, value, range_type)
        if installed is not None and key is not None and (installed < key or (or_equal and installed == key)):
            out.append(value)
    return out


def fixed_above(ecosystem: str, version: str, range_type: str, events: Sequence[Event]) -> list[str]:
    """``fixed`` versions of a range that are above ``version`` (candidates for the upgrade)."""
    return _events_beyond(ecosystem, version, range_type, events, "fixed", or_equal=False)


def last_affected_at_or_above(ecosystem: str, version: str, range_type: str, events: Sequence[Event]) -> list[str]:
    """``last_affected`` versions of a range at or above ``version``: the range ends there, and
    the release after it is the fix (OSV does not say which release that is)."""
    return _events_beyond(ecosystem, version, range_type, events, "last_affected", or_equal=True)


def affected(ecosystem: str, version: str, ranges: Sequence[Any], versions: Sequence[str]) -> bool:
    """Whether ``version`` is listed or inside any of one advisory entry's ranges."""
    return listed(ecosystem, version, versions) or any(
        in_range(ecosystem, version, range_type, events) for range_type, events in ranges)
