"""Scan working-tree files, in worker processes once the tree is large enough to pay for them.

The parent walks the tree (cheap: a stat and an 8 KB binary probe per file) and cuts the files
into batches of a few MB; the first ``serial_bytes`` are scanned in-process, so a small repo
never starts a process. Past that, the batches go to the same worker processes the history
scan uses (:mod:`.worker`), one driver thread each, through a bounded queue: memory stays flat
on any tree size and only the few occurrences found come back. Results are put back in batch
order, so the output does not depend on which worker finished first.
"""

from __future__ import annotations

import itertools
import pickle
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from pulsecheck.sources.worktree import SourceFile, read_text
from pulsecheck.stages.secrets.findings import Occurrence, display_path
from pulsecheck.stages.secrets.matcher import Scanner

SERIAL_BYTES = 16 * 1024 * 1024
BATCH_BYTES = 2 * 1024 * 1024
BATCH_FILES = 250

FileJob = tuple[str, str, int]  # (repo-relative path, absolute path, size)
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
                              hit.quoted, hit.verified, hit.example))
    return out


def scan_batch(scanner: Scanner, files: list[FileJob]) -> BatchResult:
    """Read and scan each file of a batch; a file that cannot be read is reported, not raised."""
    found: list[Occurrence] = []
    unreadable: list[tuple[str, str]] = []
    count = size = 0
    for rel, full, nbytes in files:
        try:
            text = read_text(SourceFile(rel, Path(full), nbytes))
        except OSError as exc:
            unreadable.append((rel, f"unreadable: {exc.strerror or exc}"))
            continue
        count += 1
        size += nbytes
        found.extend(scan_text(scanner, rel, text))
    return found, unreadable, count, size


def batches(files: Iterable[SourceFile]) -> Iterator[list[FileJob]]:
    """Consecutive batches of at most BATCH_BYTES (or BATCH_FILES files), in walk order."""
    batch: list[FileJob] = []
    size = 0
    for sf in files:
        batch.append((sf.path, str(sf.abs_path), sf.size))
        size += sf.size
        if size >= BATCH_BYTES or len(batch) >= BATCH_FILES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def scan_files(
    scanner: Scanner, files: Iterable[SourceFile], *, workers: int, cancel: threading.Event,
    on_gap: Callable[[str], None], serial_bytes: int = SERIAL_BYTES,
) -> Iterator[BatchResult]:
    """Batch results in walk order: in-process up to ``serial_bytes``, then in ``workers`` processes."""
    from pulsecheck.stages.secrets.history import spawn_worker

    stream = batches(files)
    ahead: list[list[FileJob]] = []  # paths only: looking ahead costs no file reads
    ahead_bytes = 0
    if workers > 1:
        for batch in stream:
            ahead.append(batch)
            ahead_bytes += sum(job[2] for job in batch)
            if ahead_bytes >= serial_bytes:
                break
    if workers <= 1 or ahead_bytes < serial_bytes:
        for batch in itertools.chain(ahead, stream):
            if cancel.is_set():
                return
            yield scan_batch(scanner, batch)
        return
    jobs: queue.Queue[tuple[int, list[FileJob]] | None] = queue.Queue(maxsize=workers * 2)
    results: dict[int, BatchResult] = {}
    lock = threading.Lock()
    setup = pickle.dumps((scanner.rules, scanner.allowlist), protocol=pickle.HIGHEST_PROTOCOL)

    def drive() -> None:
        proc = spawn_worker(setup)
        assert proc.stdin is not None and proc.stdout is not None
        try:
            while (item := jobs.get()) is not None:
                index, batch = item
                try:
                    pickle.dump(("files", batch), proc.stdin)
                    proc.stdin.flush()
                    got: BatchResult = pickle.load(proc.stdout)  # noqa: S301 - our own worker
                except (EOFError, OSError, pickle.UnpicklingError) as exc:
                    on_gap(f"working-tree worker failed ({str(exc) or type(exc).__name__}): {len(batch)} "
                           f"files from {display_path(batch[0][0])} not scanned")
                    got = ([], [], 0, 0)
                with lock:
                    results[index] = got
        finally:
            try:
                pickle.dump(None, proc.stdin)
                proc.stdin.close()
            except OSError:
                pass
            if cancel.is_set():
                proc.kill()
            proc.wait()

    threads = [threading.Thread(target=drive, name=f"secrets-tree-{n}", daemon=True) for n in range(workers)]
    for t in threads:
        t.start()
    next_out = 0
    try:
        for index, batch in enumerate(itertools.chain(ahead, stream)):
            if cancel.is_set():
                break
            jobs.put((index, batch))
            with lock:
                ready = []
                while next_out in results:
                    ready.append(results.pop(next_out))
                    next_out += 1
            yield from ready
    finally:
        for _ in threads:
            jobs.put(None)
        for t in threads:
            t.join()
    yield from (results.pop(i) for i in sorted(results))
