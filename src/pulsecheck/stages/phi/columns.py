"""Dense CSV exports: validate a whole column with one regex once its header names the kind.

An export with an SSN, a phone and an e-mail on every row sends every line through the
per-value detectors (Python regexes, checksums, context windows): ~1 MB/s. When the header
already says which column holds SSNs, phones or e-mails, a chunk's rows are split with the C
``csv`` reader and each such column is joined into one text and checked by a regex that
*encodes the validator* (SSA issuance rules, NANP area/exchange rules, the e-mail shape and
its exclusions), so the count is the detector's, not a format guess. Cells the regex does not
accept, and every other column, still go through the ordinary detectors, so nothing they would
report is lost; only rows that are not one line each (quoted newlines) or have the wrong
number of fields make the chunk fall back to the line scan.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from itertools import islice, repeat
from operator import itemgetter

from pulsecheck.stages.phi import scanfile, structured

# Header class kind -> the detector kind its values are reported as.
_HANDLED = {"ssn": "ssn", "phone": "phone", "fax": "phone", "email": "email"}
_SSN_FAKE = r"078.?05.?1120|219.?09.?9999|123.?45.?6789|987.?65.?432\d|(\d)(?:[ -]?\1){8}"
_SSN = rf"(?!(?:{_SSN_FAKE})$)(?!000|666)[0-8]\d\d(?:[ -](?!00)\d\d[ -](?!0000)\d{{4}}|(?!00)\d\d(?!0000)\d{{4}})"


def _three_digits(tag: str) -> str:
    """Lookahead: three distinct digits ahead (``222-222-2222`` is a placeholder, as
    ``nanp_phone`` says); written positively so a real number passes after a few characters."""
    d1, d2 = f"(?P={tag}1)", f"(?P={tag}2)"
    return rf"(?=[^\n]*?(?P<{tag}1>\d)[^\n]*?(?!{d1})(?P<{tag}2>\d)[^\n]*?(?!{d1}|{d2})\d)"


def _phone(area: str, exch: str, tag: str) -> str:
    """NANP number in the shapes the line detector accepts: separated (optionally ``+1``) or bare."""
    return (rf"(?:\+?1[ .-])?{_three_digits(tag + 'a')}(?:\({area}\)[ .-]?|{area}[ .-]){exch}[ .-]\d{{4}}"
            rf"|{_three_digits(tag + 'b')}{area}{exch}\d{{4}}")


_AREA, _EXCH = r"(?![2-9]11)[2-9][0-8]\d", r"(?![2-9]11)[2-9]\d\d"
_FAKE_TLD = "png|jpe?g|gif|svg|webp|js|ts|py|css|map|json|lock|md|txt|html|ico|woff2?"


def _email(domain: str) -> str:
    return (r"(?!(?i:git|noreply|no-reply|donotreply)@)[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@" + domain +
            rf"(?:\.[A-Za-z0-9-]+)*\.(?!(?i:{_FAKE_TLD})$)[A-Za-z]{{2,24}}")


def _line_rx(body: str) -> re.Pattern[str]:
    return re.compile(rf"^(?:{body})$", re.M)


_VALID = {"ssn": _line_rx(_SSN), "phone": _line_rx(_phone(_AREA, _EXCH, "p")), "email": _line_rx(_email("[A-Za-z0-9-]+"))}
_SYNTHETIC = {"ssn": None, "phone": _line_rx(_phone("555", _EXCH, "s") + "|" + _phone(_AREA, "555", "t")),
              "email": _line_rx(_email(r"(?i:example|test)"))}
_MARKERS = {"phone": ("555",), "email": ("@example.", "@test.")}  # in every synthetic value (lower case)
MAX_RAGGED = 0.1  # more ragged rows than this share of a chunk: the line scan is as fast


@dataclass(frozen=True, slots=True)
class ColumnPlan:
    delimiter: str
    width: int
    checked: tuple[tuple[int, str], ...]  # (column index, detector kind)
    others: tuple[int, ...]


def header_names(header: str, delimiter: str) -> list[str]:
    """The header's column names; a header the csv module rejects is split plainly."""
    try:
        return next(csv.reader([header], delimiter=delimiter), [])
    except csv.Error:
        return header.split(delimiter)


def plan(header: str) -> ColumnPlan | None:
    """Which columns of a CSV with this header line can be validated column-wise, if any."""
    delimiter = "\t" if header.count("\t") > header.count(",") else ","
    names = header_names(header, delimiter)
    classes = structured.classify_columns(names)
    checked = tuple((i, _HANDLED[c.kind]) for i, n in enumerate(names)
                    if (c := classes.get(n)) is not None and c.kind in _HANDLED)
    if not checked:
        return None
    done = {i for i, _ in checked}
    return ColumnPlan(delimiter, len(names), checked, tuple(i for i in range(len(names)) if i not in done))


def uniform_cells(lines: list[str], delim: str, width: int) -> list[str] | None:
    """All cells of ``lines`` in one flat list (column ``i`` is ``cells[i::width]``) when every
    line has exactly ``width`` fields and no quoting: one C-level split instead of one per row."""
    if not lines or set(map(str.count, lines, repeat(delim))) != {width - 1}:
        return None
    return delim.join(lines).split(delim)


def scan_chunk(chunk: str, first_line: int, cols: ColumnPlan, result: scanfile.FileResult, context: str) -> bool:
    """Tally ``chunk`` (whole lines) column-wise; False when its rows do not fit the plan."""
    lines = chunk.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    width = cols.width
    cells = uniform_cells(lines, cols.delimiter, width) if '"' not in chunk else None
    if cells is not None:
        flat = cells

        def column_of(i: int) -> list[str]:
            return flat[i::width]
    else:
        try:
            rows = [ln.split(cols.delimiter) for ln in lines] if '"' not in chunk else \
                list(csv.reader(lines, delimiter=cols.delimiter))
        except csv.Error:
            return False  # a field the csv module rejects: the plain line scan handles it
        if len(rows) != len(lines):
            return False  # a quoted field spans lines: row i is no longer line i
        ragged = [i for i, r in enumerate(rows) if len(r) != width]
        if len(ragged) > MAX_RAGGED * len(rows):
            return False
        for i in ragged:
            scanfile.scan_text_into(part := _pass(result), lines[i], first_line + i, context)
            _merge(result, part)
            rows[i] = [""] * width

        def column_of(i: int) -> list[str]:
            return list(map(itemgetter(i), rows))
    for index, kind in cols.checked:
        rest = _validated("\n".join(column_of(index)), kind, first_line, part := _pass(result))
        _merge(result, part)
        if rest.strip("\n"):  # cells the regex did not accept
            scanfile.scan_text_into(part := _pass(result), rest, first_line, context)
            _merge(result, part)
    if cols.others:
        text = "\n".join(map(cols.delimiter.join, zip(*map(column_of, cols.others), strict=True)))
        scanfile.scan_text_into(part := _pass(result), text, first_line, context)
        _merge(result, part)
    return True


def _pass(result: scanfile.FileResult) -> scanfile.FileResult:
    """A scratch result for one pass (a column, the other columns): each pass keeps its own first
    lines, and ``_merge`` keeps the smallest of all, as one scan of the lines would."""
    return scanfile.FileResult(synthetic_file=result.synthetic_file)


def _merge(target: scanfile.FileResult, part: scanfile.FileResult) -> None:
    for kind, tally in part.kinds.items():
        into = target.tally(kind)
        into.count, into.synthetic = into.count + tally.count, into.synthetic + tally.synthetic
        into.details |= tally.details
        into.lines = sorted(into.lines + tally.lines)[:scanfile.MAX_LINES_KEPT]


def _validated(column: str, kind: str, first_line: int, result: scanfile.FileResult) -> str:
    """Tally the cells the validator regex accepts; return the column with those cells emptied."""
    valid = _VALID[kind]
    rest, count = valid.subn("", column)
    if not count:
        return rest
    tally = result.tally(kind)
    tally.count += count
    tally.synthetic += _synthetic(column, kind, count)
    line, pos = first_line, 0  # count newlines incrementally: linear, however many lines are kept
    for m in islice(valid.finditer(column), scanfile.MAX_LINES_KEPT - len(tally.lines)):
        line += column.count("\n", pos, m.start())
        pos = m.start()
        tally.lines.append(line)
    return rest


def _synthetic(column: str, kind: str, valid: int) -> int:
    """Valid cells that are fictional (555 numbers, example domains): the full regex pass only
    when the markers are common, else a check of just the lines holding a marker."""
    synthetic, markers = _SYNTHETIC[kind], _MARKERS.get(kind, ())
    if synthetic is None:
        return 0
    text = column.lower() if kind == "email" else column
    if sum(text.count(m) for m in markers) * 10 > valid:
        return len(synthetic.findall(column))
    starts: set[int] = set()
    for marker in markers:
        pos = text.find(marker)
        while pos >= 0:
            starts.add(text.rfind("\n", 0, pos) + 1)
            pos = text.find(marker, pos + 1)
    count = 0
    for start in starts:
        end = text.find("\n", start)
        count += synthetic.match(column, start, len(column) if end < 0 else end) is not None
    return count
