"""Split one big file into line-aligned byte ranges that workers scan at once, then merge.

A single 1 GB export would otherwise keep one core busy while the other idles. Each part is
scanned with line numbers counted from its own start and reports how many newlines it read;
the merge shifts every part by the lines before it, so the result is the whole-file scan's.
The structure pass (CSV columns, JSON records) reads the whole file once, as its own job.
"""

from __future__ import annotations

from pathlib import Path

from pulsecheck.stages.phi.scanfile import (
    MAX_LINES_KEPT,
    FileResult,
    drop_lone_contacts,
    read_head,
    scan_structure,
    scan_values,
)

PART_BYTES = 8 * 1024 * 1024


def split_points(path: Path, size: int, part_bytes: int = PART_BYTES) -> list[tuple[int, int]]:
    """``[start, end)`` ranges of about ``part_bytes`` each, every start just after a newline."""
    ranges, start = [], 0
    with path.open("rb") as fh:
        while start < size:
            cut = start + part_bytes
            if cut >= size:
                ranges.append((start, size))
                break
            fh.seek(cut)
            while True:  # the end of the line the cut falls in
                block = fh.read(64 * 1024)
                newline = block.find(b"\n")
                if newline >= 0:
                    cut += newline + 1
                    break
                if not block:
                    cut = size
                    break
                cut += len(block)
            ranges.append((start, cut))
            start = cut
    return ranges


def scan_part(path: Path, rel: str, start: int, end: int) -> tuple[FileResult, int]:
    """Values in one part (lines counted from the part's start) and the newlines it holds."""
    head = read_head(path, rel)
    result = FileResult(synthetic_file=head.synthetic)
    if head.skip:
        result.notes.append(head.skip)
        return result, 0
    return result, scan_values(path, head, result, start, end)


def scan_whole_structure(path: Path, rel: str) -> FileResult:
    head = read_head(path, rel)
    result = FileResult(synthetic_file=head.synthetic)
    if not head.skip:
        scan_structure(path, rel, head, result)
    return result


def merge(rel: str, parts: list[tuple[FileResult, int]], structure: FileResult) -> FileResult:
    """One file's result from its parts (in order) and its structure pass."""
    out = FileResult(synthetic_file=structure.synthetic_file)
    before = 0
    for part, newlines in parts:
        for kind, tally in part.kinds.items():
            merged = out.tally(kind)
            merged.count += tally.count
            merged.synthetic += tally.synthetic
            merged.details |= tally.details
            merged.lines.extend(n + before for n in tally.lines[:MAX_LINES_KEPT - len(merged.lines)])
        out.notes.extend(n for n in part.notes if n not in out.notes)
        before += newlines
    out.kinds.update(structure.kinds)
    out.notes.extend(structure.notes)
    drop_lone_contacts(rel, out)
    return out
