"""The data map as a typed, frozen object: which stores hold which tables, and what their fields are.

The profile stage builds it; every later stage asks it questions ("is ``patients.dob``
personal?", "which tables share this store?") instead of walking a JSON dict. Names are
looked up case-insensitively and across spelling styles (``first_name``, ``firstName`` and
``FirstName`` are one column; ``public.patients`` is ``patients``), because code, SQL and
logs spell one column several ways.

``to_json``/``from_json`` give exactly the report's ``profile.data_map`` dict, so reporters and
saved reports keep working.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from pulsecheck.knowledge.vocabulary import tokens


def name_key(name: str) -> str:
    """``first_name``, ``firstName``, ``FIRST-NAME`` -> ``firstname`` (the last dotted part)."""
    last = name.rsplit(".", 1)[-1].strip('`"[] ')
    return "".join(tokens(last)) or last.lower()


@dataclass(frozen=True, slots=True)
class Field:
    """One classified column: ``kind`` (``ssn``, ``diagnosis``...) within a ``category``
    (``identifier``, ``contact``, ``location``, ``financial``, ``medical``, ``credentials``...)."""

    name: str
    kind: str
    category: str
    identity: bool
    """A direct identifier of a person (name, SSN, e-mail...)."""
    hipaa_identifier: bool
    line: int | None = None

    @property
    def medical(self) -> bool:
        return self.category == "medical"

    @property
    def personal(self) -> bool:
        """Data about a person (identifiers, contact, location, money, health), not a credential."""
        return self.category != "credentials"

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "line": self.line, "kind": self.kind, "category": self.category,
                "identity": self.identity, "hipaa_identifier": self.hipaa_identifier}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Field:
        return cls(str(data["name"]), str(data["kind"]), str(data["category"]), bool(data.get("identity")),
                   bool(data.get("hipaa_identifier")), data.get("line"))


@dataclass(frozen=True, slots=True)
class Table:
    """A table (or model, entity, API type) in a store, with its classified fields only."""

    name: str
    store: str
    store_kind: str
    """``database`` or ``api`` (OpenAPI, GraphQL, Pydantic: data in transit, not storage)."""
    source: str
    """The parser that found it: ``sqlalchemy``, ``django``, ``jpa``, ``hibernate-xml``, ``eloquent``..."""
    path: str
    line: int | None = None
    schema: str | None = None
    context: str | None = None
    """The name that says what the table holds when ``name`` is mangled (Django's app prefix)."""
    columns_total: int = 0
    fields: tuple[Field, ...] = ()

    @property
    def identity(self) -> bool:
        return any(f.identity for f in self.fields)

    @property
    def medical(self) -> bool:
        return any(f.medical for f in self.fields)

    def field(self, column: str) -> Field | None:
        key = name_key(column)
        return next((f for f in self.fields if name_key(f.name) == key), None)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "store": self.store, "store_kind": self.store_kind, "source": self.source,
                "path": self.path, "line": self.line, "schema": self.schema, "context": self.context,
                "columns_total": self.columns_total, "identity": self.identity, "medical": self.medical,
                "fields": [f.to_json() for f in self.fields]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Table:
        return cls(str(data["name"]), str(data["store"]), str(data.get("store_kind", "database")),
                   str(data.get("source", "")), str(data.get("path", "")), data.get("line"), data.get("schema"),
                   data.get("context"), int(data.get("columns_total", 0)),
                   tuple(Field.from_json(f) for f in data.get("fields", ())))


@dataclass(frozen=True, slots=True)
class Store:
    """One database (or API surface) as far as the code tells: a connection, bind, alias, datasource."""

    id: str
    kind: str
    tables: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "tables": list(self.tables)}


@dataclass(frozen=True, slots=True)
class FhirResource:
    type: str
    category: str
    """``identity`` (Patient, Person...) or ``medical`` (Observation, Condition...)."""
    path: str

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "category": self.category, "path": self.path}


@dataclass(frozen=True)
class DataMap:
    """Every table the code defines, its store, and its personal/medical fields."""

    all_tables: tuple[Table, ...] = ()
    fhir_resources: tuple[FhirResource, ...] = ()
    example_files_skipped: int = 0
    """Model files in tests, examples and demos: counted, not mapped."""
    _stores: tuple[Store, ...] = field(default=(), repr=False)

    # --- the questions other stages ask -------------------------------------------------------
    def stores(self, kind: str | None = None) -> tuple[Store, ...]:
        """Stores in first-seen order; ``kind="database"`` leaves out API surfaces."""
        stores = self._stores or _stores_of(self.all_tables)
        return tuple(s for s in stores if kind is None or s.kind == kind)

    def tables(self, store: str | None = None) -> tuple[Table, ...]:
        """The tables of one store (by id, case-insensitive), or all of them."""
        if store is None:
            return self.all_tables
        want = store.lower()
        return tuple(t for t in self.all_tables if t.store.lower() == want)

    def table(self, name: str) -> Table | None:
        """The first table called ``name`` (or whose context is), spelling-tolerant."""
        found = self._by_name.get(name_key(name))
        return found[0] if found else None

    def fields(self, table: str) -> tuple[Field, ...]:
        """Classified fields of every table called ``table`` (one name may exist in several stores)."""
        return tuple(f for t in self._by_name.get(name_key(table), ()) for f in t.fields)

    def field(self, table: str, column: str) -> Field | None:
        key = name_key(column)
        return next((f for f in self.fields(table) if name_key(f.name) == key), None)

    def is_personal(self, table: str, column: str) -> bool:
        """Whether the map knows ``table.column`` as data about a person (any class but credentials)."""
        f = self.field(table, column)
        return f is not None and f.personal

    def is_identifying(self, table: str, column: str) -> bool:
        """Whether ``table.column`` directly identifies a person (name, SSN, e-mail, MRN...)."""
        f = self.field(table, column)
        return f is not None and f.identity

    def is_medical(self, table: str, column: str) -> bool:
        f = self.field(table, column)
        return f is not None and f.medical

    def personal_columns(self) -> frozenset[str]:
        """Name keys (see :func:`name_key`) of every personal column in any table: for a stage that
        sees a column or variable name without knowing its table."""
        return frozenset(name_key(f.name) for t in self.all_tables for f in t.fields if f.personal)

    @cached_property
    def _by_name(self) -> dict[str, list[Table]]:
        out: dict[str, list[Table]] = {}
        for t in self.all_tables:
            for name in {name_key(t.name), *([name_key(t.context)] if t.context else [])}:
                out.setdefault(name, []).append(t)
        return out

    # --- the report's JSON form --------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {"stores": [s.to_json() for s in self.stores()], "tables": [t.to_json() for t in self.all_tables],
                "fhir_resources": [r.to_json() for r in self.fhir_resources],
                "summary": {**_summary(self.all_tables), "test_example_files_skipped": self.example_files_skipped}}

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> DataMap:
        data = data or {}
        tables = tuple(Table.from_json(t) for t in data.get("tables", ()))
        stores = tuple(Store(str(s["id"]), str(s.get("kind", "database")), tuple(s.get("tables", ())))
                       for s in data.get("stores", ()))
        fhir = tuple(FhirResource(str(r["type"]), str(r["category"]), str(r["path"]))
                     for r in data.get("fhir_resources", ()))
        skipped = int((data.get("summary") or {}).get("test_example_files_skipped", 0))
        return cls(tables, fhir, skipped, stores)


def _stores_of(tables: Iterable[Table]) -> tuple[Store, ...]:
    order: dict[str, tuple[str, list[str]]] = {}
    for t in tables:
        order.setdefault(t.store, (t.store_kind, []))[1].append(t.name)
    return tuple(Store(sid, kind, tuple(names)) for sid, (kind, names) in order.items())


def _summary(tables: Iterable[Table]) -> dict[str, Any]:
    tables = list(tables)
    kinds: dict[str, int] = {}
    for t in tables:
        for f in t.fields:
            kinds[f.kind] = kinds.get(f.kind, 0) + 1
    return {"tables": len(tables), "classified_fields": sum(kinds.values()),
            "identity_tables": sorted(t.name for t in tables if t.identity),
            "medical_tables": sorted(t.name for t in tables if t.medical),
            "kinds": dict(sorted(kinds.items()))}
