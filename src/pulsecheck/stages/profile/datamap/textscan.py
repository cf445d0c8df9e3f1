"""Linear-time helpers the schema parsers share: line numbers and bracket matching, one pass each.

A scanned file is hostile input. Asking "which line is offset i on?" by counting newlines, or
"where does this block end?" by scanning from each opener, costs O(n) per question and O(n^2)
per file (1 MB of unclosed ``create table t (`` took minutes). Here each text is indexed once:
newline offsets for bisection, and every bracket pair matched with one stack walk that skips
strings and comments.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field


@dataclass(slots=True)
class Source:
    """One file's text with lazily built indexes. ``comments``: line-comment markers (``//``,
    ``--``, ``#``); ``block_comments``: whether ``/* */`` is a comment; ``multiline_quotes``:
    quote characters whose strings may span lines (JavaScript template literals)."""

    text: str
    comments: tuple[str, ...] = ("//",)
    block_comments: bool = True
    multiline_quotes: str = "`"
    _newlines: list[int] | None = field(default=None, repr=False)
    _pairs: dict[str, dict[int, int]] = field(default_factory=dict, repr=False)

    def line(self, index: int) -> int:
        """1-based line number of a character offset."""
        if self._newlines is None:
            self._newlines = [m.start() for m in re.finditer("\n", self.text)]
        return bisect.bisect_left(self._newlines, index) + 1

    def block_end(self, open_index: int, opener: str = "{", closer: str = "}") -> int:
        """Index just after the bracket matching ``text[open_index]``; ``len(text)`` if unclosed."""
        pairs = self._pairs.get(opener + closer)
        if pairs is None:
            pairs = self._pairs[opener + closer] = self._match(opener, closer)
        return pairs.get(open_index, len(self.text))

    def closing(self, open_index: int, opener: str = "{", closer: str = "}") -> int | None:
        """Like :meth:`block_end`, but ``None`` for a bracket that never closes or that sits in a
        string or comment (it opens no block)."""
        self.block_end(open_index, opener, closer)
        return self._pairs[opener + closer].get(open_index)

    def _match(self, opener: str, closer: str) -> dict[int, int]:
        text, n = self.text, len(self.text)
        specials = re.compile("|".join([re.escape(opener), re.escape(closer), "[\"'`]", *(re.escape(c) for c in self.comments),
                                        *([r"/\*"] if self.block_comments else [])]))
        pairs: dict[int, int] = {}
        stack: list[int] = []
        i = 0
        while True:
            m = specials.search(text, i)
            if m is None:
                break
            tok, i = m.group(0), m.end()
            if tok == opener:
                stack.append(m.start())
            elif tok == closer:
                if stack:
                    pairs[stack.pop()] = i
            elif tok == "/*":
                close = text.find("*/", i)
                i = n if close < 0 else close + 2
            elif tok in self.comments:
                close = text.find("\n", i)
                i = n if close < 0 else close + 1
            else:
                i = string_end(text, i, tok, tok in self.multiline_quotes)
        return pairs


def blank_blocks(src: Source, start: int, end: int) -> str:
    """``text[start:end]`` with every nested ``{...}`` blanked (newlines and offsets kept) and a
    ``;`` where each body closed, so what followed a method or a nested type never glues onto it
    (an array value such as ``@AttributeOverrides({...})`` is blanked without one)."""
    text = src.text
    parts: list[str] = []
    i = start
    while i < end:
        j = text.find("{", i, end)
        if j < 0:
            parts.append(text[i:end])
            break
        parts.append(text[i:j])
        paired = src.closing(j)
        if paired is None:  # in a string or a comment, or never closed: not a block
            parts.append(" ")
            i = j + 1
            continue
        close = min(paired, end)
        before = text[max(start, j - 200):j].rstrip()
        value = before.endswith(("(", ",", "=", "[", ":"))  # an array or object value, not a body
        parts.append(_NOT_NEWLINE.sub(" ", text[j:close - 1]) + (";" if close - 1 >= j and not value else " "))
        i = close
    return "".join(parts)[:end - start]


_NOT_NEWLINE = re.compile(r"[^\n]")
# Unrolled (body, then escape + body, ...), no possessive quantifiers: Python 3.11.0-3.11.4
# match possessive groups wrongly, and the loop always ends where the closing alternative matches.
_STRING_CLASS = {(q, ml): "[^" + q + "\\\\" + ("" if ml else "\n") + "]" for q in "\"'`" for ml in (False, True)}
_STRING_BODY = {key: re.compile(f"{c}*(?:\\\\.{c}*)*\\\\?(?:{key[0]}|\\n|\\Z)", re.S)
                for key, c in _STRING_CLASS.items()}


def string_end(text: str, i: int, quote: str, multiline: bool) -> int:
    """Offset after the string that opened just before ``i`` (a newline ends a one-line string)."""
    m = _STRING_BODY[(quote, multiline)].match(text, i)
    return m.end() if m else len(text)
