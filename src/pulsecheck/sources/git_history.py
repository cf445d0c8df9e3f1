"""Git, safely, on a repository that may be hostile: where its history is, and how to call git.

A scanned repository controls its own config, attributes and layout. It could name an external
diff driver or a textconv filter, mark every file ``-diff`` or ``binary`` so that ``git log -p``
prints "Binary files differ" instead of a committed key, be owned by another uid (git refuses:
"dubious ownership"), be bare, set ``core.worktree`` elsewhere, or ship a ``.git`` *file*
pointing at another repository on the machine. So:

* every git call ignores the system and global config, disables every repo-configurable hook on
  the command line, never fetches (a partial clone's missing objects stay missing), ignores
  replace refs and grafts, and runs with ``--git-dir`` set explicitly, an empty scratch directory
  as both working directory and work tree (no ``.gitattributes`` of the checkout is read, a
  ``core.worktree`` elsewhere does not matter) and a per-process ``safe.directory`` naming exactly
  that git directory (right because we only read objects and never run hooks);
* :func:`locate_repository` finds the git directory from the filesystem, never by git's
  upward discovery, and refuses one that lies outside the target (:class:`Refused`), except a
  linked worktree or submodule checkout whose git directory points back at the target.

The history itself is read once per audit by :class:`pulsecheck.sources.history.History`.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pulsecheck.sources.patch import HistoryChunk, parse_patch

GapCallback = Callable[[str], None]

COMMIT_MARK = b"\x00pulsecheck-commit "
FORMAT = "%x00pulsecheck-commit %H%x1f%an <%ae>%x1f%aI"
"""Each commit's header line: a NUL (never the first byte of a patch line) and the fields."""

__all__ = ["COMMIT_MARK", "FORMAT", "HistoryChunk", "Refused", "Repository", "is_git_repo", "iter_history",
           "iter_staged", "locate_repository", "log_options", "parse_patch", "safe_git_args", "safe_git_env",
           "staged_patch"]


def _no_gap(_message: str) -> None:
    return None


def safe_git_env() -> dict[str, str]:
    """Environment for git that ignores system/global config and never prompts, pages or fetches."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, GIT_TERMINAL_PROMPT="0",
               GIT_PAGER="cat", PAGER="cat", GIT_OPTIONAL_LOCKS="0", LC_ALL="C", GIT_NO_LAZY_FETCH="1",
               GIT_NO_REPLACE_OBJECTS="1", GIT_GRAFT_FILE=os.devnull, GIT_LITERAL_PATHSPECS="1")
    return env


def safe_git_args() -> list[str]:
    """``git`` plus ``-c`` overrides that disable every repo-configurable code hook."""
    return ["git", "-c", "core.fsmonitor=false", "-c", "diff.external=", "-c", "core.quotePath=true",
            "-c", "core.hooksPath=/dev/null", "-c", "diff.noprefix=false", "-c", "diff.mnemonicPrefix=false",
            "-c", "diff.relative=false", "-c", "log.showSignature=false", "-c", "core.pager=cat",
            "-c", "core.attributesFile=/dev/null", "-c", "protocol.allow=never", "-c", "core.sshCommand=false"]


def log_options() -> list[str]:
    """``git log`` options for added lines that attributes and drivers cannot hide.

    ``--text`` makes git print every file as text whatever ``-diff``/``binary`` says; binary
    content is recognised afterwards by its NUL bytes (:func:`~.patch.drop_binary`)."""
    return ["log", "-p", "-U0", "--text", "--no-color", "--no-ext-diff", "--no-textconv", "--no-renames",
            "--full-history", "--diff-merges=dense-combined", f"--format={FORMAT}", "--src-prefix=a/",
            "--dst-prefix=b/"]


@dataclass(frozen=True, slots=True)
class Repository:
    """A git directory we may read: inside the target, or a checkout of it that points back."""

    root: Path
    git_dir: Path
    bare: bool = False
    linked: bool = False
    """A linked worktree or submodule checkout: its objects live in a git directory elsewhere."""

    def argv(self, work: Path, *args: str) -> list[str]:
        """git ``args`` on this repository, run with ``cwd=work`` (an empty scratch directory)."""
        return [*safe_git_args(), "-c", f"safe.directory={self.git_dir}", "-c", f"safe.directory={self.root}",
                "--no-replace-objects", f"--git-dir={self.git_dir}", f"--work-tree={work}", *args]


@dataclass(frozen=True, slots=True)
class Refused:
    """A repository whose history we will not read; ``reason`` is the one-line gap."""

    reason: str


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _read_small(path: Path) -> str | None:
    try:
        with path.open("rb") as fh:
            return fh.read(4096).decode("utf-8", "replace").strip()
    except OSError:
        return None


def _looks_like_git_dir(path: Path) -> bool:
    return (path / "HEAD").is_file() and (path / "objects").is_dir() and (path / "refs").is_dir()


def _points_back(git_dir: Path, dotgit: Path, root: Path) -> bool:
    """A linked worktree (``gitdir`` file) or a submodule (``core.worktree``) of this checkout."""
    back = _read_small(git_dir / "gitdir")
    if back and (git_dir / back).resolve() == dotgit.resolve():
        return True
    proc = subprocess.run([*safe_git_args(), "config", "--file", str(git_dir / "config"), "--get", "core.worktree"],
                          capture_output=True, env=safe_git_env(), check=False, cwd=tempfile.gettempdir())
    target = proc.stdout.decode("utf-8", "replace").strip()
    return proc.returncode == 0 and bool(target) and (git_dir / target).resolve() == root


def _outside_objects(git_dir: Path, root: Path) -> str | None:
    """A ``commondir`` or object alternates that would pull history from outside the target."""
    common = _read_small(git_dir / "commondir")
    if common and not _inside((git_dir / common).resolve(), root):
        return f"its git directory borrows another repository ({common})"
    alternates = _read_small(git_dir / "objects" / "info" / "alternates")
    for line in (alternates or "").splitlines():
        if line.strip() and not line.startswith("#") and \
                not _inside((git_dir / "objects" / line.strip()).resolve(), root):
            return f"its objects come partly from another repository ({line.strip()[:200]}; " \
                   "clone without --shared/--reference, or run git repack -a -d)"
    return None


def locate_repository(root: Path) -> Repository | Refused | None:
    """The git directory of ``root`` (None: not a repository), from the filesystem only.

    ``root/.git`` as a directory, or ``root`` itself when it is a bare or mirror repository, is
    read. A ``.git`` file (or symlink) naming a directory outside ``root`` is refused unless that
    directory is a linked worktree or submodule git directory pointing back at ``root``: then
    the history is this checkout's own (its objects are shared with the main repository)."""
    root = Path(root).resolve()
    dotgit = root / ".git"
    if dotgit.is_symlink() or dotgit.is_file():
        if dotgit.is_symlink():
            git_dir = dotgit.resolve()
        else:
            text = _read_small(dotgit) or ""
            if not text.startswith("gitdir:"):
                return Refused(f"{dotgit}: a .git file that is not a gitdir pointer: history not scanned")
            git_dir = (root / text[len("gitdir:"):].strip()).resolve()
        if not git_dir.is_dir():
            return Refused(f"{dotgit} points at {git_dir}, which is not a git directory: history not scanned")
        linked = not _inside(git_dir, root)
        if linked and not _points_back(git_dir, dotgit, root):
            return Refused(f"{dotgit} points at a git directory outside the target ({git_dir}): that repository's "
                           "history was not read, this one's was not scanned")
        problem = None if linked else _outside_objects(git_dir, root)
        return Refused(f"{root}: {problem}: history not scanned") if problem else \
            Repository(root, git_dir, linked=linked)
    if dotgit.is_dir():
        problem = _outside_objects(dotgit, root)
        return Refused(f"{root}: {problem}: history not scanned") if problem else Repository(root, dotgit)
    if _looks_like_git_dir(root):
        problem = _outside_objects(root, root)
        return Refused(f"{root}: {problem}: history not scanned") if problem else Repository(root, root, bare=True)
    return None


def is_git_repo(root: Path) -> bool:
    """Whether ``root`` holds a git history we would read (see :func:`locate_repository`)."""
    return isinstance(locate_repository(root), Repository)


def staged_patch(root: Path, *, on_gap: GapCallback = _no_gap) -> bytes:
    """``git diff --cached`` in the history format (commit id empty), for a pre-commit hook."""
    repo = locate_repository(root)
    if not isinstance(repo, Repository) or repo.bare:
        on_gap(repo.reason if isinstance(repo, Refused) else f"{root}: no checkout: staged changes not scanned")
        return b""
    cmd = [*safe_git_args(), "-c", f"safe.directory={repo.git_dir}", "-c", f"safe.directory={repo.root}",
           f"--git-dir={repo.git_dir}", f"--work-tree={repo.root}", "diff", "--cached", "-p", "-U0", "--text",
           "--no-color", "--no-ext-diff", "--no-textconv", "--no-renames", "--src-prefix=a/", "--dst-prefix=b/"]
    proc = subprocess.run(cmd, cwd=root, capture_output=True, env=safe_git_env(), check=False)
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        on_gap(f"git diff --cached failed ({(detail[-1] if detail else proc.returncode)}): "
               "staged changes were not scanned")
        return b""
    return COMMIT_MARK + b"\x1f\x1f\n" + proc.stdout


def iter_staged(root: Path, *, on_gap: GapCallback = _no_gap) -> Iterator[HistoryChunk]:
    """The lines added by the staged changes (``git diff --cached``), for a pre-commit hook."""
    data = staged_patch(root, on_gap=on_gap)
    if data:
        yield from parse_patch(data)


def iter_history(root: Path, *, since: str | None = None, on_gap: GapCallback = _no_gap) -> Iterator[HistoryChunk]:
    """Every (commit, file) of added lines in the history (the serial form of :class:`History`)."""
    from pulsecheck.sources.history import History
    from pulsecheck.sources.patch import drop_binary, read_segment

    with tempfile.TemporaryDirectory(prefix="pulsecheck-history-") as scratch:
        history = History(Path(root), Path(scratch), since=since)
        for segment in history.segments():
            text, _ = drop_binary(read_segment(segment.path))
            yield from parse_patch(text)
        for gap in history.summary().gaps:
            on_gap(gap)
