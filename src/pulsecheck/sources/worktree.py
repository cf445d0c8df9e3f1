"""Walk a working tree (or any directory) for the files worth scanning.

Paths come out repo-relative and POSIX-style. Non-UTF-8 names survive as surrogateescape
strings (what ``os.fsdecode`` gives), so a hostile name can neither crash the walk nor be lost.
Everything not yielded is reported through ``on_skip(path, reason)``: ``.git``, binaries,
oversized (or sparse huge) files, symlinks (never followed: a link may point outside the
root or form a loop), and files that vanish or cannot be read.
"""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

SkipCallback = Callable[[str, str], None]

BINARY_PROBE = 8192


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One regular file to scan: ``path`` relative to the root, ``abs_path`` to open it."""

    path: str
    abs_path: Path
    size: int


def _ignore(_path: str, _reason: str) -> None:
    return None


def iter_files(
    root: Path,
    *,
    exclude: Sequence[str] = (),
    respect_gitignore: bool = True,
    max_bytes: int = 5_000_000,
    on_skip: SkipCallback = _ignore,
) -> Iterator[SourceFile]:
    """Yield the regular text files under ``root`` in a stable (sorted) order."""
    root = Path(root)
    listed = _git_listed(root) if respect_gitignore else None
    candidates = listed if listed is not None else _walk(root, on_skip)
    for rel in candidates:
        if _excluded(rel, exclude):
            continue
        full = root / rel
        try:
            st = full.lstat()
        except OSError as exc:
            on_skip(rel, f"cannot stat: {exc.strerror or exc}")
            continue
        if stat.S_ISLNK(st.st_mode):
            on_skip(rel, "symlink (not followed)")
            continue
        if not stat.S_ISREG(st.st_mode):
            if listed is not None and stat.S_ISDIR(st.st_mode):
                continue  # a submodule checkout: its own repository
            on_skip(rel, "not a regular file")
            continue
        if st.st_size > max_bytes:  # sizes first: a sparse 2 GB file is never read
            on_skip(rel, f"larger than {max_bytes} bytes ({st.st_size})")
            continue
        if st.st_size == 0:
            continue
        try:
            with full.open("rb") as fh:
                head = fh.read(BINARY_PROBE)
        except OSError as exc:
            on_skip(rel, f"unreadable: {exc.strerror or exc}")
            continue
        if b"\x00" in head:
            on_skip(rel, "binary")
            continue
        yield SourceFile(path=rel, abs_path=full, size=st.st_size)


def read_text(sf: SourceFile) -> str:
    """The file's text; undecodable bytes become U+FFFD so one bad byte never hides a file."""
    return sf.abs_path.read_bytes().decode("utf-8", errors="replace")


def _excluded(rel: str, patterns: Sequence[str]) -> bool:
    return any(fnmatch(rel, p) or rel.startswith(p.rstrip("/") + "/") for p in patterns)


def _walk(root: Path, on_skip: SkipCallback, rel_dir: str = "") -> Iterator[str]:
    """Depth-first, name-sorted walk that never enters symlinked directories or ``.git``."""
    here = root / rel_dir if rel_dir else root
    try:
        entries = sorted(os.scandir(here), key=lambda e: e.name)
    except OSError as exc:
        on_skip(rel_dir or ".", f"unreadable directory: {exc.strerror or exc}")
        return
    for entry in entries:
        if entry.name == ".git":
            continue
        name = os.fsdecode(entry.name)
        rel = f"{rel_dir}/{name}" if rel_dir else name
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
        except OSError:
            is_dir = False
        if is_dir:
            yield from _walk(root, on_skip, rel)
        else:
            yield rel


def _git_listed(root: Path) -> list[str] | None:
    """Tracked + untracked-not-ignored files when ``root`` is a git work tree, else None."""
    if not (root / ".git").exists():
        return None
    from pulsecheck.sources.git_history import safe_git_args, safe_git_env

    try:
        proc = subprocess.run(
            [*safe_git_args(), "ls-files", "-co", "--exclude-standard", "-z"],
            cwd=root, capture_output=True, env=safe_git_env(), timeout=300, check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None
    names = {os.fsdecode(raw) for raw in proc.stdout.split(b"\x00") if raw}
    return sorted(names)
