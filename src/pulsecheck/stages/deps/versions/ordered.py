"""Orderings of the ecosystems whose versions are not SemVer: RubyGems, Maven, Packagist.

Each function maps a version string to a tuple key so that tuple comparison reproduces the
ecosystem's own comparison (``Gem::Version#<=>``, Maven ``ComparableVersion``, PHP
``version_compare`` after Composer normalisation).
"""

from __future__ import annotations

import re

Key = tuple[object, ...]

_SEGMENT = re.compile(r"[0-9]+|[a-z]+", re.IGNORECASE)


def rubygems_key(version: str) -> Key | None:
    """``Gem::Version``: ``1.0.a`` < ``1.0`` == ``1`` < ``1.0.1``; letters mark pre-releases."""
    text = version.strip().replace("-", ".pre.")
    segs = _SEGMENT.findall(text)
    if not segs or not segs[0].isdigit():
        return None
    items = [(1, int(s), "") if s.isdigit() else (0, 0, s) for s in segs]
    first_str = next((i for i, it in enumerate(items) if it[0] == 0), len(items))
    release, pre = items[:first_str], items[first_str:]
    while len(release) > 1 and release[-1] == (1, 0, ""):
        release.pop()
    while pre and pre[-1] == (1, 0, ""):
        pre.pop()
    return (*release, *pre, (1, 0, ""))


_MAVEN_QUALIFIERS = {"alpha": 1, "a": 1, "beta": 2, "b": 2, "milestone": 3, "m": 3, "rc": 4, "cr": 4,
                     "snapshot": 5, "": 6, "ga": 6, "final": 6, "release": 6, "sp": 7}
_MAVEN_TOKEN = re.compile(r"[0-9]+|[a-z]+", re.IGNORECASE)


def maven_key(version: str) -> Key | None:
    """Maven ``ComparableVersion``, flattened: numbers > qualifiers; release sorts after rc/snapshot."""
    tokens = _MAVEN_TOKEN.findall(version.strip().lower())
    if not tokens:
        return None
    items: list[tuple[int, int, str]] = []
    for i, tok in enumerate(tokens):
        if tok.isdigit():
            items.append((2, int(tok), ""))
            continue
        follows_digit = i + 1 < len(tokens) and tokens[i + 1].isdigit()
        if tok in ("a", "b", "m") and not follows_digit:
            items.append((1, 8, tok))
        elif tok in _MAVEN_QUALIFIERS:
            items.append((1, _MAVEN_QUALIFIERS[tok], ""))
        else:
            items.append((1, 8, tok))
    release = (1, 6, "")
    # Zeros before a qualifier or the end and release-equivalent qualifiers carry no weight:
    # ``1.0-SNAPSHOT`` == ``1-SNAPSHOT``, ``1.0.Final`` == ``1``.
    kept: list[tuple[int, int, str]] = []
    for item in reversed(items):
        nxt = kept[-1] if kept else None
        if item == release or (item == (2, 0, "") and (nxt is None or nxt[0] == 1)):
            continue
        kept.append(item)
    return (*reversed(kept), release)


_PHP_SPECIAL = {"dev": 0, "alpha": 1, "a": 1, "beta": 2, "b": 2, "rc": 3, "pl": 5, "p": 5}


def packagist_key(version: str) -> Key | None:
    """Composer: ``v`` stripped, release padded to 4 numbers, then PHP ``version_compare``."""
    text = version.strip().lower()
    text = text[1:] if text.startswith("v") else text
    if text.startswith("dev-") or not text[:1].isdigit():
        return None
    text = re.sub(r"[-_+]", ".", text)
    text = re.sub(r"(?<=\d)(?=[a-z])|(?<=[a-z])(?=\d)", ".", text)
    parts = [p for p in text.split(".") if p]
    nums: list[tuple[int, int]] = []
    while parts and parts[0].isdigit():
        nums.append((4, int(parts.pop(0))))
    nums = (nums + [(4, 0)] * 4)[: max(4, len(nums))]
    rest = [(4, int(p)) if p.isdigit() else (_PHP_SPECIAL.get(p, -1), 0) for p in parts]
    return (*nums, *rest, (4, -1))
