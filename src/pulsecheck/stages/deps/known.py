"""The releases of a package the local database has seen, for advisories that end in
``last_affected: X`` instead of ``fixed``.

OSV says "X is the last affected version" and leaves the fix to "the next release", which it
does not name. The database knows many releases of a package without a registry: every
version listed as affected and every range event of all its advisories. The first of them
above X that this advisory does not affect, and that is a release (no alpha, beta, rc, dev or
snapshot build, none of the ``x.y.99999`` stand-ins some databases write as bounds), is a
version known to be fixed; when none is known the finding says "fixed after X".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from pulsecheck.stages.deps.ranges import affected
from pulsecheck.stages.deps.versions import version_key

_MARKER = re.compile(r"(?i)(alpha|beta|rc|pre|preview|dev|snapshot|nightly|canary|(?<=\d)[ab]\d|[.-]m\d)")
_STAND_IN = re.compile(r"(?:^|\.)9{4,}(?:\.|$)")
_SEMVER_LIKE = frozenset({"npm", "Go", "crates.io", "Pub", "Hex", "NuGet"})


def is_release(ecosystem: str, version: str) -> bool:
    """A final release in ``ecosystem``'s terms, not a stand-in bound like ``4.1.99999``."""
    bare = version[1:] if version[:1] in "vV" else version
    if _STAND_IN.search(bare):
        return False
    if ecosystem == "PyPI":
        from packaging.version import InvalidVersion, Version

        try:
            return not Version(bare).is_prerelease
        except InvalidVersion:
            return False
    if ecosystem in _SEMVER_LIKE:
        return "-" not in bare  # SemVer: a hyphen starts the pre-release part
    if ecosystem == "RubyGems":
        return not any(c.isalpha() for c in bare)  # Gem::Version: any letter is a pre-release
    return not _MARKER.search(bare)  # Maven (1.2-jre is a release), Packagist (1.2-p1 is one)


def seen_versions(rows: Iterable[tuple[str, Any, list[str]]]) -> set[str]:
    """Every version named in a package's advisory rows (``versions`` lists and range events)."""
    out: set[str] = set()
    for _, ranges, versions in rows:
        out.update(versions)
        out.update(value for _, events in ranges for _, value in events if value != "0")
    return out


def first_release_after(ecosystem: str, bound: str, seen: Iterable[str], ranges: Sequence[Any],
                        versions: Sequence[str]) -> str | None:
    """The smallest seen release above ``bound`` that the advisory entry (``ranges``,
    ``versions``) does not affect, or None."""
    floor = version_key(ecosystem, bound)
    if floor is None:
        return None
    best: tuple[Any, str] | None = None
    for version in seen:
        key = version_key(ecosystem, version)
        if key is None or key <= floor or not is_release(ecosystem, version) or (best is not None and key >= best[0]):
            continue
        if not affected(ecosystem, version, ranges, versions):
            best = (key, version)
    return best[1] if best else None
