"""One parse per module: the libcst tree, line positions, imports, classes and functions.

libcst's native parser reads syntax newer than the running interpreter. A file it cannot read
is returned as a reason (the stage notes it); nothing is skipped silently."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider


@dataclass
class Func:
    qual: str                     # "module:Class.method"
    name: str
    node: cst.FunctionDef | cst.Module
    module: Module
    cls: str | None = None        # enclosing class name
    outer: Func | None = None     # enclosing function (closures)
    decorators: tuple[str, ...] = ()
    params: tuple[str, ...] = ()
    is_async: bool = False


@dataclass
class Module:
    path: str                     # repo-relative
    name: str                     # dotted module name from the path
    text: str
    tree: cst.Module
    pos: Mapping[cst.CSTNode, CodeRange]
    lines: list[str]
    imports: dict[str, str] = field(default_factory=dict)
    """Local name -> dotted target (``np`` -> ``numpy``, ``text`` -> ``sqlalchemy.text``)."""
    functions: dict[str, Func] = field(default_factory=dict)
    """Qualified name within the module (``f``, ``C.m``, ``f.inner``) -> function."""
    classes: dict[str, ClassInfo] = field(default_factory=dict)
    top: Func | None = None

    def line(self, node: cst.CSTNode) -> int:
        r = self.pos.get(node)
        return r.start.line if r is not None else 1

    def end_line(self, node: cst.CSTNode) -> int:
        r = self.pos.get(node)
        return r.end.line if r is not None else self.line(node)

    def column(self, node: cst.CSTNode) -> int | None:
        r = self.pos.get(node)
        return r.start.column + 1 if r is not None else None

    def snippet(self, line: int) -> str:
        if 1 <= line <= len(self.lines):
            return " ".join(self.lines[line - 1].split())[:200]
        return ""

    def source(self, node: cst.CSTNode, limit: int = 400) -> str:
        """The node's text from the source lines (positions; no code generation), at most
        ``limit`` characters."""
        r = self.pos.get(node)
        if r is None:
            return ""
        start, end = r.start, r.end
        if start.line == end.line:
            return self.lines[start.line - 1][start.column:end.column][:limit] if start.line <= len(self.lines) else ""
        parts = [self.lines[start.line - 1][start.column:]] if start.line <= len(self.lines) else []
        size = len(parts[0]) if parts else 0
        for ln in range(start.line + 1, min(end.line, len(self.lines) + 1)):
            if size > limit:
                break
            parts.append(self.lines[ln - 1])
            size += len(parts[-1])
        if size <= limit and end.line <= len(self.lines):
            parts.append(self.lines[end.line - 1][:end.column])
        return "\n".join(parts)[:limit]


@dataclass
class ClassInfo:
    name: str
    bases: tuple[str, ...]
    table: str | None             # __tablename__ or the class name (schemas)
    methods: dict[str, str] = field(default_factory=dict)   # method -> qual within module
    fields: tuple[str, ...] = ()
    field_defs: tuple[tuple[str, int, str], ...] = ()
    """(name, line, text of the definition) of each class-level assignment."""


def module_name(path: str) -> str:
    p = path[:-3] if path.endswith(".py") else path.rsplit(".", 1)[0]
    parts = [x for x in p.split("/") if x]
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def dotted(node: cst.BaseExpression) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, else None."""
    parts: list[str] = []
    cur: cst.BaseExpression = node
    while isinstance(cur, cst.Attribute):
        parts.append(cur.attr.value)
        cur = cur.value
    if isinstance(cur, cst.Name):
        parts.append(cur.value)
        return ".".join(reversed(parts))
    return None


MAX_DEPTH = 100
"""Bracket nesting beyond this is not handed to libcst (its tree walks recurse per level)."""
MAX_CHAIN = 250
"""Operators in one logical line beyond this are not handed to libcst: its parser is
superlinear on long operator chains (3,000 ``+`` take 15 s) and its code generator recurses."""
LONG_LINE = 1000
_SHAPE = re.compile(r"""'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|[(\[{]|[)\]}]|[\n,;:]|"""
                    r"(?<![=!<>*/-])[-+*/%|&^](?![=*/])|\band\b|\bor\b")


def too_complex(text: str) -> str | None:
    """Why ``text`` is not parsed, or None. Only files with a physical line over
    :data:`LONG_LINE` characters are scanned (one linear regex pass); multi-line chains and deep
    nesting in ordinary files stay within libcst's bounds or end in a RecursionError note."""
    if not text or max(map(len, text.splitlines())) <= LONG_LINE:
        return None
    depth = ops = 0
    for m in _SHAPE.finditer(text):
        c = m.group()
        if c[0] in "'\"":
            continue
        if c in ",;:":
            ops = 0
        elif c in "([{":
            depth += 1
            if depth > MAX_DEPTH:
                return f"brackets nested deeper than {MAX_DEPTH}"
        elif c in ")]}":
            depth = max(0, depth - 1)
        elif c == "\n":
            if depth == 0:
                ops = 0
        else:
            ops += 1
            if ops > MAX_CHAIN:
                return f"an expression with more than {MAX_CHAIN} operators"
    return None


def parse(path: str, text: str) -> Module:
    """Parse ``text``; raises ``cst.ParserSyntaxError``, ``RecursionError`` or ``ValueError``."""
    why = too_complex(text)
    if why is not None:
        raise ValueError(f"too complex to parse safely: {why}")
    tree = cst.parse_module(text)
    wrapper = MetadataWrapper(tree, unsafe_skip_copy=True)
    pos = wrapper.resolve(PositionProvider)
    mod = Module(path=path, name=module_name(path), text=text, tree=tree, pos=pos, lines=text.splitlines())
    _Collector(mod).collect()
    return mod


def _attr_name(node: cst.BaseExpression) -> str:
    d = dotted(node)
    if d is not None:
        return d
    if isinstance(node, cst.Call):
        return _attr_name(node.func)
    return ""


class _Collector:
    def __init__(self, mod: Module) -> None:
        self.mod = mod

    def collect(self) -> None:
        mod = self.mod
        mod.top = Func(qual=f"{mod.name}:<module>", name="<module>", node=mod.tree, module=mod)
        self._body(mod.tree.body, prefix="", cls=None, outer=None, top=True)

    def _imports(self, node: cst.Import | cst.ImportFrom) -> None:
        mod = self.mod
        if isinstance(node, cst.Import):
            for alias in node.names:
                full = _attr_name(alias.name)
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    mod.imports[alias.asname.name.value] = full
                else:
                    mod.imports[full.split(".")[0]] = full.split(".")[0]
            return
        base = _attr_name(node.module) if node.module is not None else ""
        level = len(node.relative)
        if level:
            pkg = mod.name.split(".")
            if not mod.path.endswith("__init__.py"):
                pkg = pkg[:-1]
            pkg = pkg[:len(pkg) - (level - 1)] if level > 1 else pkg
            base = ".".join([*pkg, base] if base else pkg)
        if isinstance(node.names, cst.ImportStar):
            return
        for alias in node.names:
            name = _attr_name(alias.name)
            local = alias.asname.name.value if alias.asname is not None and isinstance(alias.asname.name, cst.Name) else name
            mod.imports[local] = f"{base}.{name}" if base else name

    def _body(self, body: object, prefix: str, cls: str | None, outer: Func | None, top: bool = False) -> None:
        stmts = body if isinstance(body, (list, tuple)) else getattr(body, "body", ())
        for st in stmts:
            self._stmt(st, prefix, cls, outer, top)

    def _stmt(self, st: cst.CSTNode, prefix: str, cls: str | None, outer: Func | None, top: bool) -> None:
        mod = self.mod
        if isinstance(st, cst.SimpleStatementLine):
            for small in st.body:
                if isinstance(small, (cst.Import, cst.ImportFrom)) and (top or outer is None):
                    self._imports(small)
            return
        if isinstance(st, cst.FunctionDef):
            qual = f"{prefix}{st.name.value}"
            params = tuple(p.name.value for p in (*st.params.posonly_params, *st.params.params))
            decos = tuple(_attr_name(d.decorator) for d in st.decorators)
            fn = Func(qual=f"{mod.name}:{qual}", name=st.name.value, node=st, module=mod, cls=cls, outer=outer,
                      decorators=decos, params=params, is_async=st.asynchronous is not None)
            mod.functions[qual] = fn
            if cls is not None and outer is None and cls in mod.classes:
                mod.classes[cls].methods[st.name.value] = qual
            self._body(st.body, f"{qual}.", None, fn)
            return
        if isinstance(st, cst.ClassDef):
            qual = f"{prefix}{st.name.value}"
            bases = tuple(_attr_name(a.value) for a in st.bases)
            table: str | None = st.name.value
            fields: list[str] = []
            defs: list[tuple[str, int, str]] = []
            for inner in getattr(st.body, "body", ()):
                if isinstance(inner, cst.SimpleStatementLine):
                    for small in inner.body:
                        if isinstance(small, cst.Assign):
                            for t in small.targets:
                                if isinstance(t.target, cst.Name):
                                    if t.target.value == "__tablename__" and isinstance(small.value, cst.SimpleString):
                                        table = str(small.value.evaluated_value)
                                    else:
                                        fields.append(t.target.value)
                                        defs.append((t.target.value, mod.line(small), mod.source(small.value, 200)))
                        elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                            fields.append(small.target.value)
                            text = mod.source(small.annotation.annotation, 100) + " = " + (
                                mod.source(small.value, 200) if small.value is not None else "")
                            defs.append((small.target.value, mod.line(small), text))
            mod.classes[qual] = ClassInfo(name=st.name.value, bases=bases, table=table, fields=tuple(fields),
                                          field_defs=tuple(defs))
            self._body(st.body, f"{qual}.", qual, outer)
            return
        # compound statements: functions defined inside if/try/with blocks
        for attr in ("body", "orelse", "handlers", "finalbody"):
            sub = getattr(st, attr, None)
            if sub is None:
                continue
            if isinstance(sub, (list, tuple)):
                for h in sub:
                    self._body(getattr(h, "body", h), prefix, cls, outer, top)
            elif isinstance(sub, cst.BaseSuite):
                self._body(sub, prefix, cls, outer, top)
            elif hasattr(sub, "body"):
                self._stmt(sub, prefix, cls, outer, top) if isinstance(sub, cst.If) else self._body(sub.body, prefix, cls, outer, top)
