"""What the manifest beside a lockfile declares, for lockfiles that do not say which packages
are direct (poetry.lock, pdm.lock, pylock.toml, Pipfile.lock, yarn.lock, package-lock.json v1, composer.lock,
Cargo.lock). Read as data only (TOML/JSON); a missing or unreadable manifest changes nothing.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement

from pulsecheck.stages.deps.package import Package, normalize_name
from pulsecheck.stages.deps.parsers.common import LockfileError, read_text

MANIFEST = {"poetry.lock": "pyproject.toml", "pdm.lock": "pyproject.toml", "pylock.toml": "pyproject.toml", "Pipfile.lock": "Pipfile",
            "yarn.lock": "package.json", "package-lock.json": "package.json",
            "npm-shrinkwrap.json": "package.json", "composer.lock": "composer.json", "Cargo.lock": "Cargo.toml"}
_MAX = 4 * 1024 * 1024
Declared = dict[str, bool]
"""Normalized name -> declared only for development."""


def _add(out: Declared, names: Iterable[str], dev: bool) -> None:
    for name in names:
        out[name] = out.get(name, True) and dev


def _pep508(specs: Iterable[object]) -> list[str]:
    names = []
    for spec in specs:
        try:
            names.append(Requirement(str(spec)).name)
        except InvalidRequirement:
            continue
    return names


def _pyproject(doc: dict[str, Any]) -> Declared:
    out: Declared = {}
    project = doc.get("project") or {}
    _add(out, _pep508(project.get("dependencies") or []), False)
    for extra in (project.get("optional-dependencies") or {}).values():
        _add(out, _pep508(extra or []), False)
    tool = doc.get("tool") or {}
    dev_groups = [*(doc.get("dependency-groups") or {}).values(),
                  *((tool.get("pdm") or {}).get("dev-dependencies") or {}).values()]
    for group in dev_groups:
        _add(out, _pep508(s for s in group or [] if isinstance(s, str)), True)
    poetry = tool.get("poetry") or {}
    _add(out, (n for n in poetry.get("dependencies") or {} if n != "python"), False)
    _add(out, poetry.get("dev-dependencies") or {}, True)
    for name, group in (poetry.get("group") or {}).items():
        _add(out, (group or {}).get("dependencies") or {}, name != "main")
    return out


def npm_requests(folder: Path) -> dict[str, list[tuple[str, bool]]]:
    """name -> [(range, dev-only)] asked for by ``folder/package.json`` and its workspaces."""
    out: dict[str, list[tuple[str, bool]]] = {}
    doc = _load(folder / "package.json", json.loads)
    if not isinstance(doc, dict):
        return out
    docs = [doc]
    workspaces = doc.get("workspaces")
    patterns = workspaces.get("packages") if isinstance(workspaces, dict) else workspaces
    for pattern in patterns if isinstance(patterns, list) else []:
        if not isinstance(pattern, str) or ".." in pattern or pattern.startswith("/"):
            continue
        # "**" would walk every node_modules tree below: one or two levels cover real layouts
        globs = [pattern.replace("**", "*"), pattern.replace("**", "*/*")] if "**" in pattern else [pattern]
        found = {ws for g in globs for ws in folder.glob(f"{g.rstrip('/')}/package.json")
                 if "node_modules" not in ws.relative_to(folder).parts}
        for ws in sorted(found)[:500]:
            loaded = _load(ws, json.loads)
            if isinstance(loaded, dict):
                docs.append(loaded)
    for d in docs:
        for section in ("dependencies", "optionalDependencies", "peerDependencies", "devDependencies"):
            table = d.get(section)
            for name, rng in table.items() if isinstance(table, dict) else ():
                out.setdefault(str(name), []).append((str(rng), section == "devDependencies"))
    return out


def _load(path: Path, loads: Any) -> Any:
    try:
        return loads(read_text(path, _MAX))
    except (LockfileError, ValueError, RecursionError):
        return None


def declared(lockfile: Path, ecosystem: str) -> Declared | None:
    """Direct dependencies the lockfile's manifest names, or None when there is none to read."""
    name = MANIFEST.get("pylock.toml" if lockfile.name.startswith("pylock.") else lockfile.name)
    if name is None:
        return None
    path = lockfile.parent / name
    doc = _load(path, json.loads if name.endswith(".json") else tomllib.loads)
    if not isinstance(doc, dict):
        return None
    if name == "pyproject.toml":
        found = _pyproject(doc)
    elif name == "Pipfile":
        found = {}
        _add(found, doc.get("packages") or {}, False)
        _add(found, doc.get("dev-packages") or {}, True)
    elif name == "package.json":
        found = {}
        for dep, wanted in npm_requests(lockfile.parent).items():
            _add(found, [dep], all(dev for _, dev in wanted))
    elif name == "composer.json":
        found = {}
        _add(found, (n for n in doc.get("require") or {} if "/" in n), False)
        _add(found, (n for n in doc.get("require-dev") or {} if "/" in n), True)
    else:  # Cargo.toml
        found = {}
        _add(found, doc.get("dependencies") or {}, False)
        _add(found, [*(doc.get("dev-dependencies") or {}), *(doc.get("build-dependencies") or {})], True)
    return {normalize_name(ecosystem, n): dev for n, dev in found.items()}


def apply(packages: list[Package], names: Declared) -> list[Package]:
    """Fill in ``direct`` (and ``dev`` of direct packages) where the lockfile left them unknown.

    Parsers that can tell nested copies apart mark those transitive themselves (package-lock v1).
    """
    if not names:
        return packages
    out = []
    for pkg in packages:
        if pkg.direct is None:
            is_direct = pkg.key in names
            dev = names[pkg.key] if is_direct and (pkg.dev is None or not names[pkg.key]) else pkg.dev
            pkg = replace(pkg, direct=is_direct, dev=dev)
        out.append(pkg)
    return out
