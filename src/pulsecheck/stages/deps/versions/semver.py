"""SemVer 2.0 precedence, the ordering of npm, crates.io, Go, Pub, Hex and OSV ``SEMVER`` ranges.

OSV defines ``SEMVER`` ranges by plain SemVer precedence (pre-releases sort before their
release; build metadata is ignored), so Go's ``+incompatible`` and pseudo-versions
(``v0.0.0-20200101-abcdef``, a pre-release) order correctly without special cases.
"""

from __future__ import annotations

import re

_CORE = re.compile(r"^\s*[v=V]*\s*(\d+(?:\.\d+)*)")

Key = tuple[object, ...]


def _ident(part: str, fold: bool) -> tuple[int, int, str]:
    if part.isdigit():
        return (0, int(part), "")
    return (1, 0, part.lower() if fold else part)


def semver_key(version: str, *, min_parts: int = 3, fold_case: bool = False) -> Key | None:
    """A sortable key, or None when ``version`` has no numeric core.

    Missing minor/patch count as 0 (``1.2`` == ``1.2.0``), as npm/Go advisories write them.
    """
    match = _CORE.match(version)
    if match is None:
        return None
    rest = version[match.end():].strip()
    rest = rest.split("+", 1)[0]
    nums = [int(p) for p in match.group(1).split(".")]
    while len(nums) > min_parts and nums[-1] == 0:
        nums.pop()
    nums += [0] * (min_parts - len(nums))
    if rest.startswith("-"):
        pre = rest[1:]
        ids = tuple(_ident(p, fold_case) for p in pre.split(".")) if pre else ((1, 0, ""),)
        return (tuple(nums), 0, ids)
    if rest and not rest.startswith("+"):
        # ``1.0.0beta`` (loose npm/NuGet forms): treat the tail as a pre-release.
        return (tuple(nums), 0, tuple(_ident(p, fold_case) for p in re.split(r"[.\-]", rest) if p))
    return (tuple(nums), 1, ())
