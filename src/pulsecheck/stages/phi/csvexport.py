"""CSV exports whose header makes them PHI: count the rows that hold a PHI cell.

The count is exact, so every row is read; a Python loop per row (~2 us) would cap a dense
export at a few MB/s, so rows are split in batches (``str.split`` where the text has no quote
character, the C ``csv`` reader from the first quote on) and counted with ``map``/regex passes.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator, Sequence
from itertools import compress, islice
from operator import itemgetter
from pathlib import Path

from pulsecheck.stages.phi import columns, scanfile, structured

BATCH = 65536
# A quoted field may legitimately be long (notes, base64); past this it is not an export row.
# Set in every process that reads CSV (pool workers import this module too).
FIELD_LIMIT = 16 * 1024 * 1024
csv.field_size_limit(FIELD_LIMIT)
Batch = Callable[[int], Sequence[str]]  # column index -> its cells, one per row
# A row whose name cell ends in 2-3 digits (Synthea's ``Ann123``); cells are joined by NUL.
_DIGIT = re.compile(r"\d")
_SYNTH_ROW = re.compile(r"^(?=[^\n]*?[^\W\d_]\d{2,3}[^\S\n]*(?:\x00|$))", re.M)


def count_rows(path: Path, rel: str, header: str, result: scanfile.FileResult) -> None:
    delim = "\t" if rel.lower().endswith(".tsv") or header.count("\t") > header.count(",") else ","
    names = columns.header_names(header, delim)
    classes = structured.classify_columns(names)
    cols = structured.phi_columns(classes)
    if not cols:
        return
    idx = [i for i, n in enumerate(names) if n in cols]
    name_idx = [i for i, n in enumerate(names) if classes.get(n) and classes[n].kind == "name"]
    rows = synthetic = 0
    for batch in row_batches(path, delim, len(names)):
        n, synth = _phi_rows(batch, idx, name_idx)
        rows, synthetic = rows + n, synthetic + synth
    if rows:
        t = result.tally("csv_phi")
        t.add(1, result.synthetic_file or synthetic * 2 >= rows, rows)
        t.details |= {f"{n} ({classes[n].kind})" for n in cols}


def row_batches(path: Path, delim: str, width: int) -> Iterator[Batch]:
    """The rows after the header, in batches, as ``csv.reader`` reads them; a batch maps a column
    index (< ``width``) to that column's cells, one per row (empty for short rows)."""
    first = True
    with path.open("rb") as fh:
        offset = 0
        while block := fh.read(scanfile.CHUNK):
            cut = block.rfind(b"\n") + 1 if len(block) == scanfile.CHUNK else len(block)
            cut = cut or len(block)
            if b'"' in block[:cut] or block.count(b"\r") != block.count(b"\r\n"):
                break  # quoted fields or CR-only line ends: the csv reader from here
            fh.seek(offset + cut)
            offset += cut
            lines = block[:cut].decode("utf-8", "replace").replace("\r\n", "\n").split("\n")
            body = [ln for ln in (lines[1:] if first else lines) if ln]
            first = False
            cells = columns.uniform_cells(body, delim, width)
            yield _rows_batch([ln.split(delim) for ln in body], width) if cells is None else _flat_batch(cells, width)
        else:
            return
        fh.seek(offset)
        reader = csv.reader(io.TextIOWrapper(fh, encoding="utf-8", errors="replace", newline=""), delimiter=delim)
        if first:
            next(reader, None)
        while batch := list(islice(reader, BATCH)):
            yield _rows_batch(batch, width)


def _flat_batch(cells: list[str], width: int) -> Batch:
    return lambda i: cells[i::width]


def _rows_batch(rows: list[list[str]], width: int) -> Batch:
    rows = [r if len(r) >= width else r + [""] * (width - len(r)) for r in rows if r]
    return lambda i: list(map(itemgetter(i), rows))


def _phi_rows(column: Batch, idx: list[int], name_idx: list[int]) -> tuple[int, int]:
    """Rows with a PHI cell, and those of them with a Synthea-style name."""
    filled = list(map(str.strip, map("".join, zip(*map(column, idx), strict=True))))
    count = len(filled) - filled.count("")
    if not count or not name_idx:
        return count, 0
    names: Iterator[tuple[str, ...]] = zip(*map(column, name_idx), strict=True)
    if count != len(filled):
        names = compress(names, filled)
    text = "\n".join(map("\x00".join, names))
    return count, len(_SYNTH_ROW.findall(text)) if _DIGIT.search(text) else 0
