"""Bytes to text for scanners: UTF-8, and UTF-16/UTF-32 with or without a byte-order mark.

A NUL byte is the usual sign of a binary file, but PowerShell writes ``.env`` and
``requirements.txt`` as UTF-16LE (``Out-File`` in Windows PowerShell 5), where every other byte
of ASCII text is NUL. Dismissing those as binary hides real secrets and pins, so the decision
is made by pattern: a BOM, or NULs exactly where UTF-16/32 puts them for mostly-ASCII text.
"""

from __future__ import annotations

import codecs

SAMPLE = 4096
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_MOSTLY = 0.9
_UNIT = {"utf-16-le": 2, "utf-16-be": 2, "utf-32-le": 4, "utf-32-be": 4}


def sniff_encoding(data: bytes) -> str | None:
    """The encoding ``data`` is in when a BOM or NUL pattern says so, else None (try UTF-8)."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    sample = data[:SAMPLE]
    if b"\x00" not in sample:
        return None
    n = len(sample)
    if n >= 4 and n % 4 == 0:
        lanes = [sample[i::4].count(0) / (n // 4) for i in range(4)]
        if lanes[1] >= _MOSTLY and lanes[2] >= _MOSTLY and lanes[3] >= _MOSTLY and lanes[0] < 0.5:
            return "utf-32-le"
        if lanes[0] >= _MOSTLY and lanes[1] >= _MOSTLY and lanes[2] >= _MOSTLY and lanes[3] < 0.5:
            return "utf-32-be"
    if n >= 2:
        half = n // 2
        even, odd = sample[0:half * 2:2].count(0) / half, sample[1:half * 2:2].count(0) / half
        if odd >= _MOSTLY and even < 0.5:
            return "utf-16-le"
        if even >= _MOSTLY and odd < 0.5:
            return "utf-16-be"
    return "binary"


def decode_text(data: bytes, errors: str = "strict") -> str | None:
    """``data`` as text, or None when it is binary (NULs in no UTF-16/32 pattern) or, with
    ``errors="strict"``, not valid in its encoding. A BOM is not part of the text."""
    encoding = sniff_encoding(data)
    if encoding == "binary":
        return None
    encoding = encoding or "utf-8"
    for bom, name in _BOMS:
        if name == encoding and data.startswith(bom):
            data = data[len(bom):]
            break
    if errors == "strict" and len(data) % _UNIT.get(encoding, 1):
        return None
    try:
        return data.decode(encoding, errors)
    except UnicodeDecodeError:
        return None
