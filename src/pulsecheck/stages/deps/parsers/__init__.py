"""Which parser reads which file, and which entries of the file index are lockfiles and manifests.

A parser takes the file's text and its repo-relative path and returns packages, or raises
:class:`~pulsecheck.stages.deps.parsers.common.LockfileError` with a one-line reason.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pulsecheck.sources.filetypes import in_vendored_dir
from pulsecheck.sources.tree import FileEntry, FileIndex
from pulsecheck.stages.deps.package import Package
from pulsecheck.stages.deps.parsers import (
    gemfile,
    golang,
    gradle,
    json_manifest,
    manifest,
    maven,
    npm,
    pnpm,
    py_manifest,
    python,
    simple,
    yarn,
)
from pulsecheck.stages.deps.parsers.common import LockfileError, text_source
from pulsecheck.stages.deps.parsers.common import read_text as common_read_text
from pulsecheck.stages.deps.parsers.requirements import parse_requirements
from pulsecheck.stages.deps.parsers.resolve import is_manifest, settle

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
    # manifests: read when no lockfile beside them (SUPERSEDED_BY) records what is installed
    ("package.json", "npm", json_manifest.parse_package_json),
    ("composer.json", "Packagist", json_manifest.parse_composer_json),
    ("setup.py", "PyPI", py_manifest.parse_setup_py),
    ("setup.cfg", "PyPI", py_manifest.parse_setup_cfg),
    ("Pipfile", "PyPI", py_manifest.parse_pipfile),
    ("Gemfile", "RubyGems", gemfile.parse_gemfile),
    ("gems.rb", "RubyGems", gemfile.parse_gemfile),
    ("build.gradle", "Maven", gradle.parse_gradle),
    ("build.gradle.kts", "Maven", gradle.parse_gradle),
    ("*.csproj", "NuGet", maven.parse_msbuild),
    ("*.fsproj", "NuGet", maven.parse_msbuild),
    ("*.vbproj", "NuGet", maven.parse_msbuild),
    ("Directory.Packages.props", "NuGet", maven.parse_msbuild),
)
REQUIREMENTS_GLOBS = ("*requirements*.txt", "*constraints*.txt")
# A manifest whose directory also holds one of these lockfiles adds nothing but duplicates.
_SUBMODULE_PATH = re.compile(r"^\s*path\s*=\s*(.+?)\s*$", re.M)
_PY_LOCKS = ("poetry.lock", "uv.lock", "pdm.lock", "Pipfile.lock", "pylock.toml")
SUPERSEDED_BY = {"pyproject.toml": _PY_LOCKS, "setup.py": _PY_LOCKS, "setup.cfg": _PY_LOCKS,
                 "Pipfile": ("Pipfile.lock",),
                 "package.json": ("package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "bun.lock"),
                 "composer.json": ("composer.lock",), "Gemfile": ("Gemfile.lock",), "gems.rb": ("gems.locked",),
                 "build.gradle": ("gradle.lockfile",), "build.gradle.kts": ("gradle.lockfile",)}


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


def declares_ranges(rel: str) -> bool:
    """A manifest or requirements file: an entry without a version there is a range."""
    return is_manifest(rel) or is_requirements(rel)


def is_lockfile(rel: str) -> bool:
    """A file that records installed versions (go.mod and packages.config included)."""
    return parser_for(rel.rpartition("/")[2]) is not None and not is_manifest(rel)


def manifests(index: FileIndex, include_vendored: bool = False,
              excluded: Callable[[str], bool] | None = None) -> Iterator[FileEntry]:
    """Every lockfile/manifest entry of the file index (vendored trees skipped unless asked).

    Symlinks and special files named like a lockfile come too (kind ``symlink``/``special``):
    the caller refuses them with a note, never reads them."""
    entries = [e for e in index.entries if include_vendored or not in_vendored_dir(e.path)]
    names_in: dict[str, set[str]] = {}
    for e in entries:
        names_in.setdefault(e.path.rpartition("/")[0], set()).add(e.name)
    for e in entries:
        if excluded and excluded(e.path):
            continue
        siblings = names_in[e.path.rpartition("/")[0]]
        if any(lock in siblings for lock in SUPERSEDED_BY.get(e.name, ())):
            continue
        if parser_for(e.name) or is_requirements(e.path):
            yield e


def submodule_gaps(root: Path) -> list[str]:
    """Submodules named in ``.gitmodules`` that are not checked out (their lockfiles unseen)."""
    try:
        text = common_read_text(root / ".gitmodules", 1024 * 1024)
    except LockfileError:
        return []
    out = []
    for match in _SUBMODULE_PATH.finditer(text):
        rel = match.group(1).strip().strip("/")
        folder = root / rel
        if not folder.is_dir() or folder.is_symlink() or not any(folder.iterdir()):
            out.append(f"submodule {rel} not scanned (not checked out: run 'git submodule update --init')")
    return out


def parse_as(path: Path, root: Path, filename: str, result: ScanResult, text: str | None = None) -> None:
    """Parse ``path`` with the parser for ``filename``; problems become one-line messages.

    ``text`` is the file's text when the caller has it already (the file index)."""
    rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.as_posix()
    result.files.append(rel)

    def read_text(p: Path) -> str:
        return text if text is not None and p == path else common_read_text(p)

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


def scan(root: Path, include_vendored: bool = False, excluded: Callable[[str], bool] | None = None,
         tree: FileIndex | None = None) -> ScanResult:
    """Packages of every lockfile and manifest in ``tree`` (the audit's file index; without one,
    an index of ``root``). A lockfile that is a symlink is never followed (it may point out of
    the repository): a note, and a gap since its packages go unchecked."""
    index = tree if tree is not None else FileIndex(root)
    result = ScanResult()
    with text_source(lambda p: _indexed_text(index, p)):
        _scan_entries(index, include_vendored, excluded, result)
    for gap in submodule_gaps(root):
        result.problem(gap, True)
    result.packages = settle(dedupe(result.packages), declares_ranges, is_lockfile)
    return result


def _indexed_text(index: FileIndex, path: Path) -> str | None:
    """The index's cached text of ``path`` when it is a text entry of the index, else None."""
    try:
        rel = path.relative_to(index.root).as_posix()
    except ValueError:
        return None
    entry = index.get(rel)
    return index.text(entry) if entry is not None and entry.kind == "text" else None


def _scan_entries(index: FileIndex, include_vendored: bool, excluded: Callable[[str], bool] | None,
                  result: ScanResult) -> None:
    for entry in manifests(index, include_vendored, excluded):
        if entry.kind == "symlink":
            result.problem(f"{entry.path}: symlink (not followed): its packages are not checked", True)
        elif entry.kind == "special":
            result.problem(f"{entry.path}: special file (FIFO or device), not read", False)
        else:  # text, or binary/oversize/unreadable: the lockfile reader names the problem itself
            text = index.text(entry) if entry.kind == "text" else None
            parse_as(index.abs_path(entry), index.root, entry.name, result, text=text)
