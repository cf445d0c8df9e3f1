"""Tables from JavaScript/TypeScript ORMs: TypeORM entities, Sequelize models, Mongoose schemas.

Light parsing (regex + brace matching of object literals), no JS runtime. Stores: TypeORM's
``@Entity({ database })`` (else the default data source); Sequelize's instance variable
(``sequelize.define`` / ``Model.init(..., { sequelize })``); Mongoose's connection
(``mongoose.model`` = default connection, ``conn.model`` = that connection).
"""

from __future__ import annotations

import re

from pulsecheck.stages.profile.datamap.model import Column, Table, line_of
from pulsecheck.stages.profile.datamap.schema_text import block_end

_ENTITY = re.compile(r"@Entity\s*\(([^)]*)\)\s*(?:@\w+(?:\([^)]*\))?\s*)*(?:export\s+)?(?:default\s+)?"
                     r"(?:abstract\s+)?class\s+(\w+)[^{]*\{")
_TS_PROP = re.compile(r"@(?:Column|PrimaryColumn|PrimaryGeneratedColumn|CreateDateColumn|UpdateDateColumn|"
                      r"DeleteDateColumn|VersionColumn|ObjectIdColumn)\b[^\n]*\n(?:\s*@[^\n]*\n)*\s*"
                      r"(?:(?:public|private|protected|readonly)\s+)*(\w+)[?!]?\s*:\s*([^;=\n]+)")
_DEFINE = re.compile(r"(\w+)\.define\s*\(\s*['\"`](\w+)['\"`]\s*,\s*\{")
_INIT = re.compile(r"(\w+)\.init\s*\(\s*\{")
_SCHEMA = re.compile(r"(\w+)\s*=\s*new\s+(?:mongoose\.)?Schema\s*(?:<[^>]*>)?\s*\(\s*\{")
_MODEL = re.compile(r"(\w+)\.model\s*(?:<[^>]*>)?\s*\(\s*['\"`](\w+)['\"`]\s*,\s*(\w+)")
_KEY = re.compile(r"(?:\s|//[^\n]*\n|/\*.*?\*/)*['\"]?([A-Za-z_$][\w$]*)['\"]?\s*:", re.S)


def object_keys(text: str, brace: int) -> list[tuple[str, int]]:
    """Top-level keys of the object literal opening at ``text[brace]``: (key, offset)."""
    end = block_end(text, brace)
    keys: list[tuple[str, int]] = []
    depth, i, quote, expect_key = 0, brace, "", False
    while i < end:
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif expect_key and depth == 1:
            expect_key = False
            m = _KEY.match(text, i)
            if m:
                keys.append((m.group(1), m.start(1)))
                i = m.end()
            continue
        elif ch in "\"'`":
            quote = ch
        elif ch in "{[(":
            depth += 1
            expect_key = depth == 1
        elif ch in "}])":
            depth -= 1
        elif ch == "," and depth == 1:
            expect_key = True
        i += 1
    return keys


def parse_js(rel: str, text: str) -> list[Table]:
    out: list[Table] = []
    for m in _ENTITY.finditer(text):
        opts, name = m.group(1), m.group(2)
        table_name = re.search(r"^\s*['\"`](\w+)['\"`]", opts) or re.search(r"name\s*:\s*['\"`](\w+)", opts)
        db = re.search(r"database\s*:\s*['\"`]([\w.-]+)", opts)
        schema = re.search(r"schema\s*:\s*['\"`]([\w.-]+)", opts)
        brace = m.end() - 1
        end = block_end(text, brace)
        cols = [Column(p.group(1), p.group(2).strip(), line_of(text, p.start(1)))
                for p in _TS_PROP.finditer(text, brace, end)]
        out.append(Table(table_name.group(1) if table_name else name, f"typeorm:{db.group(1) if db else 'default'}",
                         "typeorm", rel, line_of(text, m.start()), cols, schema=schema.group(1) if schema else None))
    for m in _DEFINE.finditer(text):
        out.append(_from_object(rel, text, m.end() - 1, m.group(2), f"sequelize:{m.group(1)}", "sequelize"))
    for m in _INIT.finditer(text):
        brace = m.end() - 1
        after = text[block_end(text, brace):block_end(text, brace) + 400]
        inst = re.search(r"sequelize\s*(?::\s*(\w+))?", after)
        tname = re.search(r"tableName\s*:\s*['\"`](\w+)", after)
        store = f"sequelize:{inst.group(1) or 'sequelize'}" if inst else "sequelize:sequelize"
        out.append(_from_object(rel, text, brace, tname.group(1) if tname else m.group(1), store, "sequelize"))
    schemas = {m.group(1): m for m in _SCHEMA.finditer(text)}
    for m in _MODEL.finditer(text):
        sm = schemas.get(m.group(3))
        if sm is None:
            continue
        conn = "default" if m.group(1) == "mongoose" else m.group(1)
        out.append(_from_object(rel, text, sm.end() - 1, m.group(2), f"mongoose:{conn}", "mongoose"))
    return out


def _from_object(rel: str, text: str, brace: int, name: str, store: str, source: str) -> Table:
    cols = [Column(k, None, line_of(text, off)) for k, off in object_keys(text, brace)]
    return Table(name, store, source, rel, line_of(text, brace), cols)
