"""Build the data map: every personal/medical field the app stores, with its table and store.

Dispatches each file to the parser for its schema language, resolves Python model stores
across files, drops migration copies of tables a model already defines, and classifies every
column with the shared vocabulary (``classify.py``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from pulsecheck.stages.profile.classify import vocabulary
from pulsecheck.stages.profile.datamap import js_orm, openapi, pyast, schema_text
from pulsecheck.stages.profile.datamap.model import Table
from pulsecheck.stages.profile.datamap.python_orm import PythonResolver

Note = Callable[[str], None]
_PY_HINT = re.compile(r"db_for_write|db_for_read|allow_migrate|create_all|__tablename__|Column\(|mapped_column|models\.Model|BaseModel|SQLModel|op\.create_table")
_JS_HINT = re.compile(r"@Entity|\.define\s*\(|Schema\s*\(|\.init\s*\(")
_JPA_REPOS = re.compile(r"@EnableJpaRepositories\s*\(([^)]*)\)", re.S)
_JAVA_PKG = re.compile(r"^\s*package\s+([\w.]+)\s*;", re.M)
_API_HINT = re.compile(r"""["']?(openapi|swagger|\$schema)["']?\s*:""")


@lru_cache(maxsize=1)
def fhir_types() -> dict[str, str]:
    text = resources.files("pulsecheck.stages.profile").joinpath("data/fhir_resources.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    return {name: group for group in ("identity", "medical") for name in data[group]}


_FHIR_USE = re.compile(r"""resourceType["']?\s*[:=]\s*["'](\w+)|fhir\.resources\.(?:\w+\.)?(\w+)\s+import\s+(\w+)|"""
                       r"""org\.hl7\.fhir\.\w+\.model\.(\w+)|fhirclient\.models\.(\w+)|["'/](\w+)/\{?[\w-]*\}?["']""")


class DataMapBuilder:
    def __init__(self, note: Note) -> None:
        self.note = note
        self.py: list[pyast.PyFacts] = []
        self.tables: list[Table] = []
        self.java: list[tuple[str, str]] = []
        self.fhir: dict[str, str] = {}

    def add(self, rel: str, text: str) -> None:
        """Feed one file (repo-relative path and its text)."""
        name = rel.rsplit("/", 1)[-1].lower()
        try:
            self._dispatch(rel, name, text)
        except (SyntaxError, ValueError, RecursionError) as exc:
            line = getattr(exc, "lineno", None)
            where = f"{rel}:{line}" if line else rel
            self.note(f"{where}: malformed model/schema file, skipped ({type(exc).__name__})")
        if name.endswith((".py", ".js", ".ts", ".java", ".kt", ".json", ".go", ".rb")):
            self._fhir_uses(rel, text)

    def _dispatch(self, rel: str, name: str, text: str) -> None:
        if name.endswith(".py"):
            if _PY_HINT.search(text):
                self.py.append(pyast.collect(rel, text))
        elif name.endswith(".prisma"):
            self.tables += schema_text.parse_prisma(rel, text)
        elif name.endswith(".sql"):
            self.tables += schema_text.parse_sql(rel, text)
        elif name.endswith("schema.rb") or ("/migrate/" in rel and name.endswith(".rb")):
            self.tables += schema_text.parse_rails(rel, text)
        elif name.endswith((".java", ".kt")) and ("@Entity" in text or "@EnableJpaRepositories" in text):
            self.java.append((rel, text))
        elif name.endswith((".ts", ".js", ".mjs", ".cjs")) and not name.endswith(".d.ts") and _JS_HINT.search(text):
            self.tables += js_orm.parse_js(rel, text)
        elif name.endswith((".graphql", ".gql", ".graphqls")):
            self.tables += schema_text.parse_graphql(rel, text)
        elif name.endswith((".yaml", ".yml", ".json")) and _API_HINT.search(text[:4000]):
            doc = json.loads(text) if name.endswith(".json") else yaml.safe_load(text)
            self.tables += openapi.parse_api_document(rel, doc)

    def _fhir_uses(self, rel: str, text: str) -> None:
        known = fhir_types()
        for m in _FHIR_USE.finditer(text):
            for group in m.groups():
                if group in known and group not in self.fhir:
                    self.fhir[group] = rel
                    break

    def _jpa_tables(self) -> list[Table]:
        routes: list[tuple[str, str]] = []
        for _, text in self.java:
            for m in _JPA_REPOS.finditer(text):
                base = re.search(r"basePackages\s*=\s*(\{[^}]*\}|\"[^\"]*\")", m.group(1))
                pkgs = re.findall(r'"([\w.]+)"', base.group(1)) if base else []
                ref = re.search(r'entityManagerFactoryRef\s*=\s*"(\w+)"', m.group(1))
                routes += [(p, ref.group(1) if ref else p) for p in pkgs]
        out: list[Table] = []
        for rel, text in self.java:
            pkg_m = _JAVA_PKG.search(text)
            pkg = pkg_m.group(1) if pkg_m else ""
            store = "jpa:default"
            for prefix, target in sorted(routes, key=lambda r: -len(r[0])):
                if pkg == prefix or pkg.startswith(prefix + "."):
                    store = f"jpa:{target}"
                    break
            out += schema_text.parse_jpa(rel, text, store)
        return out

    def build(self) -> dict[str, Any]:
        tables = self.tables + PythonResolver(self.py).tables() + self._jpa_tables()
        return data_map(tables, self.fhir)


def _dedupe(tables: Iterable[Table]) -> list[Table]:
    tables = list(tables)
    models = {t.name.lower() for t in tables if t.authoritative and t.store_kind == "database"}
    merged: dict[tuple[str, str], Table] = {}
    out: list[Table] = []
    for t in tables:
        if t.authoritative:
            out.append(t)
            continue
        if t.name.lower() in models:
            continue
        key = (t.store, t.name.lower())
        if key in merged:
            known = {c.name for c in merged[key].columns}
            merged[key].columns += [c for c in t.columns if c.name not in known]
        else:
            merged[key] = t
            out.append(t)
    return out


def data_map(tables: Iterable[Table], fhir: dict[str, str]) -> dict[str, Any]:
    """JSON-serialisable data map: stores, classified tables, FHIR resources used."""
    vocab = vocabulary()
    out_tables: list[dict[str, Any]] = []
    stores: dict[str, dict[str, Any]] = {}
    for t in _dedupe(tables):
        fields = []
        for col in t.columns:
            cls = vocab.classify(col.name.rsplit(".", 1)[-1], t.name, col.type)
            if cls is not None:
                fields.append({"name": col.name, "line": col.line, **cls.to_json()})
        entry = {"name": t.name, "store": t.store, "store_kind": t.store_kind, "source": t.source,
                 "path": t.path, "line": t.line, "schema": t.schema, "columns_total": len(t.columns),
                 "identity": any(f["identity"] for f in fields),
                 "medical": any(f["category"] == "medical" for f in fields), "fields": fields}
        out_tables.append(entry)
        store = stores.setdefault(t.store, {"id": t.store, "kind": t.store_kind, "tables": []})
        store["tables"].append(t.name)
    resources_used = [{"type": k, "category": fhir_types()[k], "path": v} for k, v in sorted(fhir.items())]
    return {"stores": list(stores.values()), "tables": out_tables, "fhir_resources": resources_used,
            "summary": _summary(out_tables)}


def _summary(tables: list[dict[str, Any]]) -> dict[str, Any]:
    kinds: dict[str, int] = {}
    for t in tables:
        for f in t["fields"]:
            kinds[f["kind"]] = kinds.get(f["kind"], 0) + 1
    return {"tables": len(tables), "classified_fields": sum(kinds.values()),
            "identity_tables": sorted(t["name"] for t in tables if t["identity"]),
            "medical_tables": sorted(t["name"] for t in tables if t["medical"]),
            "kinds": dict(sorted(kinds.items()))}
