"""Version ordering per ecosystem, as OSV ``ECOSYSTEM`` and ``SEMVER`` ranges require.

:func:`version_key` returns a tuple-comparable key, or None when the string is not a version
of that ecosystem (the matcher then relies on the advisory's explicit ``versions`` list only).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from packaging.version import InvalidVersion, Version

from pulsecheck.stages.deps.versions.ordered import maven_key, packagist_key, rubygems_key
from pulsecheck.stages.deps.versions.semver import semver_key

__all__ = ["MAX_VERSION_LENGTH", "SUPPORTED", "semver_key", "version_key"]


def _pypi_key(version: str) -> Any:
    try:
        return Version(version)
    except InvalidVersion:
        return None


def _nuget_key(version: str) -> Any:
    return semver_key(version, min_parts=3, fold_case=True)


def _cran_key(version: str) -> Any:
    """R package versions: integers separated by ``.`` or ``-`` (``1.2-3`` < ``1.10-0``)."""
    parts = re.split(r"[.-]", version.strip())
    if not parts or not all(p.isdigit() for p in parts):
        return None
    nums = [int(p) for p in parts]
    while len(nums) > 1 and nums[-1] == 0:
        nums.pop()
    return tuple(nums)


_ORDERINGS: dict[str, Callable[[str], Any]] = {
    "PyPI": _pypi_key,
    "npm": semver_key,
    "Go": semver_key,
    "crates.io": semver_key,
    "Pub": semver_key,
    "Hex": semver_key,
    "NuGet": _nuget_key,
    "RubyGems": rubygems_key,
    "Maven": maven_key,
    "Packagist": packagist_key,
    "CRAN": _cran_key,
}
SUPPORTED = frozenset(_ORDERINGS)


MAX_VERSION_LENGTH = 128
"""Longer strings are not versions (the longest real ones are ~60 characters); a 4,300-digit
component would otherwise raise in ``int()`` and cost quadratic time below that limit."""


@lru_cache(maxsize=65536)
def version_key(ecosystem: str, version: str, range_type: str = "ECOSYSTEM") -> Any:
    """Sort key of ``version`` in ``ecosystem`` (``SEMVER`` ranges always use SemVer); None
    for what is not a version, including anything over :data:`MAX_VERSION_LENGTH`."""
    if len(version) > MAX_VERSION_LENGTH:
        return None
    if range_type == "SEMVER":
        return semver_key(version)
    ordering = _ORDERINGS.get(ecosystem.split(":", 1)[0])
    if ordering is None:
        return rubygems_key(version)  # a lenient numeric/alpha segment order for the rest
    return ordering(version)
