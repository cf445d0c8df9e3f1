"""Package URLs (purl spec) for SBOMs and reports, built with ``packageurl-python``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from packageurl import PackageURL

if TYPE_CHECKING:
    from pulsecheck.stages.deps.package import Package

_TYPES = {"PyPI": "pypi", "npm": "npm", "Go": "golang", "crates.io": "cargo", "RubyGems": "gem",
          "Packagist": "composer", "Maven": "maven", "NuGet": "nuget", "Pub": "pub", "Hex": "hex", "CRAN": "cran"}


def purl_for(pkg: Package) -> str:
    ptype = _TYPES.get(pkg.ecosystem, "generic")
    namespace: str | None = None
    name = pkg.name
    if pkg.ecosystem == "PyPI":
        name = pkg.key
    elif pkg.ecosystem in ("npm", "Packagist", "Go") and "/" in name:
        namespace, name = name.rsplit("/", 1)
    elif pkg.ecosystem == "Maven" and ":" in name:
        namespace, name = name.split(":", 1)
    return PackageURL(type=ptype, namespace=namespace, name=name, version=pkg.version or None).to_string()
