"""Python lockfiles: poetry.lock, Pipfile.lock, uv.lock, pdm.lock, pylock.toml, pyproject.toml pins."""

from __future__ import annotations

from typing import Any

from packaging.requirements import InvalidRequirement, Requirement

from pulsecheck.stages.deps.package import Package, normalize_name
from pulsecheck.stages.deps.parsers.common import Lines, LockfileError, load_json, load_toml


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


def parse_poetry(text: str, rel: str) -> list[Package]:
    doc, lines = load_toml(text), Lines(text)
    out = []
    for entry in _table_list(doc, "package"):
        name, version = str(entry.get("name", "")), _version(entry)
        if not name:
            continue
        category = entry.get("category")
        groups = entry.get("groups")
        dev = None
        if category is not None:
            dev = category == "dev"
        elif isinstance(groups, list) and groups:
            dev = "main" not in groups
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
            version = str(info.get("version", "")).lstrip("=")
            if not version:
                continue  # git/path entries have no version to check
            out.append(Package("PyPI", name, version, rel, lines.find(f'"{name}"'), direct=None, dev=dev))
    return out


def _source_is_local(entry: dict[str, Any]) -> bool:
    source = entry.get("source")
    return isinstance(source, dict) and bool({"virtual", "editable", "directory"} & set(source))


def parse_uv_lock(text: str, rel: str) -> list[Package]:
    doc, lines = load_toml(text), Lines(text)
    entries = _table_list(doc, "package")
    roots = [e for e in entries if _source_is_local(e)]
    direct: set[str] = set()
    dev: set[str] = set()
    for root in roots:
        for dep in root.get("dependencies", []) or []:
            direct.add(normalize_name("PyPI", str(dep.get("name", ""))))
        groups = root.get("dev-dependencies") or {}
        for deps in groups.values() if isinstance(groups, dict) else []:
            for dep in deps:
                dev.add(normalize_name("PyPI", str(dep.get("name", ""))))
    out = []
    for entry in entries:
        if _source_is_local(entry) or "name" not in entry:
            continue
        name, key = str(entry["name"]), normalize_name("PyPI", str(entry["name"]))
        is_direct = (key in direct or key in dev) if roots else None
        out.append(Package("PyPI", name, _version(entry), rel, _pkg_line(lines, name),
                           direct=is_direct, dev=(key in dev and key not in direct) if roots else None))
    return out


def parse_pdm_lock(text: str, rel: str) -> list[Package]:
    doc, lines = load_toml(text), Lines(text)
    out = []
    for entry in _table_list(doc, "package"):
        if "name" not in entry or "version" not in entry:
            continue
        groups = entry.get("groups")
        dev = ("default" not in groups) if isinstance(groups, list) and groups else None
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
    """Exact ``==`` pins in PEP 621 / Poetry dependency tables (ranges say nothing installed)."""
    doc, lines = load_toml(text), Lines(text)
    project = doc.get("project") or {}
    specs: list[tuple[str, bool]] = [(s, False) for s in project.get("dependencies", []) or []]
    for extra in (project.get("optional-dependencies") or {}).values():
        specs += [(s, False) for s in extra]
    for group in (doc.get("dependency-groups") or {}).values():
        specs += [(s, True) for s in group if isinstance(s, str)]
    out = []
    for spec, dev in specs:
        try:
            req = Requirement(str(spec))
        except InvalidRequirement:
            continue
        pins = [s.version for s in req.specifier if s.operator in ("==", "===") and "*" not in s.version]
        if len(pins) == 1:
            out.append(Package("PyPI", req.name, pins[0], rel, lines.find(str(spec)), direct=True, dev=dev))
    poetry = (doc.get("tool") or {}).get("poetry") or {}
    for table, dev in ((poetry.get("dependencies"), False), (poetry.get("dev-dependencies"), True)):
        for name, value in (table or {}).items():
            version = value.get("version") if isinstance(value, dict) else value
            if name != "python" and isinstance(version, str) and _exact(version):
                out.append(Package("PyPI", name, version.lstrip("="), rel, lines.find(f"{name} ="),
                                   direct=True, dev=dev))
    return out


def _exact(version: str) -> bool:
    bare = version.lstrip("=")
    return bool(bare) and bare[0].isdigit() and not any(c in bare for c in "<>^~*,| ")
