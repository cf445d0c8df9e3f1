"""Build the data map: every personal/medical field the app stores, with its table and store.

Dispatches each file to the parser for its schema language, resolves Python model stores
across files, drops migration copies of tables a model already defines, and classifies every
column with the shared vocabulary (``classify.py``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable

import yaml

from pulsecheck import safeyaml
from pulsecheck.knowledge import datamap as facts
from pulsecheck.knowledge.datamap import DataMap
from pulsecheck.knowledge.fhir import fhir_resource_groups as fhir_types
from pulsecheck.knowledge.vocabulary import FieldClass, tokens, vocabulary
from pulsecheck.stages.profile.datamap import hibernate_xml, jpa, js_orm, openapi, php, pyast, schema_text
from pulsecheck.stages.profile.datamap.model import Column, Table
from pulsecheck.stages.profile.datamap.python_orm import PythonResolver
from pulsecheck.stages.profile.ownership import NOT_APP, is_sample

Note = Callable[[str], None]
_PY_HINT = re.compile(r"db_for_write|db_for_read|allow_migrate|create_all|__tablename__|Column\(|mapped_column|"
                      r"models\.Model|BaseModel|SQLModel|op\.create_table|Field\(|\bfields\.\w+\(|"
                      r"from (?:trytond|odoo|mongoengine)\b|import \*")
_JS_HINT = re.compile(r"@Entity|\.define\s*\(|Schema\s*\(|\.init\s*\(")
_JPA_REPOS = re.compile(r"@EnableJpaRepositories\s*\(([^)]{0,4000})\)")
_JAVA_PKG = re.compile(r"^[ \t]*package[ \t]+([\w.]+)[ \t]*;", re.M)
_SEQUELIZE_DEP = re.compile(r'"sequelize(?:-typescript)?"\s*:')
_API_HINT = re.compile(r"""["']?(openapi|swagger|\$schema)["']?\s*:""")


_FHIR_USE = re.compile(r"""resourceType["']?\s*[:=]\s*["'](\w+)|fhir\.resources\.(?:\w+\.)?(\w+)\s+import\s+(\w+)|"""
                       r"""org\.hl7\.fhir\.\w+\.model\.(\w+)|fhirclient\.models\.(\w+)|["'/](\w+)/\{?[\w-]*\}?["']""")


class DataMapBuilder:
    def __init__(self, note: Note) -> None:
        self.note = note
        self.py: list[pyast.PyFacts] = []
        self.tables: list[Table] = []
        self.java: list[tuple[str, str]] = []
        self.fhir: dict[str, str] = {}
        self.not_app_files = 0
        self.sequelize_project = False
        """Sequelize is a dependency (package.json) or imported somewhere: ``x.init`` may be a model."""
        self.js_maybe_sequelize: list[tuple[str, str]] = []
        """JS files with ``.define(``/``.init(`` but no Sequelize import, re-read if the project has it."""
        self.ts_models: list[Table] = []
        """TypeScript interfaces of ``models/`` directories: listed only if the code persists them."""
        self.persisted: set[str] = set()
        """Type names the app's code stores through a repository, DAO, collection or model."""

    def add(self, rel: str, text: str, test: bool = False) -> None:
        """Feed one file (repo-relative path and its text); ``test``: the file index calls it test code."""
        name = rel.rsplit("/", 1)[-1].lower()
        try:
            if test or NOT_APP.search(rel):
                self.not_app_files += 1
            else:
                self._dispatch(rel, name, text)
                if name.endswith((".ts", ".tsx", ".js", ".mjs", ".cjs")):
                    self.persisted |= js_orm.persisted_types(text)
        except (SyntaxError, ValueError, RecursionError, yaml.YAMLError, TypeError, AttributeError, KeyError,
                IndexError) as exc:  # one odd file never sinks the data map
            line = getattr(exc, "lineno", None)
            mark = getattr(exc, "problem_mark", None)
            if line is None and mark is not None:
                line = mark.line + 1
            where = f"{rel}:{line}" if line else rel
            self.note(f"{where}: malformed model/schema file, skipped ({type(exc).__name__})")
        if name.endswith((".py", ".js", ".ts", ".java", ".kt", ".json", ".go", ".rb")) and not is_sample(rel):
            self._fhir_uses(rel, text)  # a library's FHIR test fixtures are not the app using FHIR

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
        elif name.endswith(".xml") and hibernate_xml.looks_like_mapping(text):
            self.tables += hibernate_xml.parse_xml_mapping(rel, text)
        elif name.endswith(".php"):
            self.tables += php.parse_php(rel, text)
        elif name.endswith((".ts", ".js", ".mjs", ".cjs")) and not name.endswith(".d.ts") and _JS_HINT.search(text):
            self._js(rel, text)
        elif name.endswith((".ts", ".tsx")) and js_orm.MODEL_DIR.search(rel):
            self.ts_models += js_orm.parse_ts_models(rel, text)
        elif name == "package.json" and _SEQUELIZE_DEP.search(text):
            self.sequelize_project = True
        elif name.endswith((".graphql", ".gql", ".graphqls")):
            self.tables += schema_text.parse_graphql(rel, text)
        elif name.endswith((".yaml", ".yml", ".json")) and _API_HINT.search(text[:4000]):
            doc = json.loads(text) if name.endswith(".json") else safeyaml.load(text)
            self.tables += openapi.parse_api_document(rel, doc)

    def _js(self, rel: str, text: str) -> None:
        if js_orm.SEQUELIZE_IMPORT.search(text):
            self.sequelize_project = True
        elif re.search(r"\.(?:define|init)\s*\(", text):
            self.js_maybe_sequelize.append((rel, text))
        self.tables += js_orm.parse_js(rel, text)

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
            out += jpa.parse_jpa(rel, text, store)
        return out

    def _late_sequelize(self) -> list[Table]:
        """Models in files without a Sequelize import, once the project is known to use Sequelize."""
        if not self.sequelize_project:
            return []
        return [t for rel, text in self.js_maybe_sequelize for t in js_orm.parse_js(rel, text, project_sequelize=True)
                if t.source == "sequelize"]

    def _persisted_ts_models(self) -> list[Table]:
        """A TypeScript model interface is a data-map entry only when the code persists it (a
        repository, DAO, collection or model of that type); form values, search requests and
        view types are shapes, not stored data."""
        out = []
        for t in self.ts_models:
            if t.name in self.persisted:
                t.store, t.store_kind = "app:repositories", "database"
                out.append(t)
        return out

    def build(self) -> DataMap:
        tables = (self.tables + self._late_sequelize() + PythonResolver(self.py).tables() + self._jpa_tables()
                  + self._persisted_ts_models())
        return data_map(tables, self.fhir, self.not_app_files)

    def domain_map(self, stored: DataMap) -> DataMap:
        """What the app handles, for its kind: the data map plus the TypeScript model shapes it
        does not persist (a front end's ``Diagnosis``, ``CarePlan`` say it is clinical even when
        only the server stores them). Call after :meth:`build`."""
        shapes = [t for t in self.ts_models if t.store_kind == "api"]
        if not shapes:
            return stored
        extra = data_map(shapes, {}, 0)
        return DataMap(stored.all_tables + extra.all_tables, stored.fhir_resources, stored.example_files_skipped)


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


_Found = list[tuple[Column, FieldClass]]


def _raw(t: Table) -> _Found:
    vocab = vocabulary()
    return [(c, cls) for c in t.columns
            if (cls := vocab.classify(c.name.rsplit(".", 1)[-1], t.context or t.name, c.type)) is not None]


def _corroborated(t: Table, found: _Found, health_app: bool) -> _Found:
    """Context-derived classes kept only when corroborated: ``name`` in ``providers`` needs
    another identifier beside it (or a health app, where a provider is a clinician); ``code``
    in ``drug_forms`` (a code list) needs a link to a person or a field medical by its own name."""
    vocab = vocabulary()
    context = t.context or t.name
    own_identity = any(cls.identity and cls.basis == "phrase" for _, cls in found)
    own_medical = any(cls.category == "medical" and cls.basis == "phrase" for _, cls in found)
    strong_person = vocab.is_strong_person_table(context) or (health_app and vocab.is_person_table(context))
    person_link = any(vocab.is_person_table(c.name) and not vocab.is_person_table(context) for c in t.columns)
    out = []
    for col, cls in found:
        if cls.basis == "person_table" and not (strong_person or own_identity):
            continue
        if cls.basis == "medical_table" and not (person_link or own_medical or own_identity):
            continue
        out.append((col, cls))
    return out


MAX_INHERITANCE = 8


def _inherit(tables: list[Table]) -> list[Table]:
    """Subclass tables get their ancestors' columns as ``person.birthdate``: a Hibernate
    ``joined-subclass`` ``patient`` of ``Person`` stores only its own keys, yet each of its rows
    is a person with a name and a birth date (its line stays with the ancestor's file)."""
    by_entity = {(t.entity or t.name): t for t in tables if t.entity or t.name}
    own = {id(t): list(t.columns) for t in tables}
    for t in tables:
        seen = {id(t)}
        parent = by_entity.get(t.extends) if t.extends else None
        known = {c.name.lower() for c in t.columns}
        for _ in range(MAX_INHERITANCE):
            if parent is None or id(parent) in seen:
                break
            seen.add(id(parent))
            for c in own[id(parent)]:
                if c.subclass is None and c.name.lower() not in known:
                    known.add(c.name.lower())
                    t.columns.append(Column(f"{parent.name}.{c.name}", c.type))
            parent = by_entity.get(parent.extends) if parent.extends else None
    return tables


def data_map(tables: Iterable[Table], fhir: dict[str, str], example_files_skipped: int = 0) -> DataMap:
    """The typed data map: classified tables in their stores, FHIR resources used."""
    raw = [(t, _raw(t)) for t in _inherit(_dedupe(tables))]
    # Weak medical words (`condition`, `temperature`, a `notes` table) count only in an app
    # that stores something medical by a strong word, has a patient table or uses FHIR.
    health_app = bool(fhir) or any(cls.category == "medical" and not cls.weak and cls.basis == "phrase"
                                   for _, fields in raw for _, cls in fields) or \
        any(f and "patient" in tokens(t.context or t.name) for t, f in raw)
    out: list[facts.Table] = []
    for t, found in raw:
        fields = tuple(facts.Field(col.name, cls.kind, cls.category, cls.identity, cls.hipaa_identifier, col.line)
                       for col, cls in _corroborated(t, found, health_app)
                       if health_app or not (cls.weak and cls.category == "medical"))
        out.append(facts.Table(t.name, t.store, t.store_kind, t.source, t.path, t.line, t.schema, t.context,
                               len(t.columns), fields))
    groups = fhir_types()
    resources_used = tuple(facts.FhirResource(k, groups[k], v) for k, v in sorted(fhir.items()))
    return DataMap(tuple(out), resources_used, example_files_skipped)
