"""Which parser reads which file, and the walk that finds them anywhere in a repository.

A parser takes the file's text and its repo-relative path and returns packages, or raises
:class:`~pulsecheck.stages.deps.parsers.common.LockfileError` with a one-line reason.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pulsecheck.stages.deps.package import Package
from pulsecheck.stages.deps.parsers import golang, manifest, maven, npm, pnpm, python, simple, yarn
from pulsecheck.stages.deps.parsers.common import LockfileError, read_text
from pulsecheck.stages.deps.parsers.requirements import parse_requirements

TextParser = Callable[[str, str], list[Package]]

# (file-name glob, ecosystem, parser); the first glob that matches a name wins.
PARSERS: tuple[tuple[str, str, TextParser], ...] = (
    ("poetry.lock", "PyPI", python.parse_poetry),
    ("Pipfile.lock", "PyPI", python.parse_pipfile_lock),
    ("uv.lock", "PyPI", python.parse_uv_lock),
    ("pdm.lock", "PyPI", python.parse_pdm_lock),
    ("pylock.toml", "PyPI", python.parse_pylock),
    ("pylock.*.toml", "PyPI", python.parse_pylock),
    ("pyproject.toml", "PyPI", python.parse_pyproject),
    ("package-lock.json", "npm", npm.parse_package_lock),
    ("npm-shrinkwrap.json", "npm", npm.parse_package_lock),
    ("yarn.lock", "npm", yarn.parse_yarn_lock),
    ("pnpm-lock.yaml", "npm", pnpm.parse_pnpm_lock),
    ("bun.lock", "npm", npm.parse_bun_lock),
    ("go.mod", "Go", golang.parse_go_mod),
    ("Cargo.lock", "crates.io", simple.parse_cargo_lock),
    ("Gemfile.lock", "RubyGems", simple.parse_gemfile_lock),
    ("gems.locked", "RubyGems", simple.parse_gemfile_lock),
    ("composer.lock", "Packagist", simple.parse_composer_lock),
    ("pom.xml", "Maven", maven.parse_pom),
    ("gradle.lockfile", "Maven", simple.parse_gradle_lockfile),
    ("buildscript-gradle.lockfile", "Maven", simple.parse_gradle_lockfile),
    ("packages.lock.json", "NuGet", simple.parse_nuget_lock),
    ("packages.config", "NuGet", maven.parse_packages_config),
    ("pubspec.lock", "Pub", simple.parse_pubspec_lock),
    ("mix.lock", "Hex", simple.parse_mix_lock),
    ("renv.lock", "CRAN", simple.parse_renv_lock),
)
REQUIREMENTS_GLOBS = ("*requirements*.txt", "*constraints*.txt")
SKIP_DIRS = frozenset({"node_modules", ".git", "vendor", "third_party", "site-packages", ".venv", "venv",
                       "__pycache__", ".tox", ".nox", "bower_components", ".hg", ".svn", "dist-packages"})
# A manifest whose directory also holds one of these lockfiles adds nothing but duplicates.
_SUBMODULE_PATH = re.compile(r"^\s*path\s*=\s*(.+?)\s*$", re.M)
SUPERSEDED_BY = {"pyproject.toml": ("poetry.lock", "uv.lock", "pdm.lock", "Pipfile.lock", "pylock.toml")}


@dataclass
class ScanResult:
    packages: list[Package] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    """One line per file that could not be read or entry that could not be checked."""
    files: list[str] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)
    """The problems (also in ``problems``) that leave packages unchecked: an unreadable,
    oversized or unparsable manifest, a submodule not checked out. The stage reports these as
    coverage gaps (result partial), the other problems as notes."""

    def problem(self, message: str, gap: bool) -> None:
        self.problems.append(message)
        if gap:
            self.gaps.append(message)


def parser_for(name: str) -> tuple[str, TextParser] | None:
    for pattern, ecosystem, parser in PARSERS:
        if fnmatch.fnmatchcase(name, pattern):
            return ecosystem, parser
    return None


def is_requirements(rel: str) -> bool:
    """pip requirement files: ``*requirements*.txt``, ``*constraints*.txt``, ``requirements/*.txt``."""
    parts = rel.split("/")
    if any(fnmatch.fnmatchcase(parts[-1], p) for p in REQUIREMENTS_GLOBS):
        return True
    return len(parts) >= 2 and parts[-2] == "requirements" and parts[-1].endswith(".txt")


def walk(root: Path, include_vendored: bool = False, excluded: Callable[[str], bool] | None = None
         ) -> Iterator[Path]:
    """Every lockfile/manifest under ``root`` (vendored and node_modules trees skipped).

    Iterative (a tree 1,100 levels deep must not hit the recursion limit); symlinked
    directories are not entered, and unreadable directories are skipped."""
    todo = [root]
    while todo:
        folder = todo.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            continue
        rel_dir = folder.relative_to(root).as_posix()
        prefix = "" if rel_dir == "." else f"{rel_dir}/"
        names = {e.name for e in entries}
        subdirs: list[Path] = []
        for entry in entries:
            rel = f"{prefix}{entry.name}"
            if entry.is_dir(follow_symlinks=False):
                if (include_vendored or entry.name not in SKIP_DIRS) and not (excluded and excluded(rel)):
                    subdirs.append(Path(entry.path))
                continue
            if excluded and excluded(rel):
                continue
            if any(lock in names for lock in SUPERSEDED_BY.get(entry.name, ())):
                continue
            if parser_for(entry.name) or is_requirements(rel):
                yield Path(entry.path)
        todo.extend(reversed(subdirs))


def submodule_gaps(root: Path) -> list[str]:
    """Submodules named in ``.gitmodules`` that are not checked out (their lockfiles unseen)."""
    try:
        text = read_text(root / ".gitmodules", 1024 * 1024)
    except LockfileError:
        return []
    out = []
    for match in _SUBMODULE_PATH.finditer(text):
        rel = match.group(1).strip().strip("/")
        folder = root / rel
        if not folder.is_dir() or folder.is_symlink() or not any(folder.iterdir()):
            out.append(f"submodule {rel} not scanned (not checked out: run 'git submodule update --init')")
    return out


def parse_as(path: Path, root: Path, filename: str, result: ScanResult) -> None:
    """Parse ``path`` with the parser for ``filename``; problems become one-line messages."""
    rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.as_posix()
    result.files.append(rel)
    try:
        found = parser_for(filename)
        if found is None:
            req = parse_requirements(path, root)
            result.packages += req.packages
            result.problems += req.skipped
            result.gaps += req.gaps
            return
        # these lockfiles hold a dependency graph but not its roots: the manifest beside them does
        if filename == "yarn.lock":
            packages = yarn.parse_yarn_lock(read_text(path), rel, manifest.npm_requests(path.parent))
        elif filename == "poetry.lock":
            packages = python.parse_poetry(read_text(path), rel, manifest.declared(path, "PyPI"))
        else:
            packages = found[1](read_text(path), rel)
        if any(p.direct is None for p in packages):
            packages = manifest.apply(packages, manifest.declared(path, found[0]) or {})
        result.packages += packages
    except LockfileError as exc:
        result.problem(f"{rel}: {exc}", exc.gap)
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
        result.problem(f"{rel}: unexpected content ({type(exc).__name__})", True)


def dedupe(packages: list[Package]) -> list[Package]:
    """One entry per package version per manifest (includes and nested copies repeat them)."""
    unique: dict[tuple[str, str, str, str], Package] = {}
    for pkg in packages:
        unique.setdefault((pkg.ecosystem, pkg.key, pkg.version, pkg.path), pkg)
    return list(unique.values())


def scan(root: Path, include_vendored: bool = False, excluded: Callable[[str], bool] | None = None
         ) -> ScanResult:
    result = ScanResult()
    for path in walk(root, include_vendored, excluded):
        parse_as(path, root, path.name, result)
    for gap in submodule_gaps(root):
        result.problem(gap, True)
    result.packages = dedupe(result.packages)
    return result
