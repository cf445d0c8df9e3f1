"""What a lockfile parser yields: one installed (or declared) package and where it is written."""

from __future__ import annotations

import re
from dataclasses import dataclass

_PEP503 = re.compile(r"[-_.]+")


def normalize_name(ecosystem: str, name: str) -> str:
    """The name advisories are keyed by: PEP 503 for PyPI, lower-case where the registry is
    case-insensitive (NuGet, Packagist, RubyGems is not), as-is elsewhere."""
    if ecosystem == "PyPI":
        return _PEP503.sub("-", name).lower()
    if ecosystem in ("NuGet", "Packagist", "Maven"):
        return name.lower()
    return name


@dataclass(frozen=True, slots=True)
class Package:
    ecosystem: str
    name: str
    version: str
    """Exact version; "" when the manifest does not pin one (nothing can be checked then)."""
    path: str
    """Manifest or lockfile, relative to the scanned repository."""
    line: int | None = None
    direct: bool | None = None
    """True for a dependency the project declares itself, False for transitive, None if unknown."""
    dev: bool | None = None
    """True for development/test-only dependencies, None when the format does not say."""

    @property
    def key(self) -> str:
        return normalize_name(self.ecosystem, self.name)

    @property
    def purl(self) -> str:
        from pulsecheck.stages.deps.purl import purl_for

        return purl_for(self)
