"""Python manifests without a lockfile: setup.py, setup.cfg, Pipfile (pyproject.toml: see
:func:`.python.parse_pyproject`).

setup.py is a program; it is parsed with :mod:`ast` and never run. Only literal lists are
read (``install_requires=[...]``, or a module-level name bound to one); anything computed
(``open("requirements.txt")``, list comprehensions, ``**kwargs``) cannot be known without
running it and is reported as such.
"""

from __future__ import annotations

import ast
import configparser
from collections.abc import Iterable
from typing import Any

from pulsecheck.stages.deps.package import Package
from pulsecheck.stages.deps.parsers.common import Lines, LockfileError, load_toml
from pulsecheck.stages.deps.parsers.pins import pep440_exact, pep508

# keyword -> dev-only; extras are optional runtime features
_SETUP_KEYWORDS = {"install_requires": False, "extras_require": False, "tests_require": True}


def _packages(specs: Iterable[tuple[str, bool, int | None]], rel: str) -> list[Package]:
    out = []
    for spec, dev, line in specs:
        found = pep508(spec)
        if found is not None:
            out.append(Package("PyPI", found[0], found[1], rel, line, direct=True, dev=dev))
    return out


def _literal_strings(node: ast.expr, names: dict[str, ast.expr]) -> list[ast.Constant] | None:
    """The string constants of a literal list/tuple (or of a name bound to one), else None."""
    if isinstance(node, ast.Name) and node.id in names:
        node = names[node.id]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _literal_strings(node.left, names), _literal_strings(node.right, names)
        return None if left is None or right is None else left + right
    if not isinstance(node, (ast.List, ast.Tuple)):
        return None
    items = [e for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    return items if len(items) == len(node.elts) else None


def _setup_calls(tree: ast.Module) -> list[ast.Call]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call)
            and ((isinstance(n.func, ast.Name) and n.func.id == "setup")
                 or (isinstance(n.func, ast.Attribute) and n.func.attr == "setup"))]


def _bound_names(tree: ast.Module) -> dict[str, ast.expr]:
    """Module-level ``NAME = <expr>`` bindings (the last one wins, as when the file runs)."""
    out: dict[str, ast.expr] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    out[target.id] = stmt.value
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
            out[stmt.target.id] = stmt.value
    return out


def _resolve(node: ast.expr, names: dict[str, ast.expr]) -> ast.expr:
    return names.get(node.id, node) if isinstance(node, ast.Name) else node


def _keywords(call: ast.Call, names: dict[str, ast.expr], computed: list[str]) -> list[tuple[str, ast.expr]]:
    """The call's keyword arguments, ``**NAME`` expanded when NAME is a literal ``{...}`` or ``dict(...)``."""
    out: list[tuple[str, ast.expr]] = []
    for kw in call.keywords:
        if kw.arg is not None:
            out.append((kw.arg, kw.value))
            continue
        value = _resolve(kw.value, names)
        if isinstance(value, ast.Dict) and all(isinstance(k, ast.Constant) for k in value.keys):
            out += [(str(k.value), v) for k, v in zip(value.keys, value.values, strict=True)
                    if isinstance(k, ast.Constant)]
        elif isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "dict":
            out += [(k.arg, k.value) for k in value.keywords if k.arg is not None]
        else:
            computed.append("**kwargs")
    return out


def parse_setup_py(text: str, rel: str) -> list[Package]:
    try:
        tree = ast.parse(text, filename=rel)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise LockfileError(f"not parsable as Python ({type(exc).__name__}), never executed") from None
    names = _bound_names(tree)
    specs: list[tuple[str, bool, int | None]] = []
    computed: list[str] = []
    for call in _setup_calls(tree):
        for arg, value in _keywords(call, names, computed):
            if arg not in _SETUP_KEYWORDS:
                continue
            groups: list[ast.expr] = [value]
            if arg == "extras_require":
                value = _resolve(value, names)
                if not isinstance(value, ast.Dict):
                    computed.append(arg)
                    continue
                groups = list(value.values)
            for group in groups:
                items = _literal_strings(group, names)
                if items is None:
                    computed.append(arg)
                    continue
                specs += [(str(c.value), _SETUP_KEYWORDS[arg], c.lineno) for c in items]
    if computed and not specs:
        raise LockfileError(f"{', '.join(sorted(set(computed)))} computed at run time, not a literal "
                            "(setup.py is never executed): its dependencies are not read", gap=False)
    return _packages(specs, rel)


def parse_setup_cfg(text: str, rel: str) -> list[Package]:
    """setup.cfg ``[options] install_requires`` and ``[options.extras_require]``."""
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text)
    except configparser.Error as exc:
        raise LockfileError(f"invalid setup.cfg ({type(exc).__name__})") from None
    lines = Lines(text)
    specs: list[tuple[str, bool, int | None]] = []
    values: list[tuple[str, bool]] = []
    if parser.has_option("options", "install_requires"):
        values.append((parser.get("options", "install_requires"), False))
    if parser.has_option("options", "tests_require"):
        values.append((parser.get("options", "tests_require"), True))
    if parser.has_section("options.extras_require"):
        values += [(v, False) for _, v in parser.items("options.extras_require")]
    for value, dev in values:
        for raw in value.splitlines():
            spec = raw.split("#", 1)[0].strip()
            if spec:
                specs.append((spec, dev, lines.find(spec)))
    return _packages(specs, rel)


def _pipfile_version(value: Any) -> str | None:
    """The exact version of one Pipfile entry, "" for a range, None for git/path sources."""
    if isinstance(value, str):
        return pep440_exact(value) if value.strip().startswith("==") else ""
    if not isinstance(value, dict):
        return ""
    if any(k in value for k in ("git", "path", "file", "hg", "svn")):
        return None
    version = value.get("version", "*")
    return pep440_exact(version) if isinstance(version, str) and version.strip().startswith("==") else ""


def parse_pipfile(text: str, rel: str) -> list[Package]:
    doc, lines = load_toml(text), Lines(text)
    out = []
    for section, dev in (("packages", False), ("dev-packages", True)):
        table = doc.get(section)
        for name, value in table.items() if isinstance(table, dict) else ():
            version = _pipfile_version(value)
            if version is not None:
                out.append(Package("PyPI", name, version, rel, lines.find(f"{name} =", f'"{name}"'),
                                   direct=True, dev=dev))
    return out
