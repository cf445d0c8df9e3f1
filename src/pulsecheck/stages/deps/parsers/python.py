"""Python lockfiles: poetry.lock, Pipfile.lock, uv.lock, pdm.lock, pylock.toml, pyproject.toml pins."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pulsecheck.stages.deps.package import Package, normalize_name
from pulsecheck.stages.deps.parsers.common import Lines, LockfileError, load_json, load_toml, reach
from pulsecheck.stages.deps.parsers.pins import pep440_exact, pep508


def _version(entry: dict[str, Any]) -> str:
    """The entry's version if it is a string; a TOML number (``1.10`` read as 1.1) is unusable."""
    value = entry.get("version", "")
    return value if isinstance(value, str) else ""


def _pkg_line(lines: Lines, name: str) -> int | None:
    return lines.find(f'name = "{name}"', f"name = '{name}'")


def _table_list(doc: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = doc.get(key, [])
    if not isinstance(value, list):
        raise LockfileError(f"'{key}' is not an array of tables")
    return [v for v in value if isinstance(v, dict)]


def parse_poetry(text: str, rel: str, declared: Mapping[str, bool] | None = None) -> list[Package]:
    """poetry.lock; Poetry 2 marks each package's groups, Poetry 1.5-1.8 nothing, so there the
    roots ``declared`` in pyproject.toml (name -> dev-only) are followed through each package's
    ``[package.dependencies]``: what only dev groups reach is dev."""
    doc, lines = load_toml(text), Lines(text)
    entries = [e for e in _table_list(doc, "package") if e.get("name")]
    graph = {normalize_name("PyPI", str(e["name"])): [normalize_name("PyPI", str(d)) for d in e.get("dependencies") or {}]
             for e in entries}
    prod = reach(graph, [n for n, dev in (declared or {}).items() if not dev])
    dev_only = reach(graph, [n for n, dev in (declared or {}).items() if dev]) - prod
    out = []
    for entry in entries:
        name, version = str(entry["name"]), _version(entry)
        category = entry.get("category")
        groups = entry.get("groups")
        dev = None
        if category is not None:
            dev = category == "dev"
        elif isinstance(groups, list) and groups:
            dev = "main" not in groups
        else:
            key = normalize_name("PyPI", name)
            dev = True if key in dev_only else False if key in prod else None
        out.append(Package("PyPI", name, version, rel, _pkg_line(lines, name), dev=dev))
    return out


def parse_pipfile_lock(text: str, rel: str) -> list[Package]:
    doc, lines = load_json(text), Lines(text)
    if not isinstance(doc, dict):
        raise LockfileError("not a Pipfile.lock object")
    out = []
    for section, dev in (("default", False), ("develop", True)):
        for name, info in (doc.get(section) or {}).items():
            if not isinstance(info, dict):
                continue
            pin = str(info.get("version", ""))
            if not pin:
                continue  # git/path entries have no version to check
            # "==1.2" pins; "*" (a marker that excluded it on the locking machine) pins nothing.
            version = pin.lstrip("=") if pin.startswith("==") else ""
            out.append(Package("PyPI", name, version, rel, lines.find(f'"{name}"'), direct=None, dev=dev))
    return out


def _source_is_local(entry: dict[str, Any]) -> bool:
    source = entry.get("source")
    return isinstance(source, dict) and bool({"virtual", "editable", "directory"} & set(source))


UvNode = tuple[str, str]


def _uv_edges(entry: dict[str, Any], versions: dict[str, list[str]], tables: tuple[str, ...]) -> list[UvNode]:
    """Edges of a uv.lock package: ``dependencies`` plus the named tables (extras or groups);
    an edge names a version only when the lock holds several (split by markers)."""
    deps: list[Any] = list(entry.get("dependencies") or [])
    for table in tables:
        groups = entry.get(table) or {}
        deps += [d for ds in (groups.values() if isinstance(groups, dict) else []) for d in ds or []]
    out = []
    for dep in deps:
        if not isinstance(dep, dict) or "name" not in dep:
            continue
        key = normalize_name("PyPI", str(dep["name"]))
        wanted = [str(dep["version"])] if "version" in dep else versions.get(key, [])
        out += [(key, v) for v in wanted]
    return out


def parse_uv_lock(text: str, rel: str) -> list[Package]:
    """uv.lock; the project's own packages (virtual/editable/directory sources) are the roots:
    their dependencies and extras are direct runtime, their dependency groups direct dev."""
    doc, lines = load_toml(text), Lines(text)
    entries = [e for e in _table_list(doc, "package") if "name" in e]
    versions: dict[str, list[str]] = {}
    for e in entries:
        versions.setdefault(normalize_name("PyPI", str(e["name"])), []).append(_version(e))
    node = {id(e): (normalize_name("PyPI", str(e["name"])), _version(e)) for e in entries}
    graph = {node[id(e)]: _uv_edges(e, versions, ("optional-dependencies",)) for e in entries}
    roots = [e for e in entries if _source_is_local(e)]
    prod_roots = [n for r in roots for n in _uv_edges(r, versions, ("optional-dependencies",))]
    dev_roots = [n for r in roots
                 for n in _uv_edges({"dev-dependencies": r.get("dev-dependencies")}, versions, ("dev-dependencies",))]
    prod = reach(graph, prod_roots)
    dev = reach(graph, dev_roots) - prod
    direct = set(prod_roots) | set(dev_roots)
    out = []
    for entry in entries:
        if _source_is_local(entry):
            continue
        key, name = node[id(entry)], str(entry["name"])
        out.append(Package("PyPI", name, _version(entry), rel, _pkg_line(lines, name),
                           direct=key in direct if roots else None,
                           dev=(True if key in dev else False if key in prod else None) if roots else None))
    return out


_DEV_GROUP = re.compile(r"^(dev|develop|development|tests?|testing|lint|linting|docs?|typing|types|mypy|ci|"
                        r"bench|benchmarks?|format|style|check|qa|coverage)$", re.IGNORECASE)


def parse_pdm_lock(text: str, rel: str) -> list[Package]:
    """pdm.lock; ``groups`` mixes extras (runtime) and dev groups, told apart by name here and
    by the pyproject.toml beside it for direct dependencies (see :mod:`.manifest`)."""
    doc, lines = load_toml(text), Lines(text)
    out = []
    for entry in _table_list(doc, "package"):
        if "name" not in entry or "version" not in entry:
            continue
        if entry.get("path") or entry.get("editable"):
            continue  # a local directory: the project's own code, not a PyPI release
        groups = entry.get("groups")
        dev = None
        if isinstance(groups, list) and groups:
            dev = all(isinstance(g, str) and _DEV_GROUP.match(g) for g in groups)
        out.append(Package("PyPI", str(entry["name"]), _version(entry), rel,
                           _pkg_line(lines, str(entry["name"])), dev=dev))
    return out


def parse_pylock(text: str, rel: str) -> list[Package]:
    doc, lines = load_toml(text), Lines(text)
    out = []
    for entry in _table_list(doc, "packages"):
        name = entry.get("name")
        if not name:
            continue
        version = _version(entry)
        if "version" not in entry:
            continue  # only VCS, directory and archive sources may omit it: nothing to match
        out.append(Package("PyPI", str(name), version, rel, _pkg_line(lines, str(name))))
    return out


def parse_pyproject(text: str, rel: str) -> list[Package]:
    """PEP 621 ``[project]`` dependencies and optional-dependencies, dependency groups, and
    Poetry's dependency tables (groups too). Exact pins carry their version; ranges an empty
    one (unchecked unless a lockfile resolves them)."""
    doc, lines = load_toml(text), Lines(text)
    project = doc.get("project") or {}
    specs: list[tuple[str, bool]] = [(s, False) for s in project.get("dependencies", []) or []]
    for extra in (project.get("optional-dependencies") or {}).values():
        specs += [(s, False) for s in extra or []]
    for group in (doc.get("dependency-groups") or {}).values():
        specs += [(s, True) for s in group or [] if isinstance(s, str)]
    out = []
    for spec, dev in specs:
        found = pep508(str(spec))
        if found is not None:
            out.append(Package("PyPI", found[0], found[1], rel, lines.find(str(spec)), direct=True, dev=dev))
    poetry = (doc.get("tool") or {}).get("poetry") or {}
    tables = [(poetry.get("dependencies"), False), (poetry.get("dev-dependencies"), True)]
    tables += [((g or {}).get("dependencies"), n != "main") for n, g in (poetry.get("group") or {}).items()]
    for table, dev in tables:
        for name, value in (table or {}).items() if isinstance(table, dict) else ():
            if name == "python" or (isinstance(value, dict) and ({"git", "path", "url"} & set(value))):
                continue  # the interpreter, or not a PyPI release
            version = value.get("version") if isinstance(value, dict) else value
            out.append(Package("PyPI", name, pep440_exact(version) if isinstance(version, str) else "", rel,
                               lines.find(f"{name} ="), direct=True, dev=dev))
    return out
