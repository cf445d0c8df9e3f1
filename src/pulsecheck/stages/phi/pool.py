"""Scan many files on every core: a process pool once there is enough data to pay for it.

The detectors are CPU-bound Python, so threads would share one core; worker processes each
stream their own files. Results come back in submission order (stable reports) and at most a
few files per worker are in flight, so memory stays flat however many files there are. Small
scans stay in-process: starting workers costs more than it saves below ``PARALLEL_MIN_BYTES``.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from pulsecheck.stages.phi.scanfile import FileResult, scan_file

PARALLEL_MIN_BYTES = 16 * 1024 * 1024
IN_FLIGHT_PER_WORKER = 4


@dataclass(frozen=True, slots=True)
class Outcome:
    """One file's result, or the one-line reason it could not be scanned."""

    rel: str
    result: FileResult | None
    note: str | None = None


def scan_one(abs_path: str, rel: str) -> Outcome:
    try:
        return Outcome(rel, scan_file(Path(abs_path), rel))
    except UnicodeDecodeError:
        return Outcome(rel, None, f"{rel}: not UTF-8 text (binary content?), not scanned for PHI")
    except OSError as exc:
        return Outcome(rel, None, f"{rel}: unreadable ({exc.strerror or exc})")


def usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def scan_files(files: Sequence[tuple[Path, str, int]], workers: int = 0, cancel: threading.Event | None = None,
               min_bytes: int = PARALLEL_MIN_BYTES) -> Iterator[Outcome]:
    """Outcomes of ``(abs_path, rel, size)`` files, in order; ``workers=0`` means every core,
    and fewer than ``min_bytes`` in all are scanned in this process."""
    workers = min(workers or usable_cpus(), len(files))
    if workers <= 1 or sum(size for _, _, size in files) < min_bytes:
        for abs_path, rel, _ in files:
            if cancel is not None and cancel.is_set():
                return
            yield scan_one(str(abs_path), rel)
        return
    # "spawn": the caller may have threads (engine, progress), and fork would copy their locks.
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        pending: deque[Future[Outcome]] = deque()
        todo = iter(files)
        try:
            while True:
                while len(pending) < workers * IN_FLIGHT_PER_WORKER:
                    job = next(todo, None)
                    if job is None:
                        break
                    pending.append(pool.submit(scan_one, str(job[0]), job[1]))
                if not pending:
                    return
                if cancel is not None and cancel.is_set():
                    return
                yield pending.popleft().result()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
