"""CSV exports whose header makes them PHI: count the rows whose VALUES identify a person.

Column names alone are what a payer directory has too (``Name, Address Line 1, Zip, Tel``), so
a row counts only when its cells are plausible for their columns (the JSON record rule): a
date of birth, SSN, MRN, member id, card or bank number on its own, or a person's name with
another identifier or medical data. Organisation names (payers, facilities, companies) are not
person names, and a bare ``name`` column beside a payer, company or facility column names that.

The count is exact, so every row is read; a Python loop per row (~2 us) would cap a dense
export at a few MB/s, so rows are split in batches (``str.split`` where the text has no quote
character, the C ``csv`` reader from the first quote on) and counted with ``map``/regex passes.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import compress, islice
from operator import itemgetter, or_
from pathlib import Path

from pulsecheck.knowledge.vocabulary import FieldClass
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
# Identifiers that make a row a person's on their own (a provider's licence or NPI does not).
_STRONG = {"birth_date", "ssn", "mrn", "health_plan_id", "payment_card", "bank_account"}
_SHAPE_OF = {"fax": "phone"}  # header kinds checked with another kind's value shape
_ORG_COLUMN = re.compile(r"(?i)\b(?:payer|payor|insurer|carrier|company|organi[sz]ation|facility|vendor|employer|"
                         r"pharmacy|supplier|manufacturer)\b")
_BARE_NAME = re.compile(r"(?i)^\s*(?:name|display[ _]?name)\s*$")


@dataclass(frozen=True, slots=True)
class RowRule:
    """Column indexes by role in the row rule (see the module docstring)."""

    names: tuple[int, ...]
    strong: tuple[tuple[int, str], ...]
    other: tuple[tuple[int, str], ...]  # distinguishing identifiers that need a name beside them
    medical: tuple[int, ...]


def row_rule(names: list[str], classes: dict[str, FieldClass]) -> RowRule:
    organisation = any(_ORG_COLUMN.search(n) for n in names)
    person, strong, other, medical = [], [], [], []
    for i, n in enumerate(names):
        c = classes.get(n)
        if c is None:
            continue
        if c.kind == "name":
            if not (organisation and _BARE_NAME.match(n)):
                person.append(i)
        elif c.kind in _STRONG:
            strong.append((i, c.kind))
        elif c.identity:
            other.append((i, _SHAPE_OF.get(c.kind, c.kind)))
        elif c.category == "medical":
            medical.append(i)
    return RowRule(tuple(person), tuple(strong), tuple(other), tuple(medical))


def count_rows(path: Path, rel: str, header: str, result: scanfile.FileResult) -> None:
    delim = "\t" if rel.lower().endswith(".tsv") or header.count("\t") > header.count(",") else ","
    names = columns.header_names(header, delim)
    classes = structured.classify_columns(names)
    cols = structured.phi_columns(classes)
    if not cols:
        return
    rule = row_rule(names, classes)
    rows = synthetic = 0
    for batch in row_batches(path, delim, len(names)):
        n, synth = _phi_rows(batch, rule)
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


def _any(masks: list[list[bool]], n: int) -> list[bool]:
    out = [False] * n
    for mask in masks:
        out = list(map(or_, out, mask))
    return out


def _valued(kind: str, cells: Sequence[str]) -> list[bool]:
    """Cells plausible for ``kind``; a kind without a value shape counts when filled."""
    if kind in structured.VALUE_KINDS:
        return list(map(partial(structured.plausible, kind), cells))
    return [bool(c.strip()) for c in cells]


def _phi_rows(column: Batch, rule: RowRule) -> tuple[int, int]:
    """Rows that identify a person (see the module docstring), and those of them with a
    Synthea-style name."""
    n = len(column(0))
    strong = _any([_valued(kind, column(i)) for i, kind in rule.strong], n)
    if rule.names and all(strong):  # every row identifies a person already: the name rule adds none
        names_all: Iterator[tuple[str, ...]] = zip(*map(column, rule.names), strict=True)
        text = "\n".join(map("\x00".join, names_all))
        return n, len(_SYNTH_ROW.findall(text)) if _DIGIT.search(text) else 0
    named = _any([list(map(structured.person_name, column(i))) for i in rule.names], n) if rule.names else [False] * n
    if rule.names:
        backed = _any([_valued(kind, column(i)) for i, kind in rule.other]
                      + [[bool(c.strip()) for c in column(i)] for i in rule.medical], n)
        person = list(map(or_, strong, map(bool.__and__, named, backed)))
    else:
        person = strong
    count = sum(person)
    if not count or not rule.names:
        return count, 0
    names: Iterator[tuple[str, ...]] = compress(zip(*map(column, rule.names), strict=True), person)
    text = "\n".join(map("\x00".join, names))
    return count, len(_SYNTH_ROW.findall(text)) if _DIGIT.search(text) else 0
