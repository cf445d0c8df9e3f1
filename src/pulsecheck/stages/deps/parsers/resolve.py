"""Manifests next to lockfiles: which declared dependencies a lockfile (or another pin of the
same project) already answers for.

A manifest says what a project asks for; a lockfile what it installs. The walker does not
read a manifest whose own directory holds its lockfile (``SUPERSEDED_BY``). This settles
the rest: a workspace member's package.json under the root's lockfile, a child pom whose
version the parent pom manages, a setup.py beside a pinned requirements.txt. A range is
resolved when the project pins that package elsewhere or is locked (same directory or above);
an exact pin is dropped only when a lockfile there already reports that very version (one
finding, not two).
"""

from __future__ import annotations

import fnmatch
import posixpath
from collections import defaultdict
from collections.abc import Callable, Iterable

from pulsecheck.stages.deps.package import Package

MANIFEST_GLOBS = ("package.json", "composer.json", "setup.py", "setup.cfg", "pyproject.toml", "Pipfile",
                  "pom.xml", "build.gradle", "build.gradle.kts", "Gemfile", "*.csproj", "*.fsproj", "*.vbproj",
                  "Directory.Packages.props")
"""Files that declare requirements (ranges allowed) rather than record what was installed."""


def is_manifest(rel: str) -> bool:
    name = rel.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatchcase(name, glob) for glob in MANIFEST_GLOBS)


def _folder(rel: str) -> str:
    return posixpath.dirname(rel)


def _covers(folders: Iterable[str], rel: str) -> bool:
    """Whether one of ``folders`` is the file's own directory or one above it."""
    here = _folder(rel)
    return any(f == "" or here == f or here.startswith(f + "/") for f in folders)


def settle(packages: list[Package], declares: Callable[[str], bool], is_lockfile: Callable[[str], bool]
           ) -> list[Package]:
    """``packages`` without the manifest entries another file of the project answers for.

    ``declares(rel)``: the file is a manifest or a requirements file (its unpinned entries are
    ranges); ``is_lockfile(rel)``: it records what is installed. A range is answered for by a pin of the same package in the project, or by a
    lockfile of the ecosystem in its directory or above (a workspace member whose dependency
    is not in the root lockfile is a sibling of the workspace, not a registry package)."""
    pinned: dict[tuple[str, str], set[str]] = defaultdict(set)
    locks: dict[str, set[str]] = defaultdict(set)
    locked: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for pkg in packages:
        if pkg.version:
            pinned[(pkg.ecosystem, pkg.key)].add(_folder(pkg.path))
            if is_lockfile(pkg.path):
                locks[pkg.ecosystem].add(_folder(pkg.path))
            if not is_manifest(pkg.path):
                locked[(pkg.ecosystem, pkg.key, pkg.version)].add(_folder(pkg.path))
    out = []
    for pkg in packages:
        if not pkg.version and declares(pkg.path) and (
                _covers(pinned.get((pkg.ecosystem, pkg.key), ()), pkg.path)
                or _covers(locks.get(pkg.ecosystem, ()), pkg.path)):
            continue
        if pkg.version and is_manifest(pkg.path) and _covers(
                locked.get((pkg.ecosystem, pkg.key, pkg.version), ()), pkg.path):
            continue
        out.append(pkg)
    return out
