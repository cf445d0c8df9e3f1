"""A history-scan worker process: ``python -m pulsecheck.stages.secrets.worker``.

The parent (:mod:`.history` or :mod:`.tree`) writes pickled messages to stdin: first the scanner
setup ``(rules, allowlist)``, then one job at a time, then None. A job is either
``("commits", root, ids)`` (a history segment; answer ``(occurrences, gaps, patch_bytes)``) or
``("files", [(path, abs_path, size), ...])`` (a working-tree batch; answer a
:data:`.tree.BatchResult`). A plain
subprocess rather than multiprocessing: it needs nothing from the parent's ``__main__``, so
it works the same from the CLI, a test runner or a user's unguarded script. The pipe only
ever carries our own objects between our own processes.
"""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

from pulsecheck.sources.git_history import stream_patch_batches
from pulsecheck.stages.secrets.findings import Occurrence
from pulsecheck.stages.secrets.matcher import Scanner
from pulsecheck.stages.secrets.tree import scan_batch


def scan_segment(scanner: Scanner, root: Path, commits: list[str]) -> tuple[list[Occurrence], list[str], int]:
    from pulsecheck.stages.secrets.history import scan_patch_text

    gaps: list[str] = []
    found: list[Occurrence] = []
    size = 0
    for batch in stream_patch_batches(root, commits=commits, on_gap=gaps.append):
        size += len(batch)
        found.extend(scan_patch_text(scanner, batch.decode("utf-8", "replace")))
    return found, gaps, size


def main() -> int:
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    rules, allowlist = pickle.load(stdin)  # noqa: S301 - written by our own parent process
    scanner = Scanner(rules, allowlist)
    while True:
        job = pickle.load(stdin)  # noqa: S301
        if job is None:
            return 0
        if job[0] == "files":
            result: object = scan_batch(scanner, job[1])
        else:
            result = scan_segment(scanner, Path(job[1]), job[2])
        pickle.dump(result, stdout, protocol=pickle.HIGHEST_PROTOCOL)
        stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
