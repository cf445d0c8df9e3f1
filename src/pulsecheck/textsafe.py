"""Escaping for text that came from the scanned repository (file names, matched lines).

A scanned repository is hostile input: a file name can carry terminal escape sequences,
newlines or markup, or bytes that are not UTF-8 (Python hands those over as lone surrogates,
``bad\\udcff.py``, which no UTF-8 writer can encode). Every human-facing format runs such text
through these helpers; the byte is shown as ``\\xff``, in every format the same way.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _escape(ch: str, backslash: str = "\\") -> str:
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
        return f"{backslash}x{code - 0xDC00:02x}"
    if 0xD800 <= code <= 0xDFFF:
        return f"{backslash}u{code:04x}"
    return ch.encode("unicode_escape").decode("ascii")


def escape_surrogates(text: str, *, backslash: str = "\\") -> str:
    """Lone surrogates as visible escapes (``\\xff`` for an undecodable byte); ``backslash`` is
    the spelling of one backslash in the target syntax (``\\\\`` inside a JSON string)."""
    if text.isascii():
        return text
    return _SURROGATE.sub(lambda m: _escape(m.group(0), backslash), text)


def terminal_safe(text: str, *, keep_newlines: bool = True) -> str:
    """Replace control characters (ESC, CR, bidi overrides...) and undecodable bytes with visible escapes."""

    def repl(match: re.Match[str]) -> str:
        ch = match.group(0)
        if keep_newlines and ch == "\n":
            return ch
        return _escape(ch)

    return _CONTROL.sub(repl, text)


def one_line(text: str) -> str:
    """A value that must stay on one line (a path in a table): every control char escaped."""
    return terminal_safe(text, keep_newlines=False)
