"""Scan the working tree's files, in the engine's worker pool once the tree is large enough.

The files come from the audit's file index, and so does their text: read once for every stage
(the profile has usually read it already). They are cut into batches of a few MB; when the
first ``serial_bytes`` (:func:`~pulsecheck.runtime.cpu.parallel_min_bytes`) (judged by the index's sizes, before anything is read) hold the whole
tree, it is scanned in-process and no worker starts. Past that, the stage leases worker slots
from the audit's CPU budget and the batches go to ``ctx.runtime.pool`` (isolated interpreters,
one Scanner each, built by :func:`.worker.init_scanner`); results come back in batch order, so
the output does not depend on which worker finished first, and only the few occurrences found
cross the pipe back.
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future
from typing import TYPE_CHECKING

from pulsecheck.runtime.cpu import parallel_min_bytes
from pulsecheck.stages.secrets.findings import Occurrence, display_path
from pulsecheck.stages.secrets.matcher import Scanner

if TYPE_CHECKING:
    from pulsecheck.runtime import StageRuntime
    from pulsecheck.sources.tree import FileEntry, FileIndex

BATCH_BYTES = 2 * 1024 * 1024
BATCH_FILES = 250

FileJob = tuple[str, str]  # (repo-relative path, text)
# (occurrences, unreadable (path, reason) pairs, files scanned, bytes scanned)
BatchResult = tuple[list[Occurrence], list[tuple[str, str]], int, int]


def scan_text(scanner: Scanner, path: str, text: str) -> list[Occurrence]:
    """Occurrences in one file's text, with 1-based line numbers."""
    out: list[Occurrence] = []
    line, pos = 1, 0
    for hit in sorted(scanner.scan(text), key=lambda h: h.line_start):
        line += text.count("\n", pos, hit.line_start)
        pos = hit.line_start
        out.append(Occurrence(hit.rule, hit.secret, path, line, hit.column, None, "", "",
                              hit.quoted, hit.verified, hit.example,
                              hit.commented))
    return out


def scan_batch(scanner: Scanner, files: list[FileJob]) -> BatchResult:
    """Scan each file of a batch (a worker job: ``scanner`` is the worker's own)."""
    found: list[Occurrence] = []
    size = 0
    for rel, text in files:
        size += len(text)
        found.extend(scan_text(scanner, rel, text))
    return found, [], len(files), size


def batches(entries: Iterable[FileEntry]) -> Iterator[list[FileEntry]]:
    """Consecutive batches of at most BATCH_BYTES (or BATCH_FILES files), in index order."""
    batch: list[FileEntry] = []
    size = 0
    for entry in entries:
        batch.append(entry)
        size += entry.size
        if size >= BATCH_BYTES or len(batch) >= BATCH_FILES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _texts(index: FileIndex, batch: Sequence[FileEntry]) -> tuple[list[FileJob], list[tuple[str, str]]]:
    """The batch's text from the index, and the files that could not be read now."""
    jobs: list[FileJob] = []
    unreadable: list[tuple[str, str]] = []
    for entry in batch:
        text = index.text(entry)
        if text is None:
            unreadable.append((entry.path, "unreadable (changed since the walk)"))
        else:
            jobs.append((entry.path, text))
    return jobs, unreadable


def scan_entries(
    scanner: Scanner, index: FileIndex, entries: Sequence[FileEntry], *, runtime: StageRuntime | None,
    workers: int, cancel: threading.Event, on_gap: Callable[[str], None], serial_bytes: int | None = None,
) -> Iterator[BatchResult]:
    """Batch results in index order: in-process up to ``serial_bytes``, then in leased workers."""
    serial_bytes = parallel_min_bytes() if serial_bytes is None else serial_bytes
    stream = batches(entries)
    ahead: list[list[FileEntry]] = []  # sizes only: looking ahead reads nothing
    ahead_bytes = 0
    if workers > 1 and runtime is not None:
        for batch in stream:
            ahead.append(batch)
            ahead_bytes += sum(e.size for e in batch)
            if ahead_bytes >= serial_bytes:
                break
    todo = itertools.chain(ahead, stream)
    if runtime is None or workers <= 1 or ahead_bytes < serial_bytes:
        yield from _in_process(scanner, index, todo, cancel)
        return
    with runtime.cpu.lease(workers, cancel) as granted:
        if granted <= 1:
            yield from _in_process(scanner, index, todo, cancel)
            return
        yield from _pooled(scanner, index, todo, runtime, granted, cancel, on_gap)


def _in_process(scanner: Scanner, index: FileIndex, todo: Iterable[list[FileEntry]],
                cancel: threading.Event) -> Iterator[BatchResult]:
    for batch in todo:
        if cancel.is_set():
            return
        jobs, unreadable = _texts(index, batch)
        found, _, count, size = scan_batch(scanner, jobs)
        yield found, unreadable, count, size


def _pooled(scanner: Scanner, index: FileIndex, todo: Iterable[list[FileEntry]], runtime: StageRuntime,
            workers: int, cancel: threading.Event, on_gap: Callable[[str], None]) -> Iterator[BatchResult]:
    from pulsecheck.runtime import WorkerError

    pending: deque[tuple[str, list[tuple[str, str]], Future[BatchResult]]] = deque()
    with runtime.pool(workers, initializer="pulsecheck.stages.secrets.worker:init_scanner",
                      initargs=(scanner.rules, scanner.allowlist)) as pool:
        batches_left = iter(todo)
        while True:
            while len(pending) < workers * 2 and not cancel.is_set():
                batch = next(batches_left, None)
                if batch is None:
                    break
                texts, unreadable = _texts(index, batch)
                pending.append((batch[0].path, unreadable,
                                pool.submit("pulsecheck.stages.secrets.tree:scan_batch", texts)))
            if not pending or cancel.is_set():
                return
            first, unreadable, future = pending.popleft()
            try:
                found, _, count, size = future.result()
            except WorkerError as exc:
                on_gap(f"working-tree worker failed ({str(exc)[:200]}): a batch of files from "
                       f"{display_path(first)} not scanned")
                found, count, size = [], 0, 0
            yield found, unreadable, count, size
