"""Tables from JavaScript/TypeScript ORMs: TypeORM entities, Sequelize models, Mongoose schemas.

Light parsing (regex + brace matching of object literals), no JS runtime. Stores: TypeORM's
``@Entity({ database })`` (else the default data source); Sequelize's instance variable
(``sequelize.define`` / ``Model.init(..., { sequelize })``); Mongoose's connection
(``mongoose.model`` = default connection, ``conn.model`` = that connection).

A Sequelize model needs Sequelize evidence: ``x.init({...})`` alone is any library's
initialiser (jQuery plugins, charts, SDKs). ``Model.init({...}, { sequelize })`` or
``sequelize.define(`` counts only in a file that imports Sequelize or in a project that
depends on it (``project_sequelize``). Patterns are bounded and blocks that never close end
where the next model starts, so the parser stays linear on hostile input.
"""

from __future__ import annotations

import bisect
import re

from pulsecheck.stages.profile.datamap.model import Column, Table
from pulsecheck.stages.profile.datamap.textscan import Source, blank_blocks, string_end

_ENTITY = re.compile(r"@Entity\s*\(([^)]{0,500})\)\s*(?:@\w+(?:\([^)]{0,500}\))?\s*){0,8}(?:export\s+)?(?:default\s+)?"
                     r"(?:abstract\s+)?class\s+(\w+)[^{]{0,500}\{")
_DECORATOR = re.compile(r"@(\w+)")
_COLUMN_DECORATORS = frozenset({"Column", "PrimaryColumn", "PrimaryGeneratedColumn", "CreateDateColumn",
                                "UpdateDateColumn", "DeleteDateColumn", "VersionColumn", "ObjectIdColumn"})
_TS_PROP = re.compile(r"\s*(?:(?:public|private|protected|readonly|declare)\s+)*(\w+)[?!]?[ \t]*:[ \t]*([^;=\n]+)")
_DEFINE = re.compile(r"(?<![\w$])(\w+)\.define\s*\(\s*['\"`](\w+)['\"`]\s*,\s*\{")
_INIT = re.compile(r"(?<![\w$])(\w+)\.init\s*\(\s*\{")
_SCHEMA = re.compile(r"(?<![\w$])(\w+)\s*=\s*new\s+(?:mongoose\.)?Schema\s*(?:<[^>\n]{0,300}>)?\s*\(\s*\{")
_MODEL = re.compile(r"(?<![\w$])(\w+)\.model\s*(?:<[^>\n]{0,300}>)?\s*\(\s*['\"`](\w+)['\"`]\s*,\s*(\w+)")
_KEY = re.compile(r"(?:\s|//[^\n]*\n|/\*[^*]*(?:\*+[^*/][^*]*)*\*+/)*['\"]?([A-Za-z_$][\w$]*)['\"]?\s*:")
_OBJ_TOKEN = re.compile(r"""["'`]|[{}\[\]()]|,|//|/\*""")
SEQUELIZE_IMPORT = re.compile(r"""(?:require\s*\(\s*|from\s+|import\s+)['"](?:sequelize|sequelize-typescript)['"]""")
_SEQUELIZE_OPTION = re.compile(r"\s*,\s*\{[^{}]{0,400}?\bsequelize\b\s*(?::\s*(\w+))?")


def object_keys(src: Source, brace: int, end: int) -> list[tuple[str, int]]:
    """Top-level keys of the object literal opening at ``text[brace]`` (up to ``end``): (key, offset)."""
    text = src.text
    keys: list[tuple[str, int]] = []
    depth, i = 0, brace
    expect_key = False
    while i < end:
        if expect_key and depth == 1:
            expect_key = False
            m = _KEY.match(text, i, end)
            if m:
                keys.append((m.group(1), m.start(1)))
                i = m.end()
                continue
        m = _OBJ_TOKEN.search(text, i, end)
        if m is None:
            break
        tok, i = m.group(0), m.end()
        if tok in "{[(":
            depth += 1
            expect_key = depth == 1
        elif tok in "}])":
            depth -= 1
            if depth == 0:
                break
        elif tok == ",":
            expect_key = depth == 1
        elif tok == "//":
            close = text.find("\n", i, end)
            i = end if close < 0 else close + 1
        elif tok == "/*":
            close = text.find("*/", i, end)
            i = end if close < 0 else close + 2
        else:
            i = min(string_end(text, i, tok, tok == "`"), end)
    return keys


def parse_js(rel: str, text: str, project_sequelize: bool = False) -> list[Table]:
    src = Source(text)
    # each pattern only where its literal occurs: an ExtJS app has thousands of files with
    # ``Ext.define(`` and no model at all (the leading ``(?<![\w$])`` keeps each attempt to one
    # identifier start, so a long identifier is not re-scanned from every one of its letters)
    present = [rx for rx, lit in ((_ENTITY, "@Entity"), (_DEFINE, ".define"), (_INIT, ".init"), (_SCHEMA, "Schema"))
               if lit in text]
    starts = sorted(m.start() for rx in present for m in rx.finditer(text))

    def stop(after: int) -> int:
        """Where the next model starts: an object that never closes ends there."""
        i = bisect.bisect_right(starts, after)
        return starts[i] if i < len(starts) else len(text)

    out: list[Table] = []
    for m in _ENTITY.finditer(text) if _ENTITY in present else ():
        opts, name = m.group(1), m.group(2)
        table_name = re.search(r"^\s*['\"`](\w+)['\"`]", opts) or re.search(r"name\s*:\s*['\"`](\w+)", opts)
        db = re.search(r"database\s*:\s*['\"`]([\w.-]+)", opts)
        schema = re.search(r"schema\s*:\s*['\"`]([\w.-]+)", opts)
        brace = m.end() - 1
        end = min(src.block_end(brace), stop(m.start()))
        cols = [Column(col, ctype, src.line(off)) for col, ctype, off in _typeorm_columns(src, brace, end)]
        out.append(Table(table_name.group(1) if table_name else name, f"typeorm:{db.group(1) if db else 'default'}",
                         "typeorm", rel, src.line(m.start()), cols, schema=schema.group(1) if schema else None))
    sequelize = project_sequelize or SEQUELIZE_IMPORT.search(text) is not None
    if sequelize:
        for m in _DEFINE.finditer(text):
            end = min(src.block_end(m.end() - 1), stop(m.start()))
            out.append(_from_object(rel, src, m.end() - 1, end, m.group(2), f"sequelize:{m.group(1)}", "sequelize"))
        for m in _INIT.finditer(text):
            brace = m.end() - 1
            close = src.block_end(brace)
            end = min(close, stop(m.start()))
            option = _SEQUELIZE_OPTION.match(text, close, close + 450) if close <= end else None
            if option is None:
                continue  # `x.init({...})` with no `{ sequelize }` options: not a Sequelize model
            tname = re.search(r"tableName\s*:\s*['\"`](\w+)", text[close:close + 400])
            store = f"sequelize:{option.group(1) or 'sequelize'}"
            out.append(_from_object(rel, src, brace, end, tname.group(1) if tname else m.group(1), store, "sequelize"))
    schemas = {m.group(1): m for m in _SCHEMA.finditer(text)} if _SCHEMA in present else {}
    for m in _MODEL.finditer(text) if schemas else ():
        sm = schemas.get(m.group(3))
        if sm is None:
            continue
        conn = "default" if m.group(1) == "mongoose" else m.group(1)
        end = min(src.block_end(sm.end() - 1), stop(sm.start()))
        out.append(_from_object(rel, src, sm.end() - 1, end, m.group(2), f"mongoose:{conn}", "mongoose"))
    return out


def _typeorm_columns(src: Source, brace: int, end: int) -> list[tuple[str, str, int]]:
    """Properties after a column decorator (other decorators may sit between): (name, type, offset)."""
    text = src.text
    out = []
    pending, skip_to = False, brace
    for d in _DECORATOR.finditer(text, brace, end):
        if d.start() < skip_to:
            continue  # inside the previous decorator's arguments
        pos = d.end()
        j = pos
        while j < end and text[j] in " \t":
            j += 1
        if j < end and text[j] == "(":
            pos = min(src.block_end(j, "(", ")"), end)
        skip_to = pos
        pending = pending or d.group(1) in _COLUMN_DECORATORS
        if not pending:
            continue
        prop = _TS_PROP.match(text, pos, end)
        if prop:
            out.append((prop.group(1), prop.group(2).strip(), prop.start(1)))
            pending = False
    return out


def _from_object(rel: str, src: Source, brace: int, end: int, name: str, store: str, source: str) -> Table:
    cols = [Column(k, None, src.line(off)) for k, off in object_keys(src, brace, end)]
    return Table(name, store, source, rel, src.line(brace), cols)


# --- TypeScript model interfaces (front ends and offline-first apps) -----------------------------
MODEL_DIR = re.compile(r"(?:^|/)(?:models?|entities|entity|domain|interfaces)/[^/]+\.tsx?$", re.I)
_TS_SHAPE = re.compile(r"^[ \t]*(?:export[ \t]+)?(?:default[ \t]+)?(?:interface[ \t]+(\w+)[^{\n]{0,300}|type[ \t]+(\w+)"
                       r"[ \t]*=[ \t]*)\{", re.M)
_TS_MEMBER = re.compile(r"^[ \t]*(?:readonly[ \t]+)?['\"]?(\w+)['\"]?[?!]?[ \t]*:[ \t]*([^;\n]+)", re.M)


# A type the code persists: the type argument of a repository, DAO, collection or model class
# (``class PatientRepository extends Repository<Patient>``, ``db.collection<Visit>("visits")``,
# ``model<IUser>("User", schema)``, Dexie's ``Table<Friend, number>``), or the entity given to
# TypeORM's ``getRepository(Patient)`` / ``@InjectRepository(Patient)``.
_PERSIST_GENERIC = re.compile(r"\b(?:\w*Repository|Repo|Dao|DAO|\w*Collection|collection|[Mm]odel|PouchDB\.Database)"
                              r"[ \t]*<[ \t]*(\w+)")
_PERSIST_CALL = re.compile(r"\b(?:getRepository|getMongoRepository|getCustomRepository|InjectRepository|InjectModel)"
                           r"[ \t]*\([ \t]*(\w+)")
_DEXIE_TABLE = re.compile(r"\bTable[ \t]*<[ \t]*(\w+)")


def persisted_types(text: str) -> set[str]:
    """Names of the types ``text`` stores through a repository, DAO, collection or model."""
    if "<" not in text and "Repository" not in text and "Model" not in text:
        return set()
    out = {m.group(1) for m in _PERSIST_GENERIC.finditer(text)}
    out.update(m.group(1) for m in _PERSIST_CALL.finditer(text))
    if "dexie" in text.lower():
        out.update(m.group(1) for m in _DEXIE_TABLE.finditer(text))
    return out


def parse_ts_models(rel: str, text: str) -> list[Table]:
    """Interfaces and object types in a ``models/`` (or ``entities/``) directory: the records a
    front end or an offline-first app keeps (HospitalRun's ``Patient``, ``Diagnosis``...).

    They are candidates only: a TypeScript interface describes a shape (a form's values, a search
    request, an API payload) and is a data-map entry only when the code persists it (see
    :func:`persisted_types`; the builder keeps those). Their store kind is ``api`` until then."""
    src = Source(text)
    shapes = list(_TS_SHAPE.finditer(text))
    starts = [m.start() for m in shapes]
    out = []
    for i, m in enumerate(shapes):
        brace = m.end() - 1
        end = min(src.block_end(brace), starts[i + 1] if i + 1 < len(starts) else len(text))
        body = blank_blocks(src, brace + 1, end - 1)
        cols = [Column(c.group(1), c.group(2).strip(), src.line(brace + 1 + c.start(1))) for c in _TS_MEMBER.finditer(body)]
        store = "api:ts-models"
        out.append(Table(m.group(1) or m.group(2), store, "typescript", rel, src.line(m.start()), cols, store_kind="api"))
    return out

