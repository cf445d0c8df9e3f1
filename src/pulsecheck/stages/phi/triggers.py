"""Find the few lines worth a close look, with one RE2 pass over a whole chunk.

The detectors in ``detect`` are exact but slow (Python regexes with look-arounds, checksums in
Python). Most lines of a repository hold nothing they could report, so a single RE2 pass (a
DFA, hundreds of MB/s) first marks the lines that contain a *necessary condition* of some
detector: an SSN/phone/card shape whose leading digits can pass the issuance rules, an IBAN or
MBI shape, an ``@``, or a context keyword. Each trigger is a superset of what the detector can
accept, so skipping the unmarked lines loses nothing; only marked lines reach Python.

Every trigger stays inside one line (no whitespace classes other than a literal space), so a
match names the line it sits on. Offsets are found on the UTF-8 bytes and mapped back to
``str`` offsets incrementally, so non-ASCII text costs one extra decode of the skipped spans.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import re2

SHAPES, WORDS, UPPER, EMAIL, KEYWORDS = 1, 2, 4, 8, 16
DIGITS = SHAPES | WORDS  # digit-run detectors: by shape alone, or by a context word
ALL = DIGITS | UPPER | EMAIL | KEYWORDS

# Context words of the digit-run kinds (ssn, npi, nhs, Canadian health cards, phone).
_DIGIT_WORDS = (r"ssn|social[ _-]?sec|ss#|soc\.? ?sec|npi|national provider|nhs|ohip|health[ _-]?card|phn|hcn|"
                r"personal health number|phone|tel|mobile|cell|fax|contact")
_SHAPES = [
    r"\b[0-8]\d\d[ -]+\d\d[ -]+\d{4}\b",                 # SSN 3-2-4: area 001-899
    r"\b[2-9]\d\d[ ().-]+[2-9]\d\d[ ().-]+\d{4}\b",      # NANP phone 3-3-4: area, exchange 2-9
    r"\b(?:4\d{12}(?:\d{3}){0,2}|(?:5[1-5]|2[2-7])\d{14}|3[47]\d{13}|6[045]\d{14}(?:\d{3})?|"
    r"35\d{14,17}|3[068]\d{12,17})\b",                     # card, one group: issuer prefix + length
    r"\b(?:4\d\d|5[1-5]\d|2[2-7]\d|3[0-8]\d|6[045]\d)\d{0,3}[ -]+\d{3,6}[ -]+\d{3}",  # card, grouped
    r"\+[2-9]\d{0,2}[ .-]?\(?\d[\d ().-]{5,24}\d",       # international phone: +country code, 9+ digits
]
# The same shapes for Python's ``re``: a digit run containing none of them needs a context word.
SHAPE_RE = re.compile("|".join(_SHAPES))
_BASE = {
    SHAPES: _SHAPES,
    WORDS: [r"(?i:" + _DIGIT_WORDS + ")"],
    UPPER: [
        r"[A-Z]{2}\d\d(?: ?[A-Z0-9]{4}){2}",              # IBAN
        r"[1-9][A-Z][A-Z0-9]\d-?[A-Z][A-Z0-9]\d-?[A-Z]{2}\d\d",  # Medicare MBI
        r"(?i:dea)",                                      # DEA numbers need this word nearby
    ],
    EMAIL: ["@"],
    KEYWORDS: [r"(?i:dob|d\.o\.b|date[ _-]?of[ _-]?birth|birth|born|mrn|medical[ _-]?record|"
               r"chart[ _-]?(?:no|number|#)|icd|diagnosis|dx)"],
}
# When a CSV header (the ``context``) already names the kind, bare runs need no word on the line.
_WIDE = {
    WORDS: [r"\d{9}", r"\d{3}[ ().-]+\d{3}[ ().-]+\d{4}"],
    UPPER: [r"[A-Z][A-Z9]\d{7}"],
}
_CONTEXT_WORDS = re.compile(r"(?i)" + _DIGIT_WORDS + "|dea")
_ORDER = (SHAPES, WORDS, UPPER, EMAIL, KEYWORDS)
LONG_LINE = 4096  # longer lines are re-scanned in windows around their triggers
MARGIN = 160  # a window reaches this far around a trigger: context words precede values by <= 80
SNAP = 4096  # how far to look for a character that ends the window
# Characters no detector match contains (values, e-mails and keywords are made of word
# characters, spaces and ``.()+-@%#``): a window cut just past one of them splits no match.
_BREAKS = tuple(c.encode() for c in "\"',:;=/|<>{}[]\t\r")


@lru_cache(maxsize=2)
def _compiled(wide: bool) -> Any:
    groups = []
    for family in _ORDER:
        alts = _BASE[family] + (_WIDE.get(family, []) if wide else [])
        groups.append("(" + "|".join(alts) + ")")
    options = re2.Options()
    options.max_mem = 64 << 20  # room for the DFA of the whole alternation: no NFA fallback
    return re2.compile("|".join(groups).encode(), options)


def _region(data: bytes, start: int, end: int) -> tuple[int, int, bool]:
    """Byte span to re-scan for a trigger at ``start:end`` and whether it is the whole line: its
    line, or on a long line (minified code, one-line JSON) a window cut at characters no detector
    match can contain."""
    line_start = data.rfind(b"\n", 0, start) + 1
    line_end = data.find(b"\n", end)
    line_end = len(data) if line_end < 0 else line_end
    if line_end - line_start <= LONG_LINE:
        return line_start, line_end, True
    lo, hi = max(line_start, start - MARGIN), min(line_end, end + MARGIN)
    cut = max(data.rfind(c, max(line_start, lo - SNAP), lo) for c in _BREAKS)
    lo = line_start if cut < 0 else cut + 1
    cuts = [i for c in _BREAKS if (i := data.find(c, hi, min(line_end, hi + SNAP))) >= 0]
    return lo, min(cuts) if cuts else line_end, False


def regions(text: str, context: str = "") -> Iterator[tuple[int, int, int]]:
    """``(start, end, families)``: the spans of ``text`` holding a trigger, in order.

    A span is a whole line (``str`` offsets, newline excluded), or a window of a very long line;
    ``families`` is a bit set of ``DIGITS | UPPER | EMAIL | KEYWORDS``, the detectors worth
    running there. Detector matches never cross a span's ends, so running a detector's
    ``finditer(text, start, end)`` finds exactly what a run over all of ``text`` finds there.
    """
    data = text.encode("utf-8", "surrogatepass")
    to_str = _Offsets(data, ascii_only=len(data) == len(text))
    pattern = _compiled(bool(context) and _CONTEXT_WORDS.search(context) is not None)
    lo = hi = -1
    families = 0
    whole_line = False
    for start, end, family in _matches(pattern, data):
        if start < hi and whole_line:
            families |= family  # same (short) line as the span being built
            continue
        r_lo, r_hi, r_whole = _region(data, start, end)
        if r_lo < hi:  # overlaps the window being built on a long line: extend it
            families, hi, whole_line = families | family, max(hi, r_hi), whole_line and r_whole
            continue
        if families:
            yield to_str(lo), to_str(hi), families
        lo, hi, families, whole_line = r_lo, r_hi, family, r_whole
    if families:
        yield to_str(lo), to_str(hi), families


def _matches(pattern: Any, data: bytes) -> Iterator[tuple[int, int, int]]:
    """``(start, end, family)`` of each trigger, through the binding's low-level ``Match`` when
    it has one (a third of the cost of building match objects), else its ``finditer``."""
    regexp = getattr(pattern, "_regexp", None)
    anchor = getattr(getattr(re2, "_Anchor", None), "UNANCHORED", None)
    if regexp is None or anchor is None or not hasattr(regexp, "Match"):
        for m in pattern.finditer(data):
            yield m.start(), m.end(), _ORDER[m.lastindex - 1]
        return
    match, order, pos, size = regexp.Match, _ORDER, 0, len(data)
    while pos < size:
        spans = match(anchor, data, pos, size)
        start, end = spans[0]
        if start < 0:
            return
        group = 1
        while spans[group][0] < 0:
            group += 1
        yield start, end, order[group - 1]
        pos = end if end > start else end + 1


class _Offsets:
    """Byte offset -> ``str`` offset of UTF-8 text, asked in increasing order (linear overall)."""

    def __init__(self, data: bytes, ascii_only: bool) -> None:
        self.data, self.ascii_only, self.b, self.s = data, ascii_only, 0, 0

    def __call__(self, b: int) -> int:
        if self.ascii_only:
            return b
        self.s += len(self.data[self.b:b].decode("utf-8", "surrogatepass"))
        self.b = b
        return self.s
