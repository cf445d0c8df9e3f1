"""One pass over a repository's git history per audit, kept on scratch for every stage.

Before, the secrets stage ran its own ``git log -p`` per worker and the phi stage another one:
two passes over the same history, each holding a whole commit's patch in memory. Now the audit's
:class:`History` makes ONE pass of ``git log -p`` (a ``git rev-list`` first, so that it can resume
after an unreadable commit; on a large history two git processes, each over its own contiguous
range of commits, since one git process is the bottleneck) the first time a stage asks, and
spills its output to commit-aligned segment files (:class:`Segment`). Stages read the segments in their own worker processes, while git is
still writing later ones; the second stage to ask reuses the first one's work.

Why ``git log -p`` and not one pass over unique blobs: on the 20,000-commit benchmark corpus
``git log -p -U0`` is 143 MB of added lines, its unique blobs 870 MB of text (files that grow
are stored whole in every version): six times the text to scan.

Bounded memory: git's output is read 1 MiB at a time; a segment is cut at a commit boundary
once it passes ``segment_bytes``, at a file boundary inside one big commit, and a file that
adds more than ``file_cap`` bytes in one commit is cut there (a note says so). A commit of
3 x 300 MB text therefore never sits in memory whole, here or in a worker.

Missing objects (partial clones, fetched snapshots) do not end the pass: when git dies, the
commit it was on is retried file by file, the pass resumes at the next commit with a fresh
git process, and one gap at the end says how many commits and files could not be read.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import subprocess
import tempfile
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pulsecheck.runtime.procs import Cancelled, ProcessGroup
from pulsecheck.sources.git_history import (
    COMMIT_MARK,
    Refused,
    Repository,
    locate_repository,
    log_options,
    safe_git_env,
)

if TYPE_CHECKING:
    from pulsecheck.runtime.stage import StageRuntime

SEGMENT_BYTES = 4 * 1024 * 1024
FILE_CAP_BYTES = 32 * 1024 * 1024
READ_BYTES = 1024 * 1024
PASS_PROCESSES = 2
"""git log processes of one pass, each over its own contiguous range of commits: on a large
history one git process is the bottleneck (20,000 commits: 13 s of git against 24 s for both
scanners on 2 cores); every commit is still read exactly once."""
PARALLEL_FROM_COMMITS = 2000
MAX_RESUMES = 500
"""Restarts after a failing commit; past this many the rest of the history is a gap."""
MAX_FILE_RETRIES = 64
"""Files of one unreadable commit retried one by one; a commit touching more is skipped."""

_NL_MARK = b"\n" + COMMIT_MARK
_NL_DIFF = b"\ndiff --"


@dataclass(frozen=True, slots=True)
class Segment:
    """One file of ``git log -p`` text; starts with a commit header, ends at a line end."""

    index: int
    path: Path
    size: int


@dataclass(frozen=True, slots=True)
class HistorySummary:
    """What the pass read and what it could not; every consumer reports ``gaps`` and ``notes``."""

    state: str
    """``scanned``, ``none`` (not a git repository) or ``refused`` (see ``gaps``)."""
    commits: int
    skipped_commits: int
    skipped_files: int
    cut_files: int
    patch_bytes: int
    git_processes: int
    gaps: tuple[str, ...]
    notes: tuple[str, ...]


@contextmanager
def history_and_runtime(root: Path, stage: str, history: History | None, runtime: StageRuntime | None,
                        cancel: threading.Event) -> Iterator[tuple[History, StageRuntime]]:
    """The audit's history and the stage's runtime, or (a stage called outside the engine, a
    library call) ones made for this one scan, whose processes are killed and scratch removed after."""
    if history is not None and runtime is not None:
        yield history, runtime
        return
    from pulsecheck.runtime.stage import Runtime

    with tempfile.TemporaryDirectory(prefix=f"pulsecheck-{stage}-") as scratch:
        stage_rt = runtime or Runtime().for_stage(stage, Path(scratch), cancel)
        try:
            yield history or History(root, Path(scratch) / "history", stage_rt.runtime.sources), stage_rt
        finally:
            if runtime is None:
                stage_rt.runtime.kill_all()


class History:
    """The history of all refs (or ``since..HEAD``) of one repository, read once, on first use."""

    def __init__(self, root: Path, scratch: Path, procs: ProcessGroup | None = None, *, since: str | None = None,
                 segment_bytes: int = SEGMENT_BYTES, file_cap: int = FILE_CAP_BYTES) -> None:
        self.root = Path(root)
        self.scratch = Path(scratch)
        self.since = since
        self.segment_bytes = segment_bytes
        self.file_cap = max(file_cap, segment_bytes)
        self._procs = procs or ProcessGroup("history")
        self._cond = threading.Condition()
        self._segments: list[Segment] = []
        self._thread: threading.Thread | None = None
        self._done = False
        self._gaps: list[str] = []
        self._notes: list[str] = []
        self._ranges: dict[str, History] = {}
        self._repository: Repository | Refused | None = None
        self._located = False
        self._work = self.scratch / "empty"
        self.git_processes = 0
        self.commits = self.skipped_commits = self.skipped_files = self.patch_bytes = 0
        self.cut: list[tuple[str, str]] = []

    # -- what consumers call ------------------------------------------------------------------

    @property
    def repository(self) -> Repository | Refused | None:
        """Where the history is (None: not a git repository); from the filesystem, no git run."""
        with self._cond:
            if not self._located:
                self._repository, self._located = locate_repository(self.root), True
            return self._repository

    def for_range(self, since: str | None) -> History:
        """The history of ``since..HEAD`` (one pass of its own, shared by whoever asks for it)."""
        if not since:
            return self
        with self._cond:
            if since not in self._ranges:
                key = hashlib.sha256(since.encode("utf-8", "surrogateescape")).hexdigest()[:12]
                self._ranges[since] = History(self.root, self.scratch / f"range-{key}", self._procs, since=since,
                                              segment_bytes=self.segment_bytes, file_cap=self.file_cap)
            return self._ranges[since]

    @property
    def done(self) -> bool:
        with self._cond:
            return self._done

    def segments(self, cancel: threading.Event | None = None) -> Iterator[Segment]:
        """Every segment in order, as soon as git has written it; starts the pass if need be."""
        self._start()
        index = 0
        while True:
            with self._cond:
                while index >= len(self._segments) and not self._done:
                    if cancel is not None and cancel.is_set():
                        return
                    self._cond.wait(0.2)
                if index >= len(self._segments):
                    return
                segment = self._segments[index]
            index += 1
            yield segment

    @property
    def started(self) -> bool:
        """Whether a consumer started the pass (reading this never starts it)."""
        with self._cond:
            return self._thread is not None

    def summary(self, cancel: threading.Event | None = None) -> HistorySummary:
        """The outcome of the pass, waiting for its end (or for ``cancel``)."""
        self._start()
        with self._cond:
            while not self._done and not (cancel is not None and cancel.is_set()):
                self._cond.wait(0.2)
            repo = self._repository
            state = "none" if repo is None else "refused" if isinstance(repo, Refused) else "scanned"
            gaps = list(self._gaps)
            if not self._done:
                gaps.append("history scan cancelled before the end: not all commits were scanned")
            return HistorySummary(state, self.commits, self.skipped_commits, self.skipped_files, len(self.cut),
                                  self.patch_bytes, self.git_processes, tuple(gaps), tuple(self._notes))

    # -- the pass -----------------------------------------------------------------------------

    def _start(self) -> None:
        with self._cond:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="history-pass", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        try:
            self._build()
        except Cancelled:
            self._gaps.append("history read stopped (the audit was cancelled): not all commits were scanned")
        except Exception as exc:  # noqa: BLE001 - a broken pass is a gap for every consumer, never a crash
            self._gaps.append(f"git history could not be read ({type(exc).__name__}: {str(exc)[:200]}): "
                              "history not fully scanned")
        finally:
            with self._cond:
                self._done = True
                self._cond.notify_all()

    def _git(self, repo: Repository, *args: str) -> subprocess.CompletedProcess[bytes]:
        self._count(git_processes=1)
        return self._procs.run(repo.argv(self._work, *args), cwd=self._work, env=safe_git_env(), timeout=600)

    def _build(self) -> None:
        repo = self.repository
        if repo is None:
            return
        if isinstance(repo, Refused):
            self._gaps.append(repo.reason)
            return
        self._work.mkdir(parents=True, exist_ok=True)
        commits = self._commits(repo)
        if not commits:
            return
        self.commits = len(commits)
        parts = PASS_PROCESSES if len(commits) >= PARALLEL_FROM_COMMITS else 1
        step = -(-len(commits) // parts)
        ranges = [commits[i:i + step] for i in range(0, len(commits), step)]
        failures: list[BaseException] = []
        threads = [threading.Thread(target=self._pass_range, args=(repo, part, n, failures), daemon=True,
                                    name=f"history-pass-{n}") for n, part in enumerate(ranges)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if failures:
            raise failures[0]
        if self.skipped_commits or self.skipped_files:
            self._gaps.append(
                f"git history incomplete: {self.skipped_commits} of {len(commits)} commits and "
                f"{self.skipped_files} files in other commits could not be read (missing objects: a partial "
                "clone or a fetched snapshot); every other commit was scanned")
        if self.cut:
            path, commit = self.cut[0]
            self._notes.append(f"{len(self.cut)} file(s) added more than {self.file_cap // (1024 * 1024)} MB in "
                               f"one commit and were scanned only that far (first: {path} in {commit[:10]})")

    def _pass_range(self, repo: Repository, commits: Sequence[str], part: int,
                    failures: list[BaseException]) -> None:
        """``git log -p`` of one contiguous range of commits, resumed after each unreadable one."""
        writer = _SegmentWriter(self.scratch / f"part-{part}", self.segment_bytes, self.file_cap, self._publish,
                                self.cut)
        position, resumes = 0, 0
        try:
            while position < len(commits):
                failed = self._log(repo, commits[position:], writer)
                if failed is None:
                    break
                index, reason = failed
                resumes += 1
                if resumes > MAX_RESUMES:
                    rest = len(commits) - position - index
                    self._count(skipped_commits=rest)
                    self._gaps.append(f"git log kept failing ({reason}): {rest} commits from "
                                      f"{commits[position + index][:10]} were not scanned")
                    break
                self._retry_by_file(repo, commits[position + index], writer)
                position += index + 1
            writer.close()
        except BaseException as exc:  # noqa: BLE001 - handed to _run, which makes it a gap
            failures.append(exc)

    def _count(self, *, skipped_commits: int = 0, skipped_files: int = 0, patch_bytes: int = 0,
               git_processes: int = 0) -> None:
        with self._cond:
            self.skipped_commits += skipped_commits
            self.skipped_files += skipped_files
            self.patch_bytes += patch_bytes
            self.git_processes += git_processes

    def _commits(self, repo: Repository) -> list[str]:
        shallow = self._git(repo, "rev-parse", "--is-shallow-repository")
        if shallow.returncode == 0 and shallow.stdout.strip() == b"true":
            self._gaps.append("git history is shallow (a shallow clone): commits before the graft were not scanned")
        if self.since and self._git(repo, "rev-parse", "--verify", "--quiet",
                                    f"{self.since}^{{commit}}").returncode != 0:
            self._gaps.append(f"git revision {self.since!r} not found: its range was not scanned")
            return []
        listed = self._git(repo, "rev-list", f"{self.since}..HEAD" if self.since else "--all")
        if listed.returncode != 0:
            detail = listed.stderr.decode("utf-8", "replace").strip().splitlines()
            self._gaps.append(f"git rev-list failed ({(detail[-1] if detail else listed.returncode)}): "
                              "history not scanned")
            return []
        return listed.stdout.decode("ascii", "replace").split()

    def _log(self, repo: Repository, commits: Sequence[str], writer: _SegmentWriter,
             path: bytes | None = None) -> tuple[int, str] | None:
        """Stream ``git log -p`` of ``commits`` into the writer; None when git ended well, else
        the index of the commit to retry (the one it was on) and git's last words."""
        args = [*log_options(), "--no-walk=unsorted"]
        args += [commits[0], "--", os.fsdecode(path)] if path is not None else ["--stdin", "--"]
        self._count(git_processes=1)
        proc = self._procs.popen(repo.argv(self._work, *args), cwd=self._work, env=safe_git_env(),
                                 stdin=subprocess.PIPE if path is None else subprocess.DEVNULL)
        assert proc.stdout is not None and proc.stderr is not None
        if path is None:
            threading.Thread(target=_feed, args=(proc, commits), daemon=True).start()
        tail: deque[bytes] = deque(maxlen=5)
        stderr = proc.stderr
        drain = threading.Thread(target=lambda: tail.extend(stderr), daemon=True)
        drain.start()
        writer.start_process()
        try:
            while block := proc.stdout.read(READ_BYTES):
                self._count(patch_bytes=len(block))
                writer.feed(block)
        finally:
            proc.stdout.close()
            code = proc.wait()
            drain.join()
            proc.stderr.close()
        if self._procs.killed:
            raise Cancelled("history: cancelled")
        if code == 0:
            return None
        reason = (tail[-1].decode("utf-8", "replace").strip() if tail else f"exit code {code}")[:200]
        reached = writer.abandon_commit()
        if reached is None:
            return 0, reason
        return (list(commits).index(reached) if reached in commits else 0), reason

    def _retry_by_file(self, repo: Repository, commit: str, writer: _SegmentWriter) -> None:
        """The readable files of a commit git could not show whole; the rest are counted."""
        listed = self._git(repo, "diff-tree", "-r", "--root", "-m", "--name-only", "--no-commit-id", "-z", commit)
        paths = sorted(set(listed.stdout.split(b"\0")) - {b""}) if listed.returncode == 0 else []
        if listed.returncode != 0 or len(paths) > MAX_FILE_RETRIES:
            self._count(skipped_commits=1)
            return
        for path in paths:
            if self._log(repo, [commit], writer, path=path) is not None:
                self._count(skipped_files=1)

    def _publish(self, segment: Segment) -> None:
        with self._cond:
            self._segments.append(Segment(len(self._segments) + 1, segment.path, segment.size))
            self._cond.notify_all()


def _feed(proc: subprocess.Popen[bytes], commits: Sequence[str]) -> None:
    assert proc.stdin is not None
    with contextlib.suppress(BrokenPipeError, OSError):
        proc.stdin.write("".join(f"{c}\n" for c in commits).encode("ascii"))
        proc.stdin.close()


class _SegmentWriter:
    """Cuts git's output into segment files; the pending text always starts with a commit header."""

    def __init__(self, directory: Path, segment_bytes: int, file_cap: int, publish: Callable[[Segment], None],
                 cut: list[tuple[str, str]]) -> None:
        self._dir = directory
        self._segment_bytes = segment_bytes
        self._file_cap = file_cap
        self._publish = publish
        self._cut = cut
        self._pending = bytearray()
        self._index = 0
        self._last_commit: str | None = None
        self._skipping: bytes | None = None  # the header to resume with once the cut file ends
        self._skip_tail = b""

    def start_process(self) -> None:
        self._last_commit = None
        self._skipping, self._skip_tail = None, b""

    def feed(self, data: bytes) -> None:
        """Take git's next bytes, a slice of at most one segment at a time (so that a file over
        the cap is cut even when its end arrives in the same read)."""
        for at in range(0, len(data), self._segment_bytes):
            self._feed(data[at:at + self._segment_bytes])

    def _feed(self, data: bytes) -> None:
        if self._skipping is not None:
            data = self._skip(data)
            if not data:
                return
        start = max(0, len(self._pending) - len(_NL_MARK) - 128)
        self._pending += data
        self._track(start)
        while len(self._pending) >= self._segment_bytes and self._cut_once():
            pass

    def abandon_commit(self) -> str | None:
        """Drop the pending text of the commit git was on when it died; its id, if one was seen."""
        self._skipping, self._skip_tail = None, b""
        if self._pending and self._last_commit is not None:  # else git printed nothing of it
            at = self._pending.rfind(_NL_MARK)
            del self._pending[at + 1 if at >= 0 else 0:]
        return self._last_commit

    def close(self) -> None:
        if self._pending:
            cut = self._pending.rfind(b"\n") + 1 or len(self._pending)
            self._write(bytes(self._pending[:cut]))
        self._pending = bytearray()

    def _track(self, start: int) -> None:
        """Remember the id of the last commit header seen by this git process."""
        at = self._pending.rfind(_NL_MARK, start)
        begin = at + 1 if at >= 0 else (0 if start == 0 and self._pending.startswith(COMMIT_MARK) else -1)
        if begin < 0:
            return
        field_end = self._pending.find(b"\x1f", begin, begin + len(COMMIT_MARK) + 100)
        if field_end > 0:
            self._last_commit = self._pending[begin + len(COMMIT_MARK):field_end].decode("ascii", "replace")

    def _header(self) -> bytes:
        """The header line of the commit the pending text is in (the pending text starts with one)."""
        at = self._pending.rfind(_NL_MARK)
        begin = at + 1 if at >= 0 else 0
        return bytes(self._pending[begin:self._pending.find(b"\n", begin) + 1])

    def _cut_once(self) -> bool:
        """Write one segment from the front of the pending text; False when it must wait for more."""
        p = self._pending
        at = p.rfind(_NL_MARK)
        if at > 0:
            self._write(bytes(p[:at + 1]))
            del p[:at + 1]
            return True
        head_end = p.find(b"\n") + 1
        if head_end <= 0:
            return False
        file_at = p.rfind(_NL_DIFF, head_end)
        if file_at >= head_end:  # one commit bigger than a segment: cut between its files
            header = bytes(p[:head_end])
            self._write(bytes(p[:file_at + 1]))
            self._pending = bytearray(header) + p[file_at + 1:]
            return True
        if len(p) < self._file_cap + head_end:
            return False
        # one file bigger than the cap in one commit: keep the first file_cap bytes, skip the rest
        header = bytes(p[:head_end])
        end = p.rfind(b"\n") + 1
        self._write(bytes(p[:end]))
        plus = p.find(b"\n+++ ", 0, 64 * 1024)
        path = p[plus + 5:p.find(b"\n", plus + 5)].decode("utf-8", "replace") if plus >= 0 else "?"
        self._cut.append((path.removeprefix("b/"), self._last_commit or "?"))
        self._skipping, self._skip_tail = header, bytes(p[end - 1:end])
        self._pending = bytearray()
        return False

    def _skip(self, data: bytes) -> bytes:
        """Discard the rest of a cut file; what follows its end (another file or commit) is kept."""
        header = self._skipping
        assert header is not None
        buf = self._skip_tail + data
        ends = [i for i in (buf.find(_NL_DIFF), buf.find(_NL_MARK)) if i >= 0]
        if not ends:
            self._skip_tail = buf[-len(_NL_MARK):]
            return b""
        self._skipping, self._skip_tail = None, b""
        rest = buf[min(ends) + 1:]
        return rest if rest.startswith(COMMIT_MARK) else header + rest

    def _write(self, data: bytes) -> None:
        if not data.strip():
            return
        self._index += 1
        self._dir.mkdir(parents=True, exist_ok=True)
        path = self._dir / f"segment-{self._index:06d}.patch"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        self._publish(Segment(self._index, path, len(data)))
