"""Facts from one Python file, read with ``ast`` only (the scanned code is never imported).

Collects what the SQLAlchemy/SQLModel/Pydantic/Django resolver (``python_orm.py``) needs:
classes with their bases and column-like attributes, declarative bases defined here, imports,
``create_all``/``create_engine`` bindings, Alembic ``op.create_table`` calls and Django
``DATABASES``/router facts.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from pulsecheck.stages.profile.datamap.model import Column

_BASE_FACTORIES = {"declarative_base", "generate_base", "SQLAlchemy"}
_BASE_CLASSES = {"DeclarativeBase", "DeclarativeBaseNoMeta", "MappedAsDataclass"}
_COLUMN_CALLS = {"Column", "mapped_column", "column_property"}
_SKIP_CALLS = {"relationship", "backref", "association_proxy", "synonym", "hybrid_property"}
# Tryton/Odoo ``fields.X(...)``: these hold no column of their own (computed or reverse relations).
_NO_COLUMN_FIELDS = {"Function", "One2Many", "Many2Many", "One2many", "Many2many", "depends", "MultiValue",
                     "Dict", "Binary"}


@dataclass(slots=True)
class ClassInfo:
    name: str
    bases: list[str]
    line: int
    keywords: dict[str, str] = field(default_factory=dict)
    columns: list[Column] = field(default_factory=list)
    sa_columns: int = 0
    django_columns: int = 0
    tablename: str | None = None
    bind_key: str | None = None
    schema: str | None = None
    db_table: str | None = None
    abstract: bool = False
    methods: set[str] = field(default_factory=set)
    callee: dict[str, str] = field(default_factory=dict)
    """Column name -> dotted callee that made it (``models.CharField``, ``fields.Char``)."""
    model_name: str | None = None
    """Tryton ``__name__`` / Odoo ``_name`` or ``_inherit`` (``gnuhealth.patient``)."""


@dataclass(slots=True)
class PyFacts:
    module: str
    path: str
    classes: list[ClassInfo] = field(default_factory=list)
    base_defs: set[str] = field(default_factory=set)
    imports: dict[str, str] = field(default_factory=dict)
    """Local name -> ``module.Name`` it was imported from."""
    star_imports: list[str] = field(default_factory=list)
    """Modules imported with ``from module import *`` (Django apps do it for abstract models)."""
    create_all: list[tuple[str, str]] = field(default_factory=list)
    """(base name, engine expression) from ``Base.metadata.create_all(engine)``."""
    engine_urls: dict[str, str] = field(default_factory=dict)
    alembic: list[tuple[str, int, list[Column]]] = field(default_factory=list)
    databases: list[str] = field(default_factory=list)
    routers: dict[str, str] = field(default_factory=dict)
    """Django app label -> database alias from router classes."""


def dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{dotted(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        return dotted(node.func)
    if isinstance(node, ast.Subscript):
        return dotted(node.value)
    return ""


def _const_str(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def module_name(rel: str) -> str:
    parts = rel[:-3].split("/") if rel.endswith(".py") else rel.split("/")
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _resolve_from(module: str, is_pkg: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    parts = module.split(".")
    keep = len(parts) - node.level + (1 if is_pkg else 0)
    base = parts[:max(keep, 0)]
    return ".".join([*base, node.module] if node.module else base)


def collect(rel: str, text: str) -> PyFacts:
    """Parse one file; raises ``SyntaxError``/``ValueError`` on malformed source."""
    tree = ast.parse(text, filename=rel)
    facts = PyFacts(module=module_name(rel), path=rel)
    is_pkg = rel.endswith("__init__.py")
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            src = _resolve_from(facts.module, is_pkg, node)
            for alias in node.names:
                if alias.name == "*":
                    facts.star_imports.append(src)
                else:
                    facts.imports[alias.asname or alias.name] = f"{src}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                facts.imports[alias.asname or alias.name.split(".")[0]] = alias.name
        elif isinstance(node, ast.Assign):
            _assign(facts, node)
        elif isinstance(node, ast.Call):
            _call(facts, node)
    facts.classes = [_class_info(node) for node in _module_classes(tree.body)]
    for cls in facts.classes:
        if any(b.rsplit(".", 1)[-1] in _BASE_CLASSES for b in cls.bases):
            facts.base_defs.add(cls.name)
        if cls.methods & {"db_for_write", "db_for_read", "allow_migrate"}:
            facts.routers.update(_router_map(tree, cls.name))
    return facts


def _module_classes(body: list[ast.stmt]) -> list[ast.ClassDef]:
    """Classes defined at module level (also under ``if``/``try``/``with``), not nested ones:
    a ``class Meta`` inside a model, or a model built inside a test function, is no table."""
    out: list[ast.ClassDef] = []
    for stmt in body:
        if isinstance(stmt, ast.ClassDef):
            out.append(stmt)
        elif isinstance(stmt, ast.If | ast.With | ast.AsyncWith):
            out += _module_classes(stmt.body) + _module_classes(getattr(stmt, "orelse", []))
        elif isinstance(stmt, ast.Try):
            for part in (stmt.body, stmt.orelse, stmt.finalbody, *(h.body for h in stmt.handlers)):
                out += _module_classes(part)
    return out


def _assign(facts: PyFacts, node: ast.Assign) -> None:
    names = [t.id for t in node.targets if isinstance(t, ast.Name)]
    if not names:
        return
    if isinstance(node.value, ast.Call):
        func = dotted(node.value.func).rsplit(".", 1)[-1]
        if func in _BASE_FACTORIES:
            facts.base_defs.update(names)
        elif func == "create_engine" and node.value.args:
            url = _const_str(node.value.args[0]) or f"{facts.module}:{ast.unparse(node.value.args[0])}"
            for name in names:
                facts.engine_urls[name] = url
    if "DATABASES" in names and isinstance(node.value, ast.Dict):
        facts.databases = [k for k in (_const_str(key) for key in node.value.keys) if k]


def _call(facts: PyFacts, node: ast.Call) -> None:
    func = dotted(node.func)
    if func.endswith(".metadata.create_all"):
        bind = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "bind"), None)
        if bind is not None:
            facts.create_all.append((func.split(".")[0], ast.unparse(bind)))
    elif func.endswith("op.create_table") or func.endswith("op.add_column"):
        table = _const_str(node.args[0]) if node.args else None
        if table:
            cols = [Column(n, dotted(c.args[1]) if len(c.args) > 1 else None, c.lineno)
                    for c in node.args[1:] if isinstance(c, ast.Call) and (n := _const_str(c.args[0] if c.args else None))]
            facts.alembic.append((table, node.lineno, cols))


def _class_info(node: ast.ClassDef) -> ClassInfo:
    info = ClassInfo(name=node.name, bases=[dotted(b) for b in node.bases], line=node.lineno,
                     keywords={k.arg: ast.unparse(k.value) for k in node.keywords if k.arg})
    for stmt in node.body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            info.methods.add(stmt.name)
        elif isinstance(stmt, ast.ClassDef) and stmt.name == "Meta":
            for sub in stmt.body:
                if isinstance(sub, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "db_table" for t in sub.targets):
                    info.db_table = _const_str(sub.value)
                if isinstance(sub, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "abstract" for t in sub.targets):
                    info.abstract = isinstance(sub.value, ast.Constant) and sub.value.value is True
        elif isinstance(stmt, ast.Assign | ast.AnnAssign):
            _class_attr(info, stmt)
    return info


def _class_attr(info: ClassInfo, stmt: ast.Assign | ast.AnnAssign) -> None:
    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
    names = [t.id for t in targets if isinstance(t, ast.Name)]
    if not names:
        return
    name, value = names[0], stmt.value
    if name == "__tablename__":
        info.tablename = _const_str(value)
        return
    if name == "__bind_key__":
        info.bind_key = _const_str(value)
        return
    if name in ("__name__", "_name") or (name == "_inherit" and info.model_name is None):
        info.model_name = _const_str(value) or info.model_name
        return
    if name == "__table_args__":
        for sub in ast.walk(value) if value is not None else ():
            if isinstance(sub, ast.Dict):
                for k, v in zip(sub.keys, sub.values, strict=False):
                    if _const_str(k) == "schema":
                        info.schema = _const_str(v)
        return
    if name.startswith("_") or name in ("model_config", "Config", "objects"):
        return
    ann = dotted(stmt.annotation) if isinstance(stmt, ast.AnnAssign) else ""
    if ann.endswith("ClassVar"):
        return
    call = dotted(value.func).rsplit(".", 1)[-1] if isinstance(value, ast.Call) else ""
    if call in _SKIP_CALLS:
        return
    type_hint: str | None = None
    if call in _COLUMN_CALLS or ann.endswith("Mapped"):
        info.sa_columns += 1
        info.callee[name] = dotted(value.func) if isinstance(value, ast.Call) else ann
        args = value.args if isinstance(value, ast.Call) else []
        first = next((a for a in args if not isinstance(a, ast.Constant)), None)
        type_hint = dotted(first) if first is not None else _mapped_arg(stmt)
    elif call.endswith("Field") and call != "Field" or call in ("ForeignKey", "OneToOneField", "ManyToManyField"):
        info.django_columns += 1
        type_hint = call
        info.callee[name] = dotted(value.func) if isinstance(value, ast.Call) else call
    elif isinstance(value, ast.Call) and dotted(value.func).startswith("fields.") and call not in _NO_COLUMN_FIELDS:
        type_hint = call
        info.callee[name] = dotted(value.func)
    elif isinstance(stmt, ast.AnnAssign):
        type_hint = ast.unparse(stmt.annotation)
    else:
        return
    info.columns.append(Column(name, type_hint, stmt.lineno))


def _mapped_arg(stmt: ast.Assign | ast.AnnAssign) -> str | None:
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.annotation, ast.Subscript):
        return ast.unparse(stmt.annotation.slice)
    return None


def _router_map(tree: ast.Module, cls_name: str) -> dict[str, str]:
    """Django router: ``if app_label in {...}: return 'alias'`` -> label -> alias."""
    out: dict[str, str] = {}
    cls = next(n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name == cls_name)
    label_sets: dict[str, list[str]] = {}
    for stmt in cls.body:
        if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Set | ast.List | ast.Tuple):
            vals = [v for v in (_const_str(e) for e in stmt.value.elts) if v]
            for t in stmt.targets:
                if isinstance(t, ast.Name):
                    label_sets[t.id] = vals
    for node in ast.walk(cls):
        if not isinstance(node, ast.If):
            continue
        labels = [v for v in (_const_str(n) for n in ast.walk(node.test)) if v]
        for sub in ast.walk(node.test):
            if isinstance(sub, ast.Attribute) and sub.attr in label_sets:
                labels += label_sets[sub.attr]
        returns = [v for s in node.body for n in ast.walk(s) if isinstance(n, ast.Return)
                   if (v := _const_str(n.value))]
        for label in labels:
            if returns:
                out.setdefault(label, returns[0])
    return out
