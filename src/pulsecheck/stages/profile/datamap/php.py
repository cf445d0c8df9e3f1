"""Tables from PHP: Laravel/Eloquent schema migrations and raw SQL DDL in PHP strings.

``Schema::create('patients', function (Blueprint $table) { $table->string('first_name'); })``
is a table of the migration's connection (``Schema::connection('x')`` names another; the
default connection is one store, never one per migration file). ``CREATE TABLE`` inside a
PHP string (OpenEMR-style installers) is read by the SQL parser, in the repository's SQL
database. Bounded patterns and blocks cut at the next ``Schema::`` keep it linear.
"""

from __future__ import annotations

import bisect
import re

from pulsecheck.stages.profile.datamap.model import Column, Table
from pulsecheck.stages.profile.datamap.schema_text import parse_sql
from pulsecheck.stages.profile.datamap.textscan import Source, string_end

_SCHEMA = re.compile(r"Schema::(?:connection\(\s*['\"]([\w.-]+)['\"]\s*\)\s*->\s*)?(create|table)\s*\(\s*['\"]"
                     r"([\w.]+)['\"]\s*,\s*(?:static\s+)?function\s*\(\s*(?:Blueprint\s+)?\$(\w+)\s*\)"
                     r"(?:\s*use\s*\([^)]{0,200}\))?(?:\s*:\s*\w+)?\s*\{")
_CALL = r"\${var}\s*->\s*(\w+)\s*\(\s*['\"](\w+)['\"]"
_NOT_COLUMN = frozenset({"index", "unique", "primary", "foreign", "dropcolumn", "dropindex", "dropunique",
                         "dropprimary", "dropforeign", "renamecolumn", "renameindex", "comment", "engine", "charset",
                         "collation", "spatialindex", "fulltext", "dropifexists", "rename", "drop", "after"})
_QUOTE = re.compile(r"[\"']")
_DDL = re.compile(r"\b(?:create|alter)\s+table\b", re.I)


def parse_php(rel: str, text: str) -> list[Table]:
    return _migrations(rel, text) + _raw_sql(rel, text)


def _migrations(rel: str, text: str) -> list[Table]:
    if "Schema::" not in text:
        return []
    src = Source(text, comments=("//", "#"))
    found = list(_SCHEMA.finditer(text))
    starts = [m.start() for m in found]
    out = []
    for m in found:
        i = bisect.bisect_right(starts, m.start())
        end = min(src.block_end(m.end() - 1), starts[i] if i < len(starts) else len(text))
        table = Table(m.group(3), f"laravel:{m.group(1) or 'default'}", "eloquent", rel, src.line(m.start()),
                      authoritative=False)
        for c in re.compile(_CALL.format(var=re.escape(m.group(4)))).finditer(text, m.end(), end):
            if c.group(1).lower() not in _NOT_COLUMN:
                table.columns.append(Column(c.group(2), c.group(1), src.line(c.start(2))))
        out.append(table)
    return out


def _raw_sql(rel: str, text: str) -> list[Table]:
    if _DDL.search(text) is None:
        return []
    src = Source(text)
    out = []
    for start, body in _strings(text):
        if _DDL.search(body) is None:
            continue
        first = src.line(start)
        for t in parse_sql(rel, body, source="sql-php"):
            t.line = (t.line or 1) + first - 1
            for c in t.columns:
                c.line = (c.line or 1) + first - 1
            out.append(t)
    return out


def _strings(text: str) -> list[tuple[int, str]]:
    """(offset, content) of every quoted string, each scanned once (unclosed: to the end)."""
    out, i = [], 0
    while (m := _QUOTE.search(text, i)) is not None:
        i = string_end(text, m.end(), m.group(0), True)
        out.append((m.start(), text[m.end():i - 1]))
    return out
