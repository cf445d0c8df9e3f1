"""Scan the audit's git history for secrets: segments of the shared History, in pool workers.

The history is read once per audit by :class:`~pulsecheck.sources.history.History` (the phi
stage reads the same segments). Each segment is scanned by a worker of the stage's runtime pool
(isolated processes, one Scanner each) while git is still writing later segments; the stage
holds a CPU lease for its workers. A history of one segment is scanned in this process, where
starting workers would cost more than it saves.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from pathlib import Path

from pulsecheck.runtime import StageRuntime, WorkerError
from pulsecheck.runtime.cpu import usable_cpus as default_workers
from pulsecheck.sources.git_history import staged_patch
from pulsecheck.sources.history import History
from pulsecheck.stages.secrets.findings import Occurrence
from pulsecheck.stages.secrets.matcher import Scanner
from pulsecheck.stages.secrets.worker import SegmentResult, scan_patch_text, scan_segment

__all__ = ["default_workers", "scan_history", "scan_staged"]

MAX_BINARY_LISTED = 5


def scan_history(
    history: History, scanner: Scanner, runtime: StageRuntime, *, workers: int, cancel: threading.Event,
    on_gap: Callable[[str], None], on_note: Callable[[str], None],
) -> tuple[list[Occurrence], int]:
    """All occurrences in ``history`` and the patch bytes read; the History's gaps go to ``on_gap``."""
    found: list[Occurrence] = []
    size = 0
    binary: list[str] = []

    def take(result: SegmentResult) -> None:
        nonlocal size
        found.extend(result[0])
        size += result[1]
        binary.extend(result[2])

    segments = history.segments(cancel)
    head = list(itertools.islice(segments, 2))  # waits for a second segment, or the end
    if len(head) == 1:
        take(scan_segment(scanner, str(head[0].path)))
    elif head:
        try:
            with runtime.cpu.lease(workers, cancel) as granted, \
                    runtime.pool(granted, initializer="pulsecheck.stages.secrets.worker:init_scanner",
                                 initargs=(scanner.rules, scanner.allowlist)) as pool:
                jobs = ((str(s.path),) for s in itertools.chain(head, segments))
                for result in pool.map("pulsecheck.stages.secrets.worker:scan_segment", jobs, cancel=cancel):
                    take(result)
        except WorkerError as exc:
            on_gap(f"history worker failed ({str(exc)[:300]}): part of the history was not scanned")
    summary = history.summary(cancel)
    for gap in summary.gaps:
        on_gap(gap)
    for note in summary.notes:
        on_note(note)
    if binary:
        shown = ", ".join(sorted(set(binary))[:MAX_BINARY_LISTED])
        on_note(f"{len(binary)} binary file version(s) in the history not scanned for secrets (NUL bytes; "
                f"e.g. {shown})")
    return found, size


def scan_staged(root: Path, scanner: Scanner, on_gap: Callable[[str], None]) -> list[Occurrence]:
    """Occurrences in the staged changes; they carry no commit (there is none yet)."""
    data = staged_patch(root, on_gap=on_gap)
    return scan_patch_text(scanner, data.decode("utf-8", "replace")) if data else []
