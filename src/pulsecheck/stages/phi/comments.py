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
_LEAD = r"(?:^[ \t]*|(?<=[ \t;{}(),]))"  # a comment starts a line or follows code punctuation


def syntax_for(rel: str) -> tuple[str, ...]:
    """The comment openers of ``rel``'s language; empty for data and unknown files."""
    name = rel.lower().rsplit("/", 1)[-1]
    dot = name.rfind(".")
    return _SYNTAX.get(name[dot:], ()) if dot >= 0 else ()


@lru_cache(maxsize=8)
def _opener(syntax: tuple[str, ...]) -> re.Pattern[str]:
    marks = [re.escape(s) for s in syntax if s in ("/*", "//", "#")]
    quotes = [re.escape(s) for s in syntax if s in ('"""', "'''")]
    parts = [f"{_LEAD}({'|'.join(marks)})"] if marks else []
    if quotes:  # a docstring is a triple-quoted string that starts its line
        parts.append(rf"^[ \t]*[rRuU]?({'|'.join(quotes)})")
    return re.compile("|".join(parts), re.M)


def spans(text: str, syntax: tuple[str, ...]) -> list[tuple[int, int]]:
    """``[start, end)`` of every comment and docstring of ``text``, in order, not overlapping."""
    if not syntax:
        return []
    opener, out, pos = _opener(syntax), [], 0
    while (m := opener.search(text, pos)) is not None:
        group = next(g for g in range(1, (m.re.groups or 0) + 1) if m.group(g) is not None)
        token, start = m.group(group), m.start(group)
        if token in ("//", "#"):
            end = text.find("\n", start)
        else:
            close = "*/" if token == "/*" else token
            end = text.find(close, start + len(token))
            end = end + len(close) if end >= 0 else -1
        end = len(text) if end < 0 else end
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
