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

import re2  # type: ignore[import-untyped]

DIGITS, UPPER, EMAIL, KEYWORDS = 1, 2, 4, 8

# Context words of the digit-run kinds (ssn, npi, nhs, Canadian health cards, phone).
_DIGIT_WORDS = (r"ssn|social[ _-]?sec|ss#|soc\.? ?sec|npi|national provider|nhs|ohip|health[ _-]?card|phn|hcn|"
                r"personal health number|phone|tel|mobile|cell|fax|contact")
_BASE = {
    DIGITS: [
        r"[0-8]\d\d[ -]+\d\d[ -]+\d{4}",                  # SSN 3-2-4: area 001-899
        r"[2-9]\d\d[ ().-]+[2-9]\d\d[ ().-]+\d{4}",       # NANP phone 3-3-4: area and exchange 2-9
        r"[2-6]\d{12}",                                   # card, one group: issuers start 2-6
        r"[2-6]\d{2,5}[ -]+\d{3,6}[ -]+\d{3}",            # card, grouped 3-6 digits
        r"(?i:" + _DIGIT_WORDS + ")",
    ],
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
    DIGITS: [r"\d{9}", r"\d{3}[ ().-]+\d{3}[ ().-]+\d{4}"],
    UPPER: [r"[A-Z][A-Z9]\d{7}"],
}
_CONTEXT_WORDS = re.compile(r"(?i)" + _DIGIT_WORDS + "|dea")
_ORDER = (DIGITS, UPPER, EMAIL, KEYWORDS)
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


def _region(data: bytes, start: int, end: int) -> tuple[int, int]:
    """Byte span to re-scan for a trigger at ``start:end``: its line, or on a long line (minified
    code, one-line JSON) a window cut at characters no detector match can contain."""
    line_start = data.rfind(b"\n", 0, start) + 1
    line_end = data.find(b"\n", end)
    line_end = len(data) if line_end < 0 else line_end
    if line_end - line_start <= LONG_LINE:
        return line_start, line_end
    lo, hi = max(line_start, start - MARGIN), min(line_end, end + MARGIN)
    cut = max(data.rfind(c, max(line_start, lo - SNAP), lo) for c in _BREAKS)
    lo = line_start if cut < 0 else cut + 1
    cuts = [i for c in _BREAKS if (i := data.find(c, hi, min(line_end, hi + SNAP))) >= 0]
    return lo, min(cuts) if cuts else line_end


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
    for m in pattern.finditer(data):
        family = _ORDER[m.lastindex - 1]
        start, end = _region(data, m.start(), m.end())
        if start < hi:
            families, hi = families | family, max(hi, end)
            continue
        if families:
            yield to_str(lo), to_str(hi), families
        lo, hi, families = start, end, family
    if families:
        yield to_str(lo), to_str(hi), families


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
