"""Jobs the secrets stage runs in the engine's isolated worker processes (:mod:`pulsecheck.runtime.pool`).

History: :func:`init_scanner` is the :class:`~pulsecheck.runtime.pool.WorkerPool` initializer
(one Scanner per worker, built once) and :func:`scan_segment` scans one segment file of the
audit's :class:`~pulsecheck.sources.history.History`; no patch text crosses a process boundary,
only the few occurrences found come back.

The working tree's batches use the same initializer (:mod:`.tree`).
"""

from __future__ import annotations

from collections.abc import Sequence

from pulsecheck.sources.patch import drop_binary, locate, read_segment
from pulsecheck.stages.secrets.findings import Occurrence
from pulsecheck.stages.secrets.matcher import Allowlist, Scanner
from pulsecheck.stages.secrets.rules import SecretRule

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
                              place.author, place.date, hit.quoted, hit.verified, hit.example,
                              hit.commented))
    return out


def scan_segment(scanner: Scanner, path: str) -> SegmentResult:
    """Occurrences in one history segment file; binary file sections (NUL bytes) are skipped."""
    raw = read_segment(path)
    text, binary = drop_binary(raw)
    return scan_patch_text(scanner, text), len(raw), binary
