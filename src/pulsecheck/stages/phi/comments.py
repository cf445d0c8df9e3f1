"""Comments and docstrings of source files: where code shows example values, never stores them.

Measured on real health repositories, patient-shaped values in source code sat in comments and
docstrings: a sample API payload in a Python docstring, an HL7 message in a PHP block comment.
They are examples for the reader; an identifier every one of whose occurrences is inside one is
reported low, with that reason. Data files (SQL, CSV, JSON, logs) have no such exemption.

The spans are found in one forward pass (each comment's end by ``str.find`` from its start, and
the search resumes after it), so hostile input stays linear. Only comments that start a line or
follow whitespace or punctuation count, so ``"src/*.js"`` and ``http://`` are not comments.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from functools import lru_cache

REASON = "example in code comment/docstring"

_C = ("/*", "//")
_HASH = ("#",)
_SYNTAX: dict[str, tuple[str, ...]] = {
    **dict.fromkeys((".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx", ".java", ".kt", ".go", ".cs", ".swift", ".rs",
                     ".c", ".h", ".cpp", ".hpp", ".cc", ".scala", ".dart", ".groovy"), _C),
    ".php": (*_C, *_HASH),
    ".py": (*_HASH, '"""', "'''"),
    ".rb": _HASH, ".sh": _HASH, ".pl": _HASH, ".r": _HASH,
}
_LEAD = frozenset("\n \t;{}(),")  # a comment starts a line or follows whitespace or code punctuation


def syntax_for(rel: str) -> tuple[str, ...]:
    """The comment openers of ``rel``'s language; empty for data and unknown files."""
    name = rel.lower().rsplit("/", 1)[-1]
    dot = name.rfind(".")
    return _SYNTAX.get(name[dot:], ()) if dot >= 0 else ()


@lru_cache(maxsize=8)
def _opener(syntax: tuple[str, ...]) -> re.Pattern[str]:
    """The openers as plain literals: the regex engine scans for them at memory speed."""
    return re.compile("|".join(re.escape(s) for s in syntax))


def _starts_comment(text: str, start: int, token: str) -> bool:
    if token in ('"""', "'''"):  # a docstring is a triple-quoted string that starts its line
        line = text.rfind("\n", max(0, start - 200), start) + 1  # indentation is short: bounded look back
        return (line > 0 or start <= 200) and text[line:start].strip(" \t") in ("", "r", "u", "R", "U")
    return start == 0 or text[start - 1] in _LEAD


def spans(text: str, syntax: tuple[str, ...]) -> list[tuple[int, int]]:
    """``[start, end)`` of every comment and docstring of ``text``, in order, not overlapping."""
    if not syntax:
        return []
    opener, out, pos = _opener(syntax), [], 0
    while (m := opener.search(text, pos)) is not None:
        token, start = m.group(0), m.start()
        comment = _starts_comment(text, start, token)
        if not comment and token in ("//", "#", "/*"):
            pos = m.end()
            continue
        if token in ("//", "#"):
            end = text.find("\n", start)
        else:
            close = "*/" if token == "/*" else token
            end = text.find(close, start + len(token))
            end = end + len(close) if end >= 0 else -1
        end = len(text) if end < 0 else end
        if comment:  # a triple-quoted string that is not a docstring is skipped whole, not marked
            out.append((start, end))
        pos = max(end, m.end())
    return out


def membership(found: list[tuple[int, int]]) -> Callable[[int], bool] | None:
    """``inside(offset)``: whether an offset is in one of the ``found`` spans (None: no spans)."""
    if not found:
        return None
    starts = [s for s, _ in found]

    def inside(offset: int) -> bool:
        i = bisect.bisect_right(starts, offset) - 1
        return i >= 0 and offset < found[i][1]
    return inside


def blank(text: str, found: list[tuple[int, int]]) -> str:
    """``text`` with its comments replaced by spaces (newlines kept, so line numbers hold)."""
    if not found:
        return text
    pieces, pos = [], 0
    for start, end in found:
        pieces.append(text[pos:start])
        pieces.append(re.sub(r"[^\n]", " ", text[start:end]))
        pos = end
    pieces.append(text[pos:])
    return "".join(pieces)
