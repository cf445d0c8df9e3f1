"""Jobs the secrets stage runs in worker processes, and the worker's own entry point.

History: :func:`init_scanner` is the :class:`~pulsecheck.runtime.pool.WorkerPool` initializer
(one Scanner per worker, built once) and :func:`scan_segment` scans one segment file of the
audit's :class:`~pulsecheck.sources.history.History`; no patch text crosses a process boundary,
only the few occurrences found come back.

Working tree (until its batches move onto the runtime pool): :func:`spawn_worker` starts
``pulsecheck.stages.secrets.worker`` isolated (``python -I``, clean environment, fixed import
path: a ``pulsecheck/`` planted in the scanned repository is never imported), which reads pickled
``(rules, allowlist)``, then ``("files", [(path, abs_path, size), ...])`` jobs (answered with a
:data:`.tree.BatchResult`) until None.
"""

from __future__ import annotations

import contextlib
import pickle
import subprocess
import sys
import tempfile
from collections.abc import Sequence

from pulsecheck.runtime.isolate import clean_env, python_argv
from pulsecheck.sources.patch import drop_binary, locate, read_segment
from pulsecheck.stages.secrets.findings import Occurrence
from pulsecheck.stages.secrets.matcher import Allowlist, Scanner
from pulsecheck.stages.secrets.rules import SecretRule
from pulsecheck.stages.secrets.tree import scan_batch

SegmentResult = tuple[list[Occurrence], int, list[str]]
"""(occurrences, patch bytes read, paths of binary file sections skipped)."""


def init_scanner(rules: Sequence[SecretRule], allowlist: Allowlist) -> Scanner:
    return Scanner(list(rules), allowlist)


def scan_patch_text(scanner: Scanner, text: str) -> list[Occurrence]:
    """Occurrences on the added lines of one piece of patch text."""
    out: list[Occurrence] = []
    for hit in scanner.scan(text, patch=True):
        place = locate(text, hit.line_start)
        if place is None:
            continue
        out.append(Occurrence(hit.rule, hit.secret, place.path, place.line, hit.column, place.commit,
                              place.author, place.date, hit.quoted, hit.verified, hit.example))
    return out


def scan_segment(scanner: Scanner, path: str) -> SegmentResult:
    """Occurrences in one history segment file; binary file sections (NUL bytes) are skipped."""
    raw = read_segment(path)
    text, binary = drop_binary(raw)
    return scan_patch_text(scanner, text), len(raw), binary


def spawn_worker(setup: bytes) -> subprocess.Popen[bytes]:
    """Start one isolated worker process and send it the pickled ``(rules, allowlist)``."""
    proc = subprocess.Popen(python_argv("pulsecheck.stages.secrets.worker"), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=clean_env(),
                            cwd=tempfile.gettempdir())
    assert proc.stdin is not None
    with contextlib.suppress(OSError):  # a dead worker: the first job's read reports it
        proc.stdin.write(setup)
    return proc


def main() -> int:
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    rules, allowlist = pickle.load(stdin)  # noqa: S301 - written by our own parent process
    scanner = Scanner(rules, allowlist)
    while True:
        job = pickle.load(stdin)  # noqa: S301
        if job is None:
            return 0
        pickle.dump(scan_batch(scanner, job[1]), stdout, protocol=pickle.HIGHEST_PROTOCOL)
        stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
