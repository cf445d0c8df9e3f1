"""Which statements of an SQL script write an SSN column: context for SSN-shaped numbers.

In SQL dumps and install scripts, nine-digit numbers are row ids, timestamps, facility NPIs and
phone numbers as often as SSNs. A number of SSN shape there is an SSN only with an SSN context:
a word near it (the detector's own window), or a statement that writes a column named like one
(``INSERT INTO patient_data (fname, ss, DOB) ...``, or ``INSERT INTO t VALUES`` into a table whose
``CREATE TABLE`` earlier in the text has such a column).

One regex pass finds the statement heads; a column list is read only up to a bounded length, so
the work stays linear in the text.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable

_HEAD = re.compile(r"(?i)\b(?:(insert|replace)(?:\s+ignore)?\s+into|(create)\s+table(?:\s+if\s+not\s+exists)?)"
                   r"\s+[`\"\[]?(?:\w+[`\"\]]?\.[`\"\[]?)?(\w+)")
_COLUMN_LIST = re.compile(r"\s*[`\"\]]?\s*\(([^()]{0,8000})\)")
_COLUMN_TEXT = 64 * 1024  # a CREATE TABLE body longer than this is not read for column names
_SSN_NAME = re.compile(r"(?i)^(?:ssn\w*|ss|ss_?n(?:um(?:ber)?|o)?|soc(?:ial)?_?sec\w*|social_?security\w*|\w*_ssn)$")
_CREATE_COLUMN = re.compile(r"(?:^|[(,])\s*[`\"\[]?(\w+)[`\"\]]?\s+\w", re.M)


def _names(column_list: str) -> list[str]:
    return [c.strip(" \t\r\n`\"[]") for c in column_list.split(",")]


def _writes_ssn(names: list[str]) -> bool:
    return any(_SSN_NAME.match(n) for n in names)


def ssn_context(text: str) -> Callable[[int], bool]:
    """``near(offset)``: whether the statement holding ``offset`` writes an SSN column."""
    starts: list[int] = []
    flags: list[bool] = []
    tables: dict[str, bool] = {}
    heads = list(_HEAD.finditer(text))
    ends = [h.start() for h in heads[1:]] + [len(text)] if heads else []
    for m, nxt in zip(heads, ends, strict=True):
        table = m.group(3).lower()  # each statement is read only up to the next one: linear
        if m.group(2):  # CREATE TABLE: remember whether it defines an SSN column
            end = text.find(";", m.end(), min(nxt, m.end() + _COLUMN_TEXT))
            body = text[m.end():end if end >= 0 else min(nxt, m.end() + _COLUMN_TEXT)]
            tables[table] = _writes_ssn([c.group(1) for c in _CREATE_COLUMN.finditer(body)])
            flag = False
        else:
            columns = _COLUMN_LIST.match(text, m.end(), nxt)
            flag = _writes_ssn(_names(columns.group(1))) if columns else tables.get(table, False)
        starts.append(m.start())
        flags.append(flag)

    def near(offset: int) -> bool:
        i = bisect.bisect_right(starts, offset) - 1
        return i >= 0 and flags[i]
    return near
