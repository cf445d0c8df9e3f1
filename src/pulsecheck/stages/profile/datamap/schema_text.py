"""Light parsers for schema languages read as text: Prisma, SQL DDL, ActiveRecord, JPA, GraphQL.

Regex and brace matching only, never a language runtime. Each returns ``Table`` objects;
malformed input yields what could be read (a parser never raises on odd text).
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from pulsecheck.stages.profile.datamap.model import Column, Table, line_of

_IDENT = r'[`"\[]?([A-Za-z_][\w$]*)[`"\]]?'


def block_end(text: str, open_index: int, opener: str = "{", closer: str = "}") -> int:
    """Index just after the bracket matching ``text[open_index]`` (strings skipped)."""
    depth, i, quote = 0, open_index, ""
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "\"'`":
            quote = ch
        elif ch == opener:
            depth += 1
        elif ch == closer:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return len(text)


# --- Prisma -------------------------------------------------------------------------------------
_PRISMA_BLOCK = re.compile(r"^\s*(model|datasource|type)\s+(\w+)\s*\{", re.M)
_PRISMA_FIELD = re.compile(r"^\s*(\w+)\s+([\w\[\]?]+)(.*)$", re.M)


def parse_prisma(rel: str, text: str) -> list[Table]:
    blocks = [(m.group(1), m.group(2), m.end() - 1, m.start()) for m in _PRISMA_BLOCK.finditer(text)]
    datasource = next((name for kind, name, _, _ in blocks if kind == "datasource"), "db")
    models = {name for kind, name, _, _ in blocks if kind in ("model", "type")}
    store = f"prisma:{rel}#{datasource}"
    out: list[Table] = []
    for kind, name, brace, start in blocks:
        if kind != "model":
            continue
        body = text[brace + 1:block_end(text, brace) - 1]
        mapped = re.search(r'@@map\(\s*"([^"]+)"', body)
        schema = re.search(r'@@schema\(\s*"([^"]+)"', body)
        cols = []
        for fm in _PRISMA_FIELD.finditer(body):
            field, ftype, rest = fm.group(1), fm.group(2), fm.group(3)
            if field.startswith("@@") or "@relation" in rest or ftype.rstrip("[]?") in models:
                continue
            cols.append(Column(field, ftype, line_of(text, brace + 1 + fm.start(1))))
        out.append(Table(mapped.group(1) if mapped else name, store, "prisma", rel, line_of(text, start), cols,
                         schema=schema.group(1) if schema else None))
    return out


# --- SQL DDL ------------------------------------------------------------------------------------
_CREATE = re.compile(r"\bcreate\s+(?:(?:global\s+|local\s+)?(?:temporary|temp)\s+|unlogged\s+)?table\s+"
                     r"(?:if\s+not\s+exists\s+)?((?:" + _IDENT + r"\s*\.\s*){0,2}" + _IDENT + r")\s*\(", re.I)
_ALTER_ADD = re.compile(r"\balter\s+table\s+(?:only\s+)?(?:if\s+exists\s+)?((?:" + _IDENT + r"\s*\.\s*){0,2}"
                        + _IDENT + r")\s+add\s+(?:column\s+)?(?:if\s+not\s+exists\s+)?" + _IDENT + r"\s+(\w+)", re.I)
_USE_DB = re.compile(r"^\s*(?:use\s+|\\c(?:onnect)?\s+|create\s+database\s+(?:if\s+not\s+exists\s+)?)"
                     + _IDENT, re.I | re.M)
_NOT_COLUMN = {"constraint", "primary", "foreign", "unique", "check", "index", "key", "exclude", "like",
               "fulltext", "spatial", "period"}


def _split_top(body: str) -> list[tuple[int, str]]:
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(body):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append((start, body[start:i]))
            start = i + 1
    parts.append((start, body[start:]))
    return parts


def _qualified(raw: str) -> tuple[str | None, str]:
    names = [n.strip().strip('`"[]') for n in raw.split(".")]
    return (names[-2] if len(names) > 1 else None), names[-1]


def parse_sql(rel: str, text: str) -> list[Table]:
    """CREATE TABLE / ALTER TABLE ADD COLUMN. Store: the database named by USE / \\connect /
    CREATE DATABASE before the statement, else the file's directory (one migration set, one DB)."""
    text = re.sub(r"--[^\n]*", lambda m: " " * len(m.group(0)), text)
    default_store = f"sql:{PurePosixPath(rel).parent}"
    uses = [(m.start(), m.group(1)) for m in _USE_DB.finditer(text)]

    def store_at(index: int) -> str:
        db = next((name for pos, name in reversed(uses) if pos < index), None)
        return f"sql-db:{db}" if db else default_store

    tables: dict[str, Table] = {}
    for m in _CREATE.finditer(text):
        schema, name = _qualified(m.group(1))
        paren = m.end() - 1
        body = text[paren + 1:block_end(text, paren, "(", ")") - 1]
        cols = []
        for offset, part in _split_top(body):
            words = part.strip().split()
            if not words or words[0].lower().strip('`"[]') in _NOT_COLUMN:
                continue
            cols.append(Column(words[0].strip('`"[]'), words[1] if len(words) > 1 else None,
                               line_of(text, paren + 1 + offset + len(part) - len(part.lstrip()))))
        tables[name.lower()] = Table(name, store_at(m.start()), "sql", rel, line_of(text, m.start()), cols,
                                     schema=schema, authoritative=False)
    for m in _ALTER_ADD.finditer(text):
        schema, name = _qualified(m.group(1))
        col_name = m.group(4)
        table = tables.setdefault(name.lower(), Table(name, store_at(m.start()), "sql", rel,
                                                      line_of(text, m.start()), schema=schema, authoritative=False))
        table.columns.append(Column(col_name, m.group(5), line_of(text, m.start())))
    return list(tables.values())


# --- ActiveRecord (schema.rb and migrations) ----------------------------------------------------
_RB_CREATE = re.compile(r"create_table\s*\(?\s*[:\"']([\w.]+)[\"']?[^\n]*?do\s*\|(\w+)\|", re.M)
_RB_COL = r"^\s*{var}\.(\w+)\s+[:\"'](\w+)"
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
    store = _rails_store(rel)
    is_schema = rel.endswith("schema.rb")
    tables: dict[str, Table] = {}
    for m in _RB_CREATE.finditer(text):
        end = re.compile(r"^\s*end\b", re.M).search(text, m.end())
        body_end = end.start() if end else len(text)
        table = Table(m.group(1), store, "activerecord", rel, line_of(text, m.start()), authoritative=is_schema)
        for cm in re.compile(_RB_COL.format(var=re.escape(m.group(2))), re.M).finditer(text, m.end(), body_end):
            if cm.group(1) not in ("index", "timestamps", "references", "belongs_to"):
                table.columns.append(Column(cm.group(2), cm.group(1), line_of(text, cm.start())))
        tables[table.name] = table
    for m in _RB_ADD.finditer(text):
        table = tables.setdefault(m.group(1), Table(m.group(1), store, "activerecord", rel,
                                                    line_of(text, m.start()), authoritative=is_schema))
        table.columns.append(Column(m.group(2), m.group(3), line_of(text, m.start())))
    return list(tables.values())


# --- JPA entities -------------------------------------------------------------------------------
_JPA_CLASS = re.compile(r"@Entity\b[\s\S]*?\bclass\s+(\w+)[^{]*\{")
_JPA_FIELD = re.compile(r"^\s*(?:@[\w.]+(?:\([^)]*\))?\s*)*(?:(?:private|protected|public)\s+)?(?:final\s+)?"
                        r"([\w.<>,\[\]? ]+?)\s+(\w+)\s*(?:=[^;]*)?;", re.M)
_JPA_TABLE = re.compile(r'@Table\s*\(([^)]*)\)')


def parse_jpa(rel: str, text: str, store: str = "jpa:default") -> list[Table]:
    out = []
    for m in _JPA_CLASS.finditer(text):
        table_ann = _JPA_TABLE.search(text, m.start(), m.end())
        name = m.group(1)
        schema = None
        if table_ann:
            nm = re.search(r'name\s*=\s*"([^"]+)"', table_ann.group(1))
            sc = re.search(r'(?:schema|catalog)\s*=\s*"([^"]+)"', table_ann.group(1))
            name = nm.group(1) if nm else name
            schema = sc.group(1) if sc else None
        brace = m.end() - 1
        body_start, body_end = brace + 1, block_end(text, brace) - 1
        body = _strip_nested(text[body_start:body_end])
        cols = []
        for fm in _JPA_FIELD.finditer(body):
            decl = fm.group(0)
            if "static" in decl or "@Transient" in decl or "@OneToMany" in decl or "@ManyToMany" in decl:
                continue
            cols.append(Column(fm.group(2), fm.group(1).strip(), line_of(text, body_start + fm.start(2))))
        out.append(Table(name, store, "jpa", rel, line_of(text, m.start()), cols, schema=schema))
    return out


def _strip_nested(body: str) -> str:
    """Blank out method bodies and nested classes so only fields remain (offsets kept)."""
    out, depth = [], 0
    for ch in body:
        if ch == "{":
            depth += 1
        if depth and ch != "\n":
            out.append(" ")
        else:
            out.append(ch)
        if ch == "}":
            depth = max(0, depth - 1)
    return "".join(out)


# --- GraphQL SDL --------------------------------------------------------------------------------
_GQL_TYPE = re.compile(r"^\s*(?:extend\s+)?(type|input|interface)\s+(\w+)[^{\n]*\{", re.M)
_GQL_FIELD = re.compile(r"^\s*(\w+)\s*(?:\([^)]*\))?\s*:\s*([\w!\[\]]+)", re.M)


def parse_graphql(rel: str, text: str) -> list[Table]:
    out = []
    for m in _GQL_TYPE.finditer(text):
        if m.group(2) in ("Query", "Mutation", "Subscription"):
            continue
        brace = m.end() - 1
        body_start, body_end = brace + 1, block_end(text, brace) - 1
        cols = [Column(fm.group(1), fm.group(2), line_of(text, body_start + fm.start(1)))
                for fm in _GQL_FIELD.finditer(text, body_start, body_end)]
        out.append(Table(m.group(2), f"api:graphql:{rel}", "graphql", rel, line_of(text, m.start()), cols,
                         store_kind="api"))
    return out
