"""Escaping for text that came from the scanned repository (file names, matched lines).

A scanned repository is hostile input: a file name can carry terminal escape sequences,
newlines or markup. Every human-facing format runs such text through these helpers.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str, *, keep_newlines: bool = True) -> str:
    """Replace control characters (ESC, CR, bidi overrides...) with visible escapes."""

    def repl(match: re.Match[str]) -> str:
        ch = match.group(0)
        if keep_newlines and ch == "\n":
            return ch
        return ch.encode("unicode_escape").decode("ascii")

    return _CONTROL.sub(repl, text)


def one_line(text: str) -> str:
    """A value that must stay on one line (a path in a table): every control char escaped."""
    return terminal_safe(text, keep_newlines=False)
