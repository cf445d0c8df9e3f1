r"""Light parsers for schema languages read as text: Prisma, SQL DDL, ActiveRecord, GraphQL.

Regex and brace matching only, never a language runtime. Each returns ``Table`` objects;
malformed input yields what could be read (a parser never raises on odd text). Every pass
is linear on hostile input: line numbers and bracket pairs come from one index per file
(``textscan.Source``), no pattern lets ``\s*`` run across lines from every line start, and a
block that never closes ends where the next one starts.
"""

from __future__ import annotations

import bisect
import re
from pathlib import PurePosixPath

from pulsecheck.stages.profile.datamap.model import Column, Table
from pulsecheck.stages.profile.datamap.textscan import Source

_IDENT = r'[`"\[]?([A-Za-z_][\w$]*)[`"\]]?'
SQL_DEFAULT_STORE = "sql:default"


# --- Prisma -------------------------------------------------------------------------------------
_PRISMA_BLOCK = re.compile(r"^[ \t]*(model|datasource|type)[ \t]+(\w+)\s*\{", re.M)
_PRISMA_FIELD = re.compile(r"^[ \t]*(\w+)[ \t]+([\w\[\]?]+)([^\n]*)$", re.M)


def _bounded_ends(src: Source, starts: list[int], braces: list[int], opener: str = "{", closer: str = "}") -> list[int]:
    """End of each block, cut at the next block's start when it never closes."""
    return [min(src.block_end(b, opener, closer), starts[i + 1] if i + 1 < len(starts) else len(src.text))
            for i, b in enumerate(braces)]


def parse_prisma(rel: str, text: str) -> list[Table]:
    src = Source(text)
    blocks = [(m.group(1), m.group(2), m.end() - 1, m.start()) for m in _PRISMA_BLOCK.finditer(text)]
    ends = _bounded_ends(src, [b[3] for b in blocks], [b[2] for b in blocks])
    datasource = next((name for kind, name, _, _ in blocks if kind == "datasource"), "db")
    models = {name for kind, name, _, _ in blocks if kind in ("model", "type")}
    store = f"prisma:{rel}#{datasource}"
    out: list[Table] = []
    for (kind, name, brace, start), end in zip(blocks, ends, strict=True):
        if kind != "model":
            continue
        body = text[brace + 1:end - 1]
        mapped = re.search(r'@@map\(\s*"([^"\n]+)"', body)
        schema = re.search(r'@@schema\(\s*"([^"\n]+)"', body)
        cols = []
        for fm in _PRISMA_FIELD.finditer(body):
            field, ftype, rest = fm.group(1), fm.group(2), fm.group(3)
            if field.startswith("@@") or "@relation" in rest or ftype.rstrip("[]?") in models:
                continue
            cols.append(Column(field, ftype, src.line(brace + 1 + fm.start(1))))
        out.append(Table(mapped.group(1) if mapped else name, store, "prisma", rel, src.line(start), cols,
                         schema=schema.group(1) if schema else None))
    return out


# --- SQL DDL ------------------------------------------------------------------------------------
_CREATE = re.compile(r"\bcreate\s+(?:(?:global\s+|local\s+)?(?:temporary|temp)\s+|unlogged\s+)?table\s+"
                     r"(?:if\s+not\s+exists\s+)?((?:" + _IDENT + r"\s*\.\s*){0,2}" + _IDENT + r")\s*\(", re.I)
_ALTER_ADD = re.compile(r"\balter\s+table\s+(?:only\s+)?(?:if\s+exists\s+)?((?:" + _IDENT + r"\s*\.\s*){0,2}"
                        + _IDENT + r")\s+add\s+(?:column\s+)?(?:if\s+not\s+exists\s+)?" + _IDENT + r"\s+(\w+)", re.I)
_USE_DB = re.compile(r"^[ \t]*(?:use[ \t]+|\\c(?:onnect)?[ \t]+|create[ \t]+database[ \t]+(?:if[ \t]+not[ \t]+"
                     r"exists[ \t]+)?)" + _IDENT, re.I | re.M)
_SQL_COMMENT = re.compile(r"--[^\n]*|/\*[^*]*(?:\*+[^*/][^*]*)*(?:\*+/|\**\Z)")
_NOT_COLUMN = {"constraint", "primary", "foreign", "unique", "check", "index", "key", "exclude", "like",
               "fulltext", "spatial", "period"}


def _split_top(body: str) -> list[tuple[int, str]]:
    parts, depth, start = [], 0, 0
    for m in re.finditer(r"[(),]", body):
        ch = m.group(0)
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0:
            parts.append((start, body[start:m.start()]))
            start = m.start() + 1
    parts.append((start, body[start:]))
    return parts


def _qualified(raw: str) -> tuple[str | None, str]:
    names = [n.strip().strip('`"[]') for n in raw.split(".")]
    return (names[-2] if len(names) > 1 else None), names[-1]


def parse_sql(rel: str, text: str, default_store: str = SQL_DEFAULT_STORE, source: str = "sql") -> list[Table]:
    """CREATE TABLE / ALTER TABLE ADD COLUMN. Store: the database named by USE / \\connect /
    CREATE DATABASE before the statement, else ``default_store``: one repository's SQL files
    and migrations are one database unless they name another (not one store per directory)."""
    text = _SQL_COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
    src = Source(text, comments=("#",), block_comments=False, multiline_quotes="'")
    uses = [(m.start(), m.group(1)) for m in _USE_DB.finditer(text)]
    use_at = [pos for pos, _ in uses]

    def store_at(index: int) -> str:
        i = bisect.bisect_left(use_at, index)
        return f"sql-db:{uses[i - 1][1]}" if i else default_store

    creates = list(_CREATE.finditer(text))
    ends = _bounded_ends(src, [m.start() for m in creates], [m.end() - 1 for m in creates], "(", ")")
    tables: dict[str, Table] = {}
    for m, end in zip(creates, ends, strict=True):
        schema, name = _qualified(m.group(1))
        paren = m.end() - 1
        body = text[paren + 1:end - 1]
        cols = []
        for offset, part in _split_top(body):
            words = part.split(None, 2)
            if not words or words[0].lower().strip('`"[]') in _NOT_COLUMN:
                continue
            cols.append(Column(words[0].strip('`"[]'), words[1] if len(words) > 1 else None,
                               src.line(paren + 1 + offset + len(part) - len(part.lstrip()))))
        tables[name.lower()] = Table(name, store_at(m.start()), source, rel, src.line(m.start()), cols,
                                     schema=schema, authoritative=False)
    for m in _ALTER_ADD.finditer(text):
        schema, name = _qualified(m.group(1))
        col_name = m.group(4)
        table = tables.setdefault(name.lower(), Table(name, store_at(m.start()), source, rel,
                                                      src.line(m.start()), schema=schema, authoritative=False))
        table.columns.append(Column(col_name, m.group(5), src.line(m.start())))
    return list(tables.values())


# --- ActiveRecord (schema.rb and migrations) ----------------------------------------------------
_RB_CREATE = re.compile(r"create_table\s*\(?\s*[:\"']([\w.]+)[\"']?[^\n]{0,400}?do[ \t]*\|(\w+)\|")
_RB_END = re.compile(r"^[ \t]*end\b", re.M)
_RB_COL = r"^[ \t]*{var}\.(\w+)[ \t]+[:\"'](\w+)"
_RB_ADD = re.compile(r"add_column\s*\(?\s*[:\"'](\w+)[\"']?\s*,\s*[:\"'](\w+)[\"']?\s*,\s*:(\w+)")


def _rails_store(rel: str) -> str:
    path = PurePosixPath(rel)
    name = path.name
    if name.endswith("_schema.rb") or name.endswith("_structure.sql"):
        return f"rails:{name.rsplit('_', 1)[0]}"
    for part in path.parts:
        if part.endswith("_migrate") and part != "migrate":
            return f"rails:{part[:-len('_migrate')]}"
    return "rails:primary"


def parse_rails(rel: str, text: str) -> list[Table]:
    src = Source(text, comments=("#",), block_comments=False)
    store = _rails_store(rel)
    is_schema = rel.endswith("schema.rb")
    ends = [m.start() for m in _RB_END.finditer(text)]
    creates = list(_RB_CREATE.finditer(text))
    tables: dict[str, Table] = {}
    for i, m in enumerate(creates):
        j = bisect.bisect_left(ends, m.end())
        body_end = min(ends[j] if j < len(ends) else len(text),
                       creates[i + 1].start() if i + 1 < len(creates) else len(text))
        table = Table(m.group(1), store, "activerecord", rel, src.line(m.start()), authoritative=is_schema)
        for cm in re.compile(_RB_COL.format(var=re.escape(m.group(2))), re.M).finditer(text, m.end(), body_end):
            if cm.group(1) not in ("index", "timestamps", "references", "belongs_to"):
                table.columns.append(Column(cm.group(2), cm.group(1), src.line(cm.start())))
        tables[table.name] = table
    for m in _RB_ADD.finditer(text):
        table = tables.setdefault(m.group(1), Table(m.group(1), store, "activerecord", rel,
                                                    src.line(m.start()), authoritative=is_schema))
        table.columns.append(Column(m.group(2), m.group(3), src.line(m.start())))
    return list(tables.values())


# --- GraphQL SDL --------------------------------------------------------------------------------
_GQL_TYPE = re.compile(r"^[ \t]*(?:extend[ \t]+)?(type|input|interface)[ \t]+(\w+)[^{\n]*\{", re.M)
_GQL_FIELD = re.compile(r"^[ \t]*(\w+)[ \t]*(?:\([^)]{0,2000}\))?[ \t]*:[ \t]*([\w!\[\]]+)", re.M)


def parse_graphql(rel: str, text: str) -> list[Table]:
    src = Source(text, comments=("#",), block_comments=False)
    types = list(_GQL_TYPE.finditer(text))
    ends = _bounded_ends(src, [m.start() for m in types], [m.end() - 1 for m in types])
    out = []
    for m, end in zip(types, ends, strict=True):
        if m.group(2) in ("Query", "Mutation", "Subscription"):
            continue
        body_start = m.end()
        cols = [Column(fm.group(1), fm.group(2), src.line(fm.start(1)))
                for fm in _GQL_FIELD.finditer(text, body_start, max(body_start, end - 1))]
        out.append(Table(m.group(2), f"api:graphql:{rel}", "graphql", rel, src.line(m.start()), cols,
                         store_kind="api"))
    return out
