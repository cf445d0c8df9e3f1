"""Stream the added lines of a git history, safely, with one ``git log`` process.

``git log -p -U0`` over all refs is read as a byte stream and cut into commit-aligned
batches (:func:`stream_patch_batches`) that a pool of workers can parse
(:func:`parse_patch`) while the stream is still being read: memory stays flat whatever the
history size. :func:`iter_history` is the simple serial form.

A scanned repository is hostile: its config could name an external diff driver, a textconv
filter or an fsmonitor hook. Every git call here ignores the system and global config, turns
those off on the command line and passes ``--no-ext-diff --no-textconv``. Anything that makes
the history incomplete (git failing, a missing object, a shallow clone) goes to ``on_gap``.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from pulsecheck.sources.patch import HistoryChunk, parse_patch

GapCallback = Callable[[str], None]

COMMIT_MARK = b"\x00pulsecheck-commit "
_FORMAT = "%x00pulsecheck-commit %H%x1f%an <%ae>%x1f%aI"
BATCH_BYTES = 4 * 1024 * 1024

__all__ = ["COMMIT_MARK", "HistoryChunk", "is_git_repo", "iter_history", "list_commits", "iter_staged", "parse_patch",
           "safe_git_args", "safe_git_env", "staged_patch", "stream_patch_batches"]


def _no_gap(_message: str) -> None:
    return None


def safe_git_env() -> dict[str, str]:
    """Environment for git that ignores system/global config and never prompts or pages."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, GIT_TERMINAL_PROMPT="0",
               GIT_PAGER="cat", PAGER="cat", GIT_OPTIONAL_LOCKS="0", LC_ALL="C")
    return env


def safe_git_args() -> list[str]:
    """``git`` plus ``-c`` overrides that disable every repo-configurable code hook."""
    return ["git", "-c", "core.fsmonitor=false", "-c", "diff.external=", "-c", "core.quotePath=false",
            "-c", "core.hooksPath=/dev/null", "-c", "diff.noprefix=false", "-c", "diff.mnemonicPrefix=false",
            "-c", "diff.relative=false", "-c", "log.showSignature=false", "-c", "core.pager=cat"]


def is_git_repo(root: Path) -> bool:
    proc = subprocess.run([*safe_git_args(), "rev-parse", "--is-inside-work-tree"], cwd=root,
                          capture_output=True, env=safe_git_env(), check=False)
    return proc.returncode == 0 and proc.stdout.strip() == b"true"


def _git_out(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([*safe_git_args(), *args], cwd=root, capture_output=True, env=safe_git_env(),
                          check=False)


def _log_command(since: str | None, explicit: bool) -> list[str]:
    cmd = [*safe_git_args(), "log", "-p", "-U0", "--no-color", "--no-ext-diff", "--no-textconv",
           "--no-renames", "--full-history", "--diff-merges=dense-combined", f"--format={_FORMAT}",
           "--src-prefix=a/", "--dst-prefix=b/"]
    if explicit:
        cmd += ["--no-walk=unsorted", "--stdin"]
    elif since:
        cmd += [f"{since}..HEAD"]
    else:
        cmd += ["--all"]
    return [*cmd, "--"]


def list_commits(root: Path, *, since: str | None = None, on_gap: GapCallback = _no_gap) -> list[str]:
    """Commit ids of all refs (or ``since..HEAD``), newest first; checks shallowness once.

    Lets a caller split the history into contiguous segments for parallel ``git log``.
    """
    root = Path(root)
    _check_shallow(root, on_gap)
    if since and _git_out(root, "rev-parse", "--verify", "--quiet", f"{since}^{{commit}}").returncode != 0:
        on_gap(f"git revision {since!r} not found: its range was not scanned")
        return []
    proc = _git_out(root, "rev-list", f"{since}..HEAD" if since else "--all")
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        on_gap(f"git rev-list failed ({(detail[-1] if detail else proc.returncode)}): history not scanned")
        return []
    return proc.stdout.decode("ascii", "replace").split()


def _check_shallow(root: Path, on_gap: GapCallback) -> None:
    proc = _git_out(root, "rev-parse", "--is-shallow-repository")
    if proc.returncode == 0 and proc.stdout.strip() == b"true":
        on_gap("git history is shallow (a shallow clone): commits before the graft were not scanned")


def stream_patch_batches(
    root: Path, *, since: str | None = None, commits: Sequence[str] | None = None,
    on_gap: GapCallback = _no_gap, batch_bytes: int = BATCH_BYTES,
) -> Iterator[bytes]:
    """Yield ``git log -p`` output in batches that each start at a commit boundary.

    With ``commits``, exactly those commits are shown (a segment of :func:`list_commits`);
    otherwise all refs or ``since..HEAD``, after the shallow-clone and revision checks.
    """
    root = Path(root)
    if commits is None:
        _check_shallow(root, on_gap)
        if since and _git_out(root, "rev-parse", "--verify", "--quiet", f"{since}^{{commit}}").returncode:
            on_gap(f"git revision {since!r} not found: its range was not scanned")
            return
    elif not commits:
        return
    proc = subprocess.Popen(_log_command(since, commits is not None), cwd=root, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=safe_git_env(),
                            stdin=subprocess.PIPE if commits is not None else subprocess.DEVNULL)
    assert proc.stdout is not None and proc.stderr is not None
    if commits is not None:
        threading.Thread(target=_feed, args=(proc, commits), daemon=True).start()
    errors: list[bytes] = []
    drain = threading.Thread(target=lambda: errors.append(proc.stderr.read() if proc.stderr else b""),
                             daemon=True)
    drain.start()
    pending = b""
    finished = False
    try:
        while True:
            block = proc.stdout.read(batch_bytes)
            if not block:
                break
            pending += block
            cut = pending.rfind(COMMIT_MARK)
            if cut > 0:
                yield pending[:cut]
                pending = pending[cut:]
        if pending:
            yield pending
        finished = True
    finally:
        proc.stdout.close()
        if not finished:  # abandoned early (cancelled): stop git
            proc.kill()
        code = proc.wait()
        drain.join()
        proc.stderr.close()
        err = b"".join(errors)
    if code != 0 and finished:
        detail = err.decode("utf-8", "replace").strip().splitlines()
        reason = detail[-1] if detail else f"exit code {code}"
        on_gap(f"git log failed ({reason[:300]}): the history was not fully scanned")


def _feed(proc: subprocess.Popen[bytes], commits: Sequence[str]) -> None:
    assert proc.stdin is not None
    try:
        proc.stdin.write("".join(f"{c}\n" for c in commits).encode("ascii"))
        proc.stdin.close()
    except (BrokenPipeError, OSError):
        pass


def iter_history(
    root: Path, *, since: str | None = None, on_gap: GapCallback = _no_gap,
) -> Iterator[HistoryChunk]:
    """Every (commit, file) of added lines in the history of all refs (or ``since..HEAD``)."""
    for batch in stream_patch_batches(root, since=since, on_gap=on_gap):
        yield from parse_patch(batch)


def staged_patch(root: Path, *, on_gap: GapCallback = _no_gap) -> bytes:
    """``git diff --cached`` in the history format (commit id empty), for a pre-commit hook."""
    cmd = [*safe_git_args(), "diff", "--cached", "-p", "-U0", "--no-color", "--no-ext-diff",
           "--no-textconv", "--no-renames", "--src-prefix=a/", "--dst-prefix=b/"]
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
