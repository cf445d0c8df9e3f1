"""Scan many files on every core: a process pool once there is enough data to pay for it.

The detectors are CPU-bound Python, so threads would share one core; worker processes each
stream their own files. Results come back in submission order (stable reports) and at most a
few files per worker are in flight, so memory stays flat however many files there are. A big
file is split into parts (``parts``) so that it, too, uses every core. Small scans stay
in-process: starting workers costs more than it saves below ``PARALLEL_MIN_BYTES``.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pulsecheck.stages.phi import parts
from pulsecheck.stages.phi.scanfile import FileResult, scan_file

PARALLEL_MIN_BYTES = 16 * 1024 * 1024
IN_FLIGHT_PER_WORKER = 4


@dataclass(frozen=True, slots=True)
class Outcome:
    """One file's result, or the one-line reason it could not be scanned."""

    rel: str
    result: FileResult | None
    note: str | None = None


def _guard(rel: str, exc: Exception) -> Outcome:
    if isinstance(exc, UnicodeDecodeError):
        return Outcome(rel, None, f"{rel}: not UTF-8 text (binary content?), not scanned for PHI")
    if isinstance(exc, OSError):
        return Outcome(rel, None, f"{rel}: unreadable ({exc.strerror or exc})")
    raise exc


def scan_one(abs_path: str, rel: str) -> Outcome:
    try:
        return Outcome(rel, scan_file(Path(abs_path), rel))
    except (UnicodeDecodeError, OSError) as exc:
        return _guard(rel, exc)


def _part(abs_path: str, rel: str, start: int, end: int) -> tuple[FileResult, int] | Outcome:
    try:
        return parts.scan_part(Path(abs_path), rel, start, end)
    except (UnicodeDecodeError, OSError) as exc:
        return _guard(rel, exc)


def _structure(abs_path: str, rel: str) -> FileResult | Outcome:
    try:
        return parts.scan_whole_structure(Path(abs_path), rel)
    except (UnicodeDecodeError, OSError) as exc:
        return _guard(rel, exc)


def usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def scan_files(files: Sequence[tuple[Path, str, int]], workers: int = 0, cancel: threading.Event | None = None,
               min_bytes: int = PARALLEL_MIN_BYTES, part_bytes: int = parts.PART_BYTES) -> Iterator[Outcome]:
    """Outcomes of ``(abs_path, rel, size)`` files, in order; ``workers=0`` means every core,
    and fewer than ``min_bytes`` in all are scanned in this process. Files over two
    ``part_bytes`` are split into parts that several workers scan at once."""
    workers = min(workers or usable_cpus(), len(files))
    done = 0
    if workers > 1 and sum(size for _, _, size in files) >= min_bytes:
        try:
            for outcome in _pooled(files, workers, cancel, part_bytes):
                done += 1
                yield outcome
            return
        except BrokenProcessPool:
            pass  # a worker died (killed, or the caller's main module re-runs on import): go on here
    for abs_path, rel, _ in files[done:]:
        if cancel is not None and cancel.is_set():
            return
        yield scan_one(str(abs_path), rel)


def _pooled(files: Sequence[tuple[Path, str, int]], workers: int, cancel: threading.Event | None,
            part_bytes: int) -> Iterator[Outcome]:
    # "spawn": the caller may have threads (engine, progress), and fork would copy their locks.
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        pending: deque[tuple[str, list[Future[Any]]]] = deque()
        todo = iter(files)
        in_flight = 0
        try:
            while True:
                while in_flight < workers * IN_FLIGHT_PER_WORKER:
                    job = next(todo, None)
                    if job is None:
                        break
                    futures = _submit(pool, job, part_bytes)
                    pending.append((job[1], futures))
                    in_flight += len(futures)
                if not pending or (cancel is not None and cancel.is_set()):
                    return
                rel, futures = pending.popleft()
                in_flight -= len(futures)
                yield _collect(rel, [f.result() for f in futures])
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def _submit(pool: ProcessPoolExecutor, job: tuple[Path, str, int], part_bytes: int) -> list[Future[Any]]:
    """One future for a file, or one per part plus its structure pass for a big one."""
    path, rel, size = job
    if size <= 2 * part_bytes:
        return [pool.submit(scan_one, str(path), rel)]
    try:
        ranges = parts.split_points(path, size, part_bytes)
    except OSError:
        return [pool.submit(scan_one, str(path), rel)]  # reports the error itself
    return [pool.submit(_structure, str(path), rel)] + [pool.submit(_part, str(path), rel, a, b) for a, b in ranges]


def _collect(rel: str, results: list[Any]) -> Outcome:
    if len(results) == 1:
        outcome: Outcome = results[0]
        return outcome
    failed = next((r for r in results if isinstance(r, Outcome)), None)
    if failed is not None:
        return failed
    return Outcome(rel, parts.merge(rel, results[1:], results[0]))
