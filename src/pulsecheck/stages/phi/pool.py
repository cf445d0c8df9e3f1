"""Scan the index's files for PHI, in the engine's isolated workers once there is enough data.

The detectors are CPU-bound Python, so threads would share one core; the stage leases worker
slots from the audit's CPU budget and runs them in ``ctx.runtime.pool`` (isolated interpreters
in the stage's scratch, killed with the stage: never ``multiprocessing``, whose spawned children
import from the repository's directory). Files come from the file index, so their text is read
once for every stage; a big file is instead streamed by the worker from disk in parts
(:mod:`.parts`) so that it, too, uses every worker. Results come back in file order and at most
a few jobs per worker are in flight. Small scans stay in-process: below :func:`~pulsecheck.runtime.cpu.parallel_min_bytes`
starting workers costs more than it saves.
"""

from __future__ import annotations

import io
import os
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from pulsecheck.runtime.cpu import parallel_min_bytes
from pulsecheck.stages.phi import parts
from pulsecheck.stages.phi.scanfile import FileResult, scan_file

if TYPE_CHECKING:
    from pulsecheck.runtime import StageRuntime
    from pulsecheck.sources.tree import FileEntry, FileIndex

IN_FLIGHT_PER_WORKER = 4


@dataclass(frozen=True, slots=True)
class Outcome:
    """One file's result, or the one-line reason it could not be scanned."""

    rel: str
    result: FileResult | None
    note: str | None = None


class _TextFile:
    """The text the index already read, offered where :mod:`.scanfile` opens a path.

    scanfile streams from a path (``open``, ``read_text``, ``stat``); handing it this instead
    scans the shared text without a second read of the file."""

    def __init__(self, rel: str, data: bytes) -> None:
        self.name = rel.rsplit("/", 1)[-1]
        self._data = data

    def open(self, mode: str = "rb") -> io.BytesIO:
        return io.BytesIO(self._data)

    def read_text(self, encoding: str = "utf-8", errors: str = "strict") -> str:
        return self._data.decode(encoding, errors)

    def read_bytes(self) -> bytes:
        return self._data

    def stat(self) -> os.stat_result:
        return os.stat_result((0o100644, 0, 0, 1, 0, 0, len(self._data), 0, 0, 0))


def _guard(rel: str, exc: Exception) -> Outcome:
    if isinstance(exc, UnicodeDecodeError):
        return Outcome(rel, None, f"{rel}: not UTF-8 text (binary content?), not scanned for PHI")
    if isinstance(exc, OSError):
        return Outcome(rel, None, f"{rel}: unreadable ({exc.strerror or exc})")
    raise exc


def scan_text(rel: str, text: str) -> Outcome:
    """One file's text (as the index decoded it) through every PHI detector."""
    try:
        return Outcome(rel, scan_file(cast(Path, _TextFile(rel, text.encode("utf-8", "replace"))), rel))
    except (UnicodeDecodeError, OSError) as exc:
        return _guard(rel, exc)


def scan_one(abs_path: str, rel: str) -> Outcome:
    try:
        return Outcome(rel, scan_file(Path(abs_path), rel))
    except (UnicodeDecodeError, OSError) as exc:
        return _guard(rel, exc)


def scan_part(abs_path: str, rel: str, start: int, end: int) -> tuple[FileResult, int] | Outcome:
    try:
        return parts.scan_part(Path(abs_path), rel, start, end)
    except (UnicodeDecodeError, OSError) as exc:
        return _guard(rel, exc)


def scan_structure(abs_path: str, rel: str) -> FileResult | Outcome:
    try:
        return parts.scan_whole_structure(Path(abs_path), rel)
    except (UnicodeDecodeError, OSError) as exc:
        return _guard(rel, exc)


_Job = tuple[str, tuple[Any, ...]]  # ("module:function", args)
_HERE = "pulsecheck.stages.phi.pool"


class _Jobs:
    """A file's jobs: its text (read from the index here), or its parts streamed from disk."""

    def __init__(self, index: FileIndex, part_bytes: int) -> None:
        self.index = index
        self.part_bytes = part_bytes

    def of(self, entry: FileEntry, split: bool = True) -> list[_Job] | Outcome:
        if entry.size <= 2 * self.part_bytes:
            text = self.index.text(entry)
            if text is None:
                return Outcome(entry.path, None, f"{entry.path}: could not be read now, not scanned for PHI")
            return [(f"{_HERE}:scan_text", (entry.path, text))]
        path = self.index.abs_path(entry)
        if not split:
            return [(f"{_HERE}:scan_one", (str(path), entry.path))]
        try:
            ranges = parts.split_points(path, entry.size, self.part_bytes)
        except OSError:
            return [(f"{_HERE}:scan_one", (str(path), entry.path))]  # reports the error itself
        return [(f"{_HERE}:scan_structure", (str(path), entry.path))] + \
            [(f"{_HERE}:scan_part", (str(path), entry.path, a, b)) for a, b in ranges]


def scan_entries(
    index: FileIndex, entries: Sequence[FileEntry], *, runtime: StageRuntime | None = None,
    workers: int | None = None, cancel: threading.Event | None = None, min_bytes: int | None = None,
    part_bytes: int = parts.PART_BYTES,
) -> Iterator[Outcome]:
    """Outcomes of ``entries`` in order: in workers leased from ``runtime`` when there are at
    least ``min_bytes`` and more than one slot is granted, else in this process."""
    cancel = cancel or threading.Event()
    jobs = _Jobs(index, part_bytes)
    threshold = parallel_min_bytes() if min_bytes is None else min_bytes
    wanted = min(workers or (runtime.cpu.total if runtime is not None else 1), len(entries))
    if runtime is not None and wanted > 1 and sum(e.size for e in entries) >= threshold:
        with runtime.cpu.lease(wanted, cancel) as granted:
            if granted > 1:
                yield from _pooled(runtime, granted, entries, jobs, cancel)
                return
    for entry in entries:
        if cancel.is_set():
            return
        planned = jobs.of(entry, split=False)
        yield planned if isinstance(planned, Outcome) else _run_here(planned[0])


def _run_here(job: _Job) -> Outcome:
    name, args = job
    fn: Callable[..., Outcome] = {"scan_text": scan_text, "scan_one": scan_one}[name.partition(":")[2]]
    return fn(*args)


def _pooled(runtime: StageRuntime, workers: int, entries: Sequence[FileEntry], jobs: _Jobs,
            cancel: threading.Event) -> Iterator[Outcome]:
    from pulsecheck.runtime import WorkerError

    with runtime.pool(workers) as pool:
        pending: deque[tuple[str, list[Future[Any]] | Outcome]] = deque()
        todo = iter(entries)
        in_flight = 0
        while True:
            while in_flight < workers * IN_FLIGHT_PER_WORKER:
                entry = next(todo, None)
                if entry is None:
                    break
                planned = jobs.of(entry)
                if isinstance(planned, Outcome):
                    pending.append((entry.path, planned))
                    continue
                futures = [pool.submit(fn, *args) for fn, args in planned]
                pending.append((entry.path, futures))
                in_flight += len(futures)
            if not pending or cancel.is_set():
                return
            rel, waiting = pending.popleft()
            if isinstance(waiting, Outcome):
                yield waiting
                continue
            in_flight -= len(waiting)
            try:
                yield _collect(rel, [f.result() for f in waiting])
            except WorkerError as exc:
                yield Outcome(rel, None, f"{rel}: PHI worker failed ({str(exc)[:200]}), not scanned")


def _collect(rel: str, results: list[Any]) -> Outcome:
    if len(results) == 1:
        outcome: Outcome = results[0]
        return outcome
    failed = next((r for r in results if isinstance(r, Outcome)), None)
    if failed is not None:
        return failed
    return Outcome(rel, parts.merge(rel, results[1:], results[0]))
