"""Which manifest version requirements are exact pins, per ecosystem.

A manifest names what a project asks for, not what is installed: only a requirement that
admits exactly one release (``3.10.1``, ``=3.10.1``, ``==1.2``, ``= 4.2.0``) says which
version runs. Everything else (``^4.17.0``, ``>=1.2``, ``~> 5.0``, ``*``, nothing) becomes an
empty version, which the stage reports as unchecked unless a lockfile resolves it.
"""

from __future__ import annotations

import re
from functools import lru_cache

from packaging.requirements import InvalidRequirement, Requirement

_SEMVER_EXACT = re.compile(r"^=?\s*v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)$")
_COMPOSER_EXACT = re.compile(r"^(?:==?)?\s*(v?\d+(?:\.\d+){0,3}(?:-?(?:alpha|beta|rc|patch|pl|p)\d*)?)$",
                             re.IGNORECASE)
_GEM_EXACT = re.compile(r"^(?:=\s*)?(\d+(?:\.[0-9A-Za-z]+)*)$")
_NUGET_EXACT = re.compile(r"^\[?\s*(\d+(?:\.\d+){0,3}(?:-[0-9A-Za-z.-]+)?)\s*\]?$")
_MAVEN_EXACT = re.compile(r"^\[?\s*([0-9][0-9A-Za-z.\-_]*)\s*\]?$")


def _version_of(pattern: re.Pattern[str], spec: str) -> str:
    match = pattern.match(spec.strip())
    return match.group(1) if match else ""


def npm_exact(spec: str) -> str:
    """``3.10.1``, ``=3.10.1``, ``v3.10.1`` -> ``3.10.1``; npm ranges (``1.2``, ``^1``) -> ""."""
    return _version_of(_SEMVER_EXACT, spec)


def composer_exact(spec: str) -> str:
    """Composer: ``1.0.0``, ``v1.0.0``, ``1.0`` (== 1.0.0.0) are exact; ``^``/``~``/``*``/``||`` are not."""
    return _version_of(_COMPOSER_EXACT, spec)


def gem_exact(requirements: list[str]) -> str:
    """Bundler: one requirement ``'4.2.0'`` or ``'= 4.2.0'``; ``~>``, ``>=`` or several are ranges."""
    return _version_of(_GEM_EXACT, requirements[0]) if len(requirements) == 1 else ""


def nuget_exact(spec: str) -> str:
    """NuGet: ``1.2.3`` (the lowest version it accepts, the one restore picks) or ``[1.2.3]``."""
    return _version_of(_NUGET_EXACT, spec)


def maven_exact(spec: str) -> str:
    """Maven: a literal version or ``[1.2.3]``; ranges (``[1.0,2.0)``), ``LATEST`` and properties are not."""
    return _version_of(_MAVEN_EXACT, spec)


@lru_cache(maxsize=65536)
def pep508(spec: str) -> tuple[str, str] | None:
    """(name, exact version or "") of a PEP 508 requirement; None when it is not one, or names
    a URL (nothing published to check)."""
    try:
        req = Requirement(spec)
    except InvalidRequirement:
        return None
    if req.url:
        return None
    pins = [s.version for s in req.specifier if s.operator in ("==", "===") and "*" not in s.version]
    return req.name, pins[0] if len(pins) == 1 else ""


def pep440_exact(spec: str) -> str:
    """A Pipfile or Poetry version value: ``==1.2`` (Poetry also ``1.2`` and ``=1.2``) -> ``1.2``."""
    bare = spec.strip().lstrip("=").strip()
    if bare and bare[0].isdigit() and not any(c in bare for c in "<>^~*,|! "):
        return bare
    return ""
