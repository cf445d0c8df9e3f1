"""Scan a git history in parallel: contiguous commit segments, one ``git log`` per worker.

Each worker process (:mod:`.worker`) streams its own segment (``git log --no-walk --stdin``), so both the
diff generation in git and the matching in Python use every core, and no patch text crosses
a process boundary: only the few occurrences found come back. Small histories are scanned
in-process, where starting workers would cost more than it saves.
"""

from __future__ import annotations

import contextlib
import math
import os
import pickle
import queue
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from pulsecheck.sources.git_history import list_commits, staged_patch, stream_patch_batches
from pulsecheck.sources.patch import locate
from pulsecheck.stages.secrets.findings import Occurrence
from pulsecheck.stages.secrets.matcher import Scanner

SERIAL_BELOW = 1500
SEGMENTS_PER_WORKER = 4


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def scan_patch_text(scanner: Scanner, text: str) -> list[Occurrence]:
    """Occurrences on the added lines of one batch of patch text."""
    out: list[Occurrence] = []
    for hit in scanner.scan(text, patch=True):
        place = locate(text, hit.line_start)
        if place is None:
            continue
        out.append(Occurrence(hit.rule, hit.secret, place.path, place.line, hit.column, place.commit,
                              place.author, place.date, hit.quoted, hit.verified, hit.example))
    return out


def scan_history(
    root: Path, scanner: Scanner, *, since: str | None, workers: int, cancel: threading.Event,
    on_gap: Callable[[str], None], serial_below: int = SERIAL_BELOW,
) -> tuple[list[Occurrence], int]:
    """All occurrences in the history of all refs (or ``since..HEAD``) and the patch bytes read."""
    commits = list_commits(root, since=since, on_gap=on_gap)
    if not commits:
        return [], 0
    if workers <= 1 or len(commits) < serial_below:
        found: list[Occurrence] = []
        size = 0
        for batch in stream_patch_batches(root, commits=commits, on_gap=on_gap):
            if cancel.is_set():
                on_gap("history scan cancelled before the end: not all commits were scanned")
                break
            size += len(batch)
            found.extend(scan_patch_text(scanner, batch.decode("utf-8", "replace")))
        return found, size
    step = max(1 if serial_below == 0 else 100, math.ceil(len(commits) / (workers * SEGMENTS_PER_WORKER)))
    jobs: queue.SimpleQueue[list[str]] = queue.SimpleQueue()
    for i in range(0, len(commits), step):
        jobs.put(commits[i:i + step])
    found = []
    sizes: list[int] = []
    gaps: list[str] = []
    setup = pickle.dumps((scanner.rules, scanner.allowlist), protocol=pickle.HIGHEST_PROTOCOL)
    threads = [threading.Thread(target=_drive_worker, args=(setup, str(root), jobs, cancel, found, sizes, gaps),
                                name=f"secrets-worker-{n}", daemon=True) for n in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for g in gaps:
        on_gap(g)
    if cancel.is_set():
        on_gap("history scan cancelled before the end: not all commits were scanned")
    return found, sum(sizes)


def _worker_env() -> dict[str, str]:
    """The parent's environment, with the directory this pulsecheck was imported from first."""
    import pulsecheck

    env = dict(os.environ)
    src = str(Path(pulsecheck.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join([src, *filter(None, [env.get("PYTHONPATH")])])
    return env


def spawn_worker(setup: bytes) -> subprocess.Popen[bytes]:
    """Start one :mod:`.worker` process and send it the pickled ``(rules, allowlist)``."""
    proc = subprocess.Popen([sys.executable, "-m", "pulsecheck.stages.secrets.worker"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_worker_env())
    assert proc.stdin is not None
    with contextlib.suppress(OSError):  # a dead worker: the first job's read reports it
        proc.stdin.write(setup)
    return proc


def _drive_worker(setup: bytes, root: str, jobs: queue.SimpleQueue[list[str]], cancel: threading.Event,
                  found: list[Occurrence], sizes: list[int], gaps: list[str]) -> None:
    """Feed one worker process segments until none are left; collect what it finds."""
    proc = spawn_worker(setup)
    assert proc.stdin is not None and proc.stdout is not None
    try:
        while not cancel.is_set():
            try:
                segment = jobs.get_nowait()
            except queue.Empty:
                break
            pickle.dump(("commits", root, segment), proc.stdin)
            proc.stdin.flush()
            try:
                occs, seg_gaps, size = pickle.load(proc.stdout)  # noqa: S301 - our own worker
            except (EOFError, pickle.UnpicklingError):
                err = proc.stderr.read().decode("utf-8", "replace").strip().splitlines() if proc.stderr else []
                gaps.append(f"history worker failed ({err[-1] if err else 'no output'}): "
                            f"{len(segment)} commits from {segment[0][:10]} not scanned")
                return
            found.extend(occs)
            sizes.append(size)
            gaps.extend(seg_gaps)
        pickle.dump(None, proc.stdin)
        proc.stdin.close()
    except (BrokenPipeError, OSError) as exc:
        gaps.append(f"history worker failed ({exc}): part of the history was not scanned")
    finally:
        if cancel.is_set():
            proc.kill()
        proc.wait()


def scan_staged(root: Path, scanner: Scanner, on_gap: Callable[[str], None]) -> list[Occurrence]:
    """Occurrences in the staged changes; they carry no commit (there is none yet)."""
    data = staged_patch(root, on_gap=on_gap)
    return scan_patch_text(scanner, data.decode("utf-8", "replace")) if data else []
