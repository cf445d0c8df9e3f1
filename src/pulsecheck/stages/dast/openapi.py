"""OpenAPI 3.x / Swagger 2 operations and the values to call them with.

A spec is read from a file or an in-scope URL (or found at the usual paths by the crawler).
Each operation becomes an :class:`Operation`: method, path template, parameters, body schema,
whether the spec requires security, whether it is destructive (DELETE, ``x-destructive``, or
a summary saying delete/purge/drop/reset). Values: the parameter's example, default or first enum
value; otherwise a value generated from its schema (a small deterministic generator, and
hypothesis-jsonschema for bodies it cannot build). ``$ref`` is resolved inside the document only
(depth-bounded; never fetched).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

METHODS = ("get", "put", "post", "delete", "options", "head", "patch")
MAX_OPERATIONS = 2000
MAX_REF_DEPTH = 12
_DESTRUCTIVE_WORDS = re.compile(r"(?i)\b(delete|remove|purge|drop|destroy|wipe|reset|truncate|erase)\b")


@dataclass(frozen=True)
class Param:
    name: str
    where: str  # path, query, header, cookie
    required: bool = False
    schema: Mapping[str, Any] = field(default_factory=dict)
    example: Any = None


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    params: tuple[Param, ...] = ()
    body_schema: Mapping[str, Any] | None = None
    body_example: Any = None
    security: bool | None = None
    """True: the spec requires credentials; False: it says none; None: it does not say."""
    destructive: bool = False
    response_schema: Mapping[str, Any] | None = None
    source: str = "openapi"
    content_type: str = "application/json"

    @property
    def path_params(self) -> tuple[Param, ...]:
        return tuple(p for p in self.params if p.where == "path")

    @property
    def query_params(self) -> tuple[Param, ...]:
        return tuple(p for p in self.params if p.where == "query")


class Spec:
    def __init__(self, doc: Mapping[str, Any], source: str) -> None:
        self.doc = doc
        self.source = source
        self.swagger2 = str(doc.get("swagger", "")).startswith("2")

    def resolve(self, node: Any, depth: int = 0) -> Any:
        while isinstance(node, Mapping) and "$ref" in node and depth < MAX_REF_DEPTH:
            ref = node["$ref"]
            if not isinstance(ref, str) or not ref.startswith("#/"):
                return {}
            target: Any = self.doc
            for part in ref[2:].split("/"):
                part = part.replace("~1", "/").replace("~0", "~")
                target = target.get(part) if isinstance(target, Mapping) else None
            node = target if target is not None else {}
            depth += 1
        return node if depth < MAX_REF_DEPTH else {}

    def deref(self, node: Any, depth: int = 0) -> Any:
        """A schema with its ``$ref`` s expanded (bounded depth: recursive schemas are cut)."""
        if depth > MAX_REF_DEPTH:
            return {}
        node = self.resolve(node)
        if isinstance(node, Mapping):
            return {k: self.deref(v, depth + 1) for k, v in node.items()}
        if isinstance(node, list):
            return [self.deref(v, depth + 1) for v in node[:50]]
        return node

    def operations(self) -> Iterator[Operation]:
        paths = self.doc.get("paths")
        if not isinstance(paths, Mapping):
            return
        global_security = self.doc.get("security")
        count = 0
        for path, item in paths.items():
            item = self.resolve(item)
            if not isinstance(path, str) or not path.startswith("/") or not isinstance(item, Mapping):
                continue
            shared = [self.resolve(p) for p in item.get("parameters", []) if isinstance(p, Mapping)]
            for method in METHODS:
                op = item.get(method)
                if not isinstance(op, Mapping):
                    continue
                count += 1
                if count > MAX_OPERATIONS:
                    return
                yield self._operation(method.upper(), path, op, shared, global_security)

    def _operation(self, method: str, path: str, op: Mapping[str, Any], shared: list[Any],
                   global_security: Any) -> Operation:
        params: dict[tuple[str, str], Param] = {}
        body_schema: Any = None
        body_example: Any = None
        content_type = "application/json"
        for raw in [*shared, *(self.resolve(p) for p in op.get("parameters", []) if isinstance(p, Mapping))]:
            if not isinstance(raw, Mapping) or not isinstance(raw.get("name"), str):
                continue
            where = str(raw.get("in", "query"))
            if where == "body":
                body_schema = self.deref(raw.get("schema", {}))
                continue
            if where == "formData":
                continue
            schema = self.deref(raw.get("schema") or {k: raw[k] for k in ("type", "format", "enum") if k in raw})
            example = raw.get("example", schema.get("example") if isinstance(schema, Mapping) else None)
            params[(raw["name"], where)] = Param(raw["name"], where, bool(raw.get("required") or where == "path"),
                                                 schema if isinstance(schema, Mapping) else {}, example)
        body = self.resolve(op.get("requestBody"))
        if isinstance(body, Mapping) and isinstance(body.get("content"), Mapping):
            for ctype, media in body["content"].items():
                if isinstance(media, Mapping):
                    body_schema = self.deref(media.get("schema", {}))
                    body_example = media.get("example")
                    content_type = str(ctype)
                    if "json" in str(ctype):
                        break
        security = op.get("security", global_security)
        sec: bool | None = None
        if isinstance(security, list):
            sec = bool(security) and not any(isinstance(s, Mapping) and not s for s in security)
        words = " ".join(str(op.get(k, "")) for k in ("summary", "operationId", "description"))[:2000]
        destructive = method == "DELETE" or bool(op.get("x-destructive")) or (
            method != "GET" and _DESTRUCTIVE_WORDS.search(words) is not None)
        response_schema = None
        responses = op.get("responses")
        if isinstance(responses, Mapping):
            for code in ("200", "201", 200, 201):
                resp = self.resolve(responses.get(code))
                if isinstance(resp, Mapping):
                    if isinstance(resp.get("content"), Mapping):
                        media = resp["content"].get("application/json")
                        if isinstance(media, Mapping) and media.get("schema"):
                            response_schema = self.deref(media["schema"])
                    elif resp.get("schema"):
                        response_schema = self.deref(resp["schema"])
                    break
        return Operation(method, path, tuple(params.values()), body_schema if isinstance(body_schema, Mapping) else None,
                         body_example, sec, destructive, response_schema, content_type=content_type)


def parse_spec(text: str, source: str) -> Spec | None:
    """The spec in ``text`` (JSON or YAML), or None when it is not an OpenAPI/Swagger document."""
    doc: Any = None
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            doc = json.loads(text)
        except ValueError:
            return None
    else:
        try:
            from pulsecheck import safeyaml

            doc = safeyaml.load(text)
        except Exception:  # noqa: BLE001 - not YAML either: not a spec
            return None
    if not isinstance(doc, Mapping) or not ("openapi" in doc or "swagger" in doc) or "paths" not in doc:
        return None
    return Spec(doc, source)


# ---- values ---------------------------------------------------------------------------------

_FORMATS = {"date": "2000-01-01", "date-time": "2000-01-01T00:00:00Z", "email": "pulsecheck@example.org",
            "uuid": "00000000-0000-4000-8000-000000000001", "uri": "https://example.org/",
            "ipv4": "127.0.0.1", "password": "Pulsecheck-1"}
_NAMED = {"email": "pulsecheck@example.org", "phone": "555-0100", "ssn": "900-00-0001",
          "birth_date": "2000-01-01", "dob": "2000-01-01", "given_name": "Pulse", "family_name": "Check",
          "first_name": "Pulse", "last_name": "Check", "name": "pulsecheck", "address": "1 Test Street",
          "password": "Pulsecheck-1", "q": "a", "query": "a", "search": "a"}


def sample(schema: Mapping[str, Any] | None, name: str = "", depth: int = 0) -> Any:
    """A plausible value for ``schema`` (deterministic; synthetic: never a real person's data)."""
    schema = schema or {}
    for key in ("example", "default"):
        if key in schema:
            return schema[key]
    if isinstance(schema.get("examples"), list) and schema["examples"]:
        return schema["examples"][0]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    for key in ("allOf", "anyOf", "oneOf"):
        options = schema.get(key)
        if isinstance(options, list) and options:
            if key == "allOf":
                merged: dict[str, Any] = {}
                for part in options:
                    if isinstance(part, Mapping):
                        merged_props = {**(merged.get("properties") or {}), **(part.get("properties") or {})}
                        merged = {**merged, **part, "properties": merged_props}
                return sample(merged, name, depth + 1)
            first = next((o for o in options if isinstance(o, Mapping) and o.get("type") != "null"), options[0])
            return sample(first, name, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind is None and "properties" in schema:
        kind = "object"
    lname = name.lower()
    if kind == "object" and depth < 6:
        raw_props = schema.get("properties")
        props: Mapping[str, Any] = raw_props if isinstance(raw_props, Mapping) else {}
        required = set(schema.get("required") or props)
        return {k: sample(v, k, depth + 1) for k, v in list(props.items())[:50] if k in required}
    if kind == "array" and depth < 6:
        items = schema.get("items")
        return [sample(items if isinstance(items, Mapping) else {}, name, depth + 1)]
    if kind == "integer":
        return int(schema.get("minimum", 1)) if isinstance(schema.get("minimum"), int | float) else 1
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return False
    fmt = schema.get("format")
    if isinstance(fmt, str) and fmt in _FORMATS:
        return _FORMATS[fmt]
    if lname in _NAMED:
        return _NAMED[lname]
    for key, value in _NAMED.items():
        if key in lname:
            return value
    if kind is None and depth == 0 and not schema:
        return "1" if lname.endswith("id") else "a"
    return "pulsecheck"


def generated_body(op: Operation) -> Any:
    """A request body for ``op``: its example, the deterministic sample, or hypothesis-jsonschema."""
    if op.body_example is not None:
        return op.body_example
    if op.body_schema is None:
        return None
    value = sample(op.body_schema)
    if value not in ("pulsecheck", None) or not op.body_schema:
        return value
    try:  # a schema the small generator cannot satisfy
        from hypothesis import HealthCheck, given, settings
        from hypothesis_jsonschema import from_schema

        found: list[Any] = []

        @settings(max_examples=1, database=None, deadline=None, suppress_health_check=list(HealthCheck))
        @given(from_schema(dict(op.body_schema)))
        def pick(v: Any) -> None:
            found.append(v)

        pick()
        return found[0] if found else value
    except Exception:  # noqa: BLE001 - an unsupported schema keeps the simple sample
        return value
