"""Fields of API shapes: OpenAPI/Swagger components and JSON Schema documents.

API shapes say what personal data travels, not where it is stored: their tables have store
kind ``api`` and never count for the co-location check. Nested object properties are listed
as ``parent.child`` (one level) so a ``patient.address`` is not lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulsecheck.stages.profile.datamap.model import Column, Table

MAX_COLUMNS = 2000


def _props(schema: Any, prefix: str = "", depth: int = 0, seen: set[int] | None = None) -> list[Column]:
    """Columns of one schema. ``allOf`` parts are each visited once per table: YAML aliases can
    make them a cycle or a tree of shared parts that would otherwise be walked exponentially."""
    seen = set() if seen is None else seen
    if not isinstance(schema, Mapping) or id(schema) in seen:
        return []
    seen.add(id(schema))
    cols: list[Column] = []
    for part in schema.get("allOf", []) if isinstance(schema.get("allOf"), list) else []:
        cols.extend(_props(part, prefix, depth, seen))
        if len(cols) >= MAX_COLUMNS:
            return cols[:MAX_COLUMNS]
    props = schema.get("properties")
    if not isinstance(props, Mapping):
        return cols
    for name, sub in props.items():
        ftype = sub.get("type") if isinstance(sub, Mapping) else None
        fmt = sub.get("format") if isinstance(sub, Mapping) else None
        cols.append(Column(f"{prefix}{name}", str(fmt or ftype) if (fmt or ftype) else None))
        if depth < 1 and isinstance(sub, Mapping) and isinstance(sub.get("properties"), Mapping):
            cols.extend(_props(sub, f"{prefix}{name}.", depth + 1, seen))
        if len(cols) >= MAX_COLUMNS:
            return cols[:MAX_COLUMNS]
    return cols


def _is_json_schema(doc: Mapping[str, Any]) -> bool:
    """A JSON Schema declares shapes (``properties``, ``$defs``). A config file that names the
    schema it follows (``turbo.json``, ``tsconfig.json``, ``.eslintrc.json`` with
    ``"$schema": "https://turbo.build/schema.json"``) is an instance of a schema, not one."""
    shapes = isinstance(doc.get("properties"), Mapping) or any(
        isinstance(doc.get(k), Mapping) and doc.get(k) for k in ("$defs", "definitions"))
    return shapes and ("$schema" in doc or doc.get("type") == "object")


def parse_api_document(rel: str, doc: Any) -> list[Table]:
    """Tables from an already-loaded YAML/JSON document (OpenAPI, Swagger 2 or JSON Schema)."""
    if not isinstance(doc, Mapping):
        return []
    out: list[Table] = []
    if "openapi" in doc or "swagger" in doc:
        comps = doc.get("components")
        schemas = comps.get("schemas") if isinstance(comps, Mapping) else doc.get("definitions")
        for name, schema in (schemas or {}).items() if isinstance(schemas, Mapping) else ():
            out.append(Table(str(name), f"api:openapi:{rel}", "openapi", rel, None, _props(schema),
                             store_kind="api"))
    elif _is_json_schema(doc):
        title = str(doc.get("title") or rel.rsplit("/", 1)[-1].split(".")[0])
        out.append(Table(title, f"api:jsonschema:{rel}", "jsonschema", rel, None, _props(doc), store_kind="api"))
        defs = doc.get("$defs") or doc.get("definitions")
        for name, schema in defs.items() if isinstance(defs, Mapping) else ():
            out.append(Table(str(name), f"api:jsonschema:{rel}", "jsonschema", rel, None, _props(schema),
                             store_kind="api"))
    return out
