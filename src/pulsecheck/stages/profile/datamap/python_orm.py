"""Tables from Python models: SQLAlchemy, Flask-SQLAlchemy, SQLModel, Pydantic and Django.

Store heuristic ("which database is this table in?"):
- SQLAlchemy: one store per declarative base (``declarative_base()``, ``class Base(DeclarativeBase)``,
  Flask-SQLAlchemy's ``db``); ``__bind_key__`` gives its own store; two bases passed to
  ``create_all`` on the same engine, or engines made from the same literal URL, are merged.
- SQLModel: all ``table=True`` models share ``SQLModel.metadata`` (one store).
- Django: the ``default`` alias, unless a database router sends the app label elsewhere.
- Pydantic models (and SQLModel without ``table=True``) are API shapes, not storage.
"""

from __future__ import annotations

from collections.abc import Sequence

from pulsecheck.stages.profile.datamap.model import Column, Table
from pulsecheck.stages.profile.datamap.pyast import ClassInfo, PyFacts

_Key = tuple[str, str]  # (orm, store)
MAX_ANCESTRY = 32
"""Base classes followed per model: real hierarchies are shallow, a hostile 20,000-class chain
would otherwise give every class every ancestor's columns (quadratic) and exhaust the stack."""


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = sorted((self.find(a), self.find(b)))
        self.parent[rb] = ra


class PythonResolver:
    def __init__(self, files: Sequence[PyFacts]) -> None:
        self.files = files
        self.bases = {f"{f.module}.{b}" for f in files for b in f.base_defs}
        self.classes: dict[str, tuple[PyFacts, ClassInfo]] = {
            f"{f.module}.{c.name}": (f, c) for f in files for c in f.classes}
        self.by_name: dict[str, list[str]] = {}
        for key in self.classes:
            self.by_name.setdefault(key.rsplit(".", 1)[-1], []).append(key)
        self.routers = {k: v for f in files for k, v in f.routers.items()}
        self._class_names = {id(f): {c.name for c in f.classes} for f in files}
        self._suffixes: dict[int, dict[str, str]] = {}
        self.stores = _UnionFind()
        self._merge_engines()

    def _lookup(self, target: str, pool: set[str] | dict[str, object]) -> str | None:
        """``target`` in ``pool``, or a pool key that ends with it or that it ends with (dotted)."""
        if target in pool:
            return target
        index = self._suffixes.get(id(pool))
        if index is None:
            index = self._suffixes[id(pool)] = {}
            for key in pool:
                parts = key.split(".")
                for i in range(1, len(parts)):
                    index.setdefault(".".join(parts[i:]), key)
        if target in index:
            return index[target]
        parts = target.split(".")
        return next((".".join(parts[i:]) for i in range(1, len(parts)) if ".".join(parts[i:]) in pool), None)

    def resolve(self, facts: PyFacts, name: str) -> str:
        head, _, rest = name.partition(".")
        if head in facts.base_defs or head in self._class_names.get(id(facts), ()):
            return f"{facts.module}.{head}"
        if head in facts.imports:
            target = facts.imports[head]
            full = f"{target}.{rest}" if rest else target
            for cand in (full, target):
                found = self._lookup(cand, self.bases) or self._lookup(cand, self.classes)  # type: ignore[arg-type]
                if found:
                    return found
            return self._reexported(full) or full
        for mod in facts.star_imports:
            found = self._lookup(f"{mod}.{name}", self.classes)  # type: ignore[arg-type]
            if found:
                return found
        return name

    def _reexported(self, full: str) -> str | None:
        """``from pkg.mixins import PersonalFieldsMixin`` where ``pkg/mixins/__init__.py`` re-exports
        it from ``pkg/mixins/personal.py``: the one class of that name inside that package."""
        package, _, name = full.rpartition(".")
        found = [k for k in self.by_name.get(name, []) if package and k.startswith(package + ".")]
        return found[0] if len(found) == 1 else None

    def _merge_engines(self) -> None:
        engine_of: dict[str, str] = {}
        for f in self.files:
            for base, engine in f.create_all:
                key = self.resolve(f, base)
                url = f.engine_urls.get(engine) or f.imports.get(engine) or f"{f.module}.{engine}"
                if url in engine_of:
                    self.stores.union(engine_of[url], key)
                else:
                    engine_of[url] = key

    def kind(self, facts: PyFacts, cls: ClassInfo, seen: frozenset[str] = frozenset()) -> _Key | None:
        if cls.keywords.get("table") == "True":
            return "sqlmodel", "sqlmodel:SQLModel.metadata"
        for base in cls.bases:
            key = self.resolve(facts, base)
            last = base.rsplit(".", 1)[-1]
            if key in self.bases or (key.endswith(".Model") and key[:-6] in self.bases):
                store = key if key in self.bases else key[:-6]
                return "sqlalchemy", store
            if key in self.classes and key not in seen and len(seen) < MAX_ANCESTRY:
                parent = self.classes[key]
                found = self.kind(parent[0], parent[1], seen | {key})
                if found:
                    return found
            if last == "SQLModel":
                table = cls.keywords.get("table") == "True"
                return ("sqlmodel", "sqlmodel:SQLModel.metadata") if table else ("pydantic", "api:pydantic")
            if last == "BaseModel":
                return "pydantic", "api:pydantic"
            if key.startswith("django.") and (".models." in key or key.endswith(".Model")):
                return "django", "django"
        return self._external_base_kind(facts, cls)

    def _external_base_kind(self, facts: PyFacts, cls: ClassInfo) -> _Key | None:
        """Models whose base class lives outside the repository (an installed package's
        ``BaseUuidModel``, Flask-AppBuilder's ``Model``, Tryton's ``ModelSQL``): told by the
        fields they declare and where those field types are imported from."""
        sources = {_field_source(facts, c) for c in cls.callee.values()}
        if cls.model_name and sources & {"tryton", "odoo"}:
            orm = "tryton" if "tryton" in sources else "odoo"
            return orm, f"{orm}:default"
        if not cls.bases or cls.name.endswith("Mixin") or any(_not_model_base(self.resolve(facts, b))
                                                              for b in cls.bases):
            return None
        if "mongoengine" in sources:
            return "mongoengine", "mongoengine:default"
        if "django" in sources:
            return "django", "django"
        if cls.tablename or "sqlalchemy" in sources:
            return "sqlalchemy", self.resolve(facts, cls.bases[0])
        return None

    def inherited(self, facts: PyFacts, cls: ClassInfo, seen: frozenset[str] = frozenset()) -> list[Column]:
        cols = list(cls.columns)
        for base in cls.bases:
            key = self.resolve(facts, base)
            if key in self.classes and key not in seen and len(seen) < MAX_ANCESTRY:
                pf, pc = self.classes[key]
                cols.extend(self.inherited(pf, pc, seen | {key}))
        return cols

    def tables(self) -> list[Table]:
        out: list[Table] = []
        registry: dict[str, Table] = {}  # Tryton/Odoo models extended across modules: one table
        for facts in self.files:
            for cls in facts.classes:
                found = self.kind(facts, cls)
                if not found or cls.name in facts.base_defs or cls.abstract:
                    continue
                orm, store = found
                table = self._table(facts, cls, orm, store)
                if table is None:
                    continue
                if orm in ("tryton", "odoo"):
                    known = registry.get(table.name)
                    if known is not None:
                        names = {c.name for c in known.columns}
                        known.columns += [c for c in table.columns if c.name not in names]
                        continue
                    registry[table.name] = table
                out.append(table)
            for name, line, cols in facts.alembic:
                out.append(Table(name, f"migrations:{facts.path.rsplit('/', 2)[0]}", "alembic", facts.path,
                                 line, cols, authoritative=False))
        return out

    def _table(self, facts: PyFacts, cls: ClassInfo, orm: str, store: str) -> Table | None:
        cols = self.inherited(facts, cls)
        if orm == "sqlalchemy":
            if not cls.tablename and not cls.sa_columns:
                return None
            store_id = f"sqlalchemy-bind:{cls.bind_key}" if cls.bind_key else \
                f"sqlalchemy:{self.stores.find(store)}"
            return Table(cls.tablename or cls.name, store_id, orm, facts.path, cls.line, cols, schema=cls.schema)
        if orm == "django":
            parts = facts.path.split("/")
            app = parts[-3] if len(parts) >= 3 and parts[-2] == "models" else (parts[-2] if len(parts) > 1 else "")
            alias = self.routers.get(app, "default")
            name = cls.db_table or (f"{app}_{cls.name.lower()}" if app else cls.name.lower())
            return Table(name, f"django:{alias}", orm, facts.path, cls.line, cols, context=cls.name)
        if orm in ("tryton", "odoo"):
            cols = [c for c in cols if c.name in cls.callee]
            model = cls.model_name or cls.name
            return Table(model.replace(".", "_"), store, orm, facts.path, cls.line, cols,
                         context=model.split(".", 1)[-1])
        if orm == "mongoengine":
            return Table(cls.name, store, orm, facts.path, cls.line, cols)
        if orm == "sqlmodel":
            return Table(cls.tablename or cls.name.lower(), store, orm, facts.path, cls.line, cols)
        return Table(cls.name, store, orm, facts.path, cls.line, cols, store_kind="api")


_NOT_MODEL_FIELDS = ("forms", "serializers", "rest_framework", "filters", "wtforms", "marshmallow", "graphene",
                     "strawberry", "pydantic", "attr", "dataclasses", "ninja")


_NOT_MODEL_BASE_SUFFIXES = ("Form", "Serializer", "FilterSet", "Filter", "Admin", "Schema", "View",
                            "ViewSet", "TestCase", "Table", "Resource", "Widget", "Config", "Command")


def _not_model_base(resolved: str) -> bool:
    """A base that makes the class a form, serializer, admin, view or test, not a model."""
    parts = resolved.split(".")
    return parts[-1].endswith(_NOT_MODEL_BASE_SUFFIXES) or any(p in _NOT_MODEL_FIELDS for p in parts[:-1])


def _field_source(facts: PyFacts, callee: str) -> str:
    """Which ORM a field constructor belongs to, from where its name was imported."""
    head = callee.split(".", 1)[0]
    target = facts.imports.get(head, "")
    root = target.split(".", 1)[0]
    if root == "trytond":
        return "tryton"
    if root == "odoo" or root == "openerp":
        return "odoo"
    if root == "mongoengine":
        return "mongoengine"
    if root in ("sqlalchemy", "flask_sqlalchemy", "sqlmodel") or callee.endswith("Mapped") or \
            (head in facts.base_defs and callee.rsplit(".", 1)[-1] in ("Column", "mapped_column")):
        return "sqlalchemy"
    if any(part in _NOT_MODEL_FIELDS for part in target.split(".")) or not callee.endswith("Field"):
        return ""
    if target.startswith("django.db") or (target and any(t.startswith("django") for t in facts.imports.values())):
        return "django"
    return ""
