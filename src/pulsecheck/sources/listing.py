"""The candidate paths of a working tree: ``git ls-files`` in a git work tree, else a walk.

Paths are repo-relative, POSIX, sorted; non-UTF-8 names survive as surrogateescape strings
(``os.fsdecode``). The walk is iterative (a tree 1,100 levels deep must not hit the recursion
limit), never enters ``.git`` or a symlinked directory, and prunes excluded directories.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

from pulsecheck.runtime.procs import Cancelled, ProcessGroup
from pulsecheck.sources.exclude import is_excluded
from pulsecheck.sources.git_history import Refused, locate_repository, safe_git_env

SkipCallback = Callable[[str, str], None]
_VCS_DIRS = frozenset({".git", ".hg", ".svn"})


def git_listed(root: Path, procs: ProcessGroup | None, on_note: Callable[[str], None]) -> list[str] | None:
    """Tracked + untracked-not-ignored paths when ``root`` is a git work tree, else None."""
    repo = locate_repository(root)
    if repo is None:
        return None
    if isinstance(repo, Refused):
        on_note(f"{repo.reason}; the working tree was walked instead (.gitignore not applied)")
        return None
    if repo.bare:
        on_note(f"{root}: a bare repository has no working tree: only its history is scanned")
        return []
    # Our own discovery (locate_repository) instead of git's: a checkout owned by another uid
    # (CI) is listed through a per-process safe.directory, and a .git file pointing at another
    # repository on the machine is never followed.
    argv = repo.argv(root, "ls-files", "-co", "--exclude-standard", "-z")
    try:
        if procs is not None:
            proc = procs.run(argv, cwd=root, env=safe_git_env(), timeout=300)
        else:
            proc = subprocess.run(argv, cwd=root, capture_output=True, env=safe_git_env(), timeout=300, check=False)
    except (OSError, subprocess.TimeoutExpired, Cancelled) as exc:
        on_note(f"git ls-files failed ({type(exc).__name__}): walked the directory instead (.gitignore not applied)")
        return None
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        on_note(f"git ls-files failed ({(detail[-1] if detail else proc.returncode)!s:.200}): walked the "
                "directory instead (.gitignore not applied)")
        return None
    names = {os.fsdecode(raw).rstrip("/") for raw in proc.stdout.split(b"\x00") if raw}
    return sorted(names)


def walk(root: Path, exclude: Sequence[str], on_skip: SkipCallback) -> list[str]:
    """Every non-directory path under ``root``, depth-first in name order (iterative)."""
    out: list[str] = []
    stack: list[str] = [""]
    while stack:
        rel_dir = stack.pop()
        here = os.path.join(root, rel_dir) if rel_dir else str(root)
        try:
            with os.scandir(here) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            on_skip(rel_dir or ".", f"unreadable directory ({exc.strerror or exc})")
            continue
        subdirs: list[str] = []
        for entry in entries:
            if entry.name in _VCS_DIRS:
                continue
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            if is_excluded(rel, exclude):
                continue
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            if is_dir:
                subdirs.append(rel)
            else:
                out.append(rel)
        stack.extend(reversed(subdirs))
    return out
