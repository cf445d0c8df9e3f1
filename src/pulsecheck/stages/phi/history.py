"""PHI in the git history: the audit's shared History, judged on its own, one finding per file and kind.

Before, the history hits of a file that still exists were dropped ("the tree scan reports it"),
so SSNs committed and later scrubbed from a file gave no finding at all, and every other hit
was one finding per commit, without the working tree's filters. Now:

* the same filters as the tree scan: the one exclusion rule (``settings.exclude`` and the
  stage's ``exclude``), vendored paths (:func:`~pulsecheck.sources.filetypes.is_vendored`),
  lockfiles and minified code skipped, lone maintainer contacts in code and manifests dropped;
* a history hit is left to the tree scan only when the file still holds the very same line
  (same kind, path and line text, compared by hash): scrubbed values stay findings;
* one finding per file and identifier kind, with every (line, commit) as an occurrence.

Segments are scanned in the stage's runtime pool (isolated workers) under a CPU lease, while
git is still writing later segments; a one-segment history is scanned in this process.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from pulsecheck.model import FileLocation, Finding, Occurrence, Severity
from pulsecheck.runtime import WorkerError
from pulsecheck.runtime.cpu import usable_cpus
from pulsecheck.sources.exclude import is_excluded
from pulsecheck.sources.filetypes import is_vendored
from pulsecheck.sources.history import History, history_and_runtime
from pulsecheck.sources.patch import HistoryChunk, drop_binary, parse_patch, read_segment
from pulsecheck.stages.phi import comments, detect, provenance, sqlcontext
from pulsecheck.stages.phi.rules import rules_by_kind
from pulsecheck.stages.phi.scanfile import GLYPHS, LOCKFILES, FileResult, _minified, drop_lone_contacts

if TYPE_CHECKING:
    from pulsecheck.runtime import StageRuntime
    from pulsecheck.sources.tree import FileIndex

MAX_HITS_PER_FILE_VERSION = 10_000
_MINIFIABLE = (".js", ".mjs", ".cjs", ".css", ".map")


@dataclass(frozen=True, slots=True)
class HistoryHit:
    """One identifier on a line some commit added; ``line_hash`` identifies the line's text."""

    path: str
    commit: str
    date: str
    kind: str
    line: int
    synthetic: bool
    line_hash: str
    commented: bool = False  # inside a comment or docstring of a source file


def line_hash(text: str) -> str:
    return hashlib.blake2b(text.strip().encode("utf-8", "surrogateescape"), digest_size=12).hexdigest()


def wanted(path: str, exclude: Sequence[str]) -> bool:
    """The tree scan's path filters: the exclusion rule, vendored paths, lockfiles."""
    lower = path.lower()
    return not (is_excluded(path, exclude) or is_vendored(path) or lower.rsplit("/", 1)[-1] in LOCKFILES
                or lower.endswith(GLYPHS))


def scan_chunk(chunk: HistoryChunk) -> list[HistoryHit]:
    """Identifiers on the lines one commit added to one file, with the tree scan's file rules."""
    text = "\n".join(body for _, body in chunk.lines)
    if chunk.path.lower().endswith(_MINIFIABLE) and _minified(text):
        return []
    synthetic_file = detect.is_synthetic(text[:200_000])
    starts = [0]
    for _, body in chunk.lines[:-1]:
        starts.append(starts[-1] + len(body) + 1)
    found = comments.spans(text, comments.syntax_for(chunk.path))
    inside = comments.membership(found)
    hits = detect.scan(text, ssn_context=sqlcontext.ssn_context(text) if chunk.path.lower().endswith(".sql") else None)
    result = FileResult()
    for h in hits:
        result.tally(h.kind)
    drop_lone_contacts(chunk.path, result)
    out: list[HistoryHit] = []
    for h in sorted(hits, key=lambda h: h.offset):
        if h.kind not in result.kinds or len(out) >= MAX_HITS_PER_FILE_VERSION:
            continue
        index = bisect.bisect_right(starts, h.offset) - 1
        lineno, body = chunk.lines[index]
        out.append(HistoryHit(chunk.path, chunk.commit or "", chunk.date, h.kind, lineno,
                              h.synthetic or synthetic_file, line_hash(body),
                              inside is not None and inside(h.offset)))
    return out


def scan_segment(path: str, exclude: Sequence[str]) -> tuple[list[HistoryHit], int]:
    """Pool job: the hits of one segment file and the number of binary file versions skipped."""
    text, binary = drop_binary(read_segment(path))
    hits: list[HistoryHit] = []
    for chunk in parse_patch(text):
        if chunk.lines and wanted(chunk.path, exclude):
            hits.extend(scan_chunk(chunk))
    return hits, len(binary)


def history_findings(
    root_history: History | None, index: FileIndex, runtime: StageRuntime | None, *, exclude: Sequence[str],
    workers: int | None, cancel: threading.Event, note: Callable[[str], None], gap: Callable[[str], None],
) -> Iterator[Finding]:
    """PHI findings of the whole history (see the module docstring)."""
    with history_and_runtime(index.root, "phi", root_history, runtime, cancel) as (history, stage_rt):
        if history.repository is None:
            return
        hits, binary = _scan(history, stage_rt, tuple(exclude), workers, cancel, gap)
        summary = history.summary(cancel)
        for message in summary.gaps:
            gap(message)
        for message in summary.notes:
            note(message)
        if binary:
            note(f"{binary} binary file version(s) in the history not scanned for PHI (NUL bytes)")
        yield from _findings(_not_in_tree(hits, index))


def _scan(history: History, runtime: StageRuntime, exclude: tuple[str, ...], workers: int | None,
          cancel: threading.Event, gap: Callable[[str], None]) -> tuple[list[HistoryHit], int]:
    hits: list[HistoryHit] = []
    binary = 0
    segments = history.segments(cancel)
    head = list(itertools.islice(segments, 2))  # waits for a second segment, or the end
    if len(head) == 1:
        found, binary = scan_segment(str(head[0].path), exclude)
        return found, binary
    if not head:
        return hits, binary
    try:
        with runtime.cpu.lease(workers or usable_cpus(), cancel) as granted, runtime.pool(granted) as pool:
            jobs = ((str(s.path), exclude) for s in itertools.chain(head, segments))
            for found, skipped in pool.map("pulsecheck.stages.phi.history:scan_segment", jobs, cancel=cancel):
                hits.extend(found)
                binary += skipped
    except WorkerError as exc:
        gap(f"PHI history worker failed ({str(exc)[:300]}): part of the history was not scanned")
    return hits, binary


def _not_in_tree(hits: list[HistoryHit], index: FileIndex) -> list[HistoryHit]:
    """Drop the hits whose very line is still in the file: the tree scan reports those."""
    current: dict[str, set[str]] = {}
    kept: list[HistoryHit] = []
    for hit in hits:
        if hit.path not in current:
            entry = index.get(hit.path)
            text = index.text(entry) if entry is not None else None
            current[hit.path] = {line_hash(line) for line in text.splitlines()} if text else set()
        if hit.line_hash not in current[hit.path]:
            kept.append(hit)
    return kept


def _when(date: str) -> datetime:
    try:
        when = datetime.fromisoformat(date)
        return when if when.tzinfo else when.replace(tzinfo=UTC)
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)


def _findings(hits: list[HistoryHit]) -> Iterator[Finding]:
    from pulsecheck.stages.phi.stage import _KIND_LABEL

    rules = rules_by_kind()
    groups: dict[tuple[str, str], list[HistoryHit]] = defaultdict(list)
    for hit in hits:
        groups[(hit.path, hit.kind)].append(hit)
    for (path, kind), group in sorted(groups.items()):
        group.sort(key=lambda h: (_when(h.date), h.commit, h.line))
        first = group[0]
        commits = list(dict.fromkeys(h.commit for h in group))
        reason = provenance.not_patient_reason(path)
        if reason is None and any(h.commented for h in group) and all(h.commented or h.synthetic for h in group):
            reason = comments.REASON
        synthetic = sum(h.synthetic for h in group) * 2 >= len(group) or reason is not None
        rule = rules[kind]
        label = _KIND_LABEL.get(kind, kind.replace("_", " "))
        message = (f"{len(group)} occurrences of {label} added to {path} in the git history "
                   f"({len(commits)} commit(s), first {first.commit[:10]}"
                   f"{', ' + first.date[:10] if first.date else ''}); no longer in the current file, "
                   "but still readable in every clone")
        if reason is not None:
            message += provenance.message_suffix(reason)
        elif synthetic:
            message += "; looks synthetic (test-data markers), confirm it is not real patient data"
        yield Finding.from_rule(
            rule, message=message, location=FileLocation(path, first.line, commit=first.commit or None),
            severity=Severity.LOW if synthetic and rule.severity > Severity.LOW else rule.severity,
            evidence=f"{kind} x{len(group)} in {len(commits)} commit(s)", identity=f"history:{kind}",
            properties={"kind": kind, "count": len(group), "synthetic": synthetic, "history": True,
                        "commits": commits},
            occurrences=[Occurrence(line=h.line, commit=h.commit or None) for h in group],
            occurrence_count=len(group),
        )
