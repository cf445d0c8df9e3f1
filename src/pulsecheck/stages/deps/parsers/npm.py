"""JavaScript lockfiles: package-lock.json / npm-shrinkwrap.json (v1-v3) and bun.lock (yarn.lock
and pnpm-lock.yaml: see :mod:`.yarn`, :mod:`.pnpm`). Aliases resolve to the real registry package;
workspace and ``link:``/``file:`` entries are the project itself and are left out."""

from __future__ import annotations

from typing import Any

from pulsecheck.stages.deps.package import Package
from pulsecheck.stages.deps.parsers.common import Lines, LockfileError, load_json, load_jsonc

LOCAL = ("file:", "link:", "workspace:", "portal:")


def split_spec(spec: str) -> tuple[str, str]:
    """``@scope/name@1.2.3`` -> (``@scope/name``, ``1.2.3``); the version part may be empty."""
    at = spec.find("@", 1)
    return (spec, "") if at < 0 else (spec[:at], spec[at + 1:])


def _unalias(name: str, version: str) -> tuple[str, str]:
    """Resolve ``npm:real@1.0.0`` aliases; a git/URL "version" (which may embed a token) is no
    registry version and becomes ""."""
    if version.startswith("npm:"):
        return split_spec(version[4:])
    if ":" in version or "/" in version:
        return name, ""
    return name, version


def parse_package_lock(text: str, rel: str) -> list[Package]:
    doc = load_json(text)
    if not isinstance(doc, dict):
        raise LockfileError("not a package-lock object")
    lines = Lines(text)
    packages = doc.get("packages")
    if isinstance(packages, dict) and packages:
        return _package_lock_v2(packages, rel, lines)
    return _package_lock_v1(doc.get("dependencies") or {}, rel, lines, depth=0)


def _declared(entry: dict[str, Any]) -> set[str]:
    return {dep for section in _SECTIONS for dep in (entry.get(section) or {})}


_SECTIONS = ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies")


def _package_lock_v2(packages: dict[str, Any], rel: str, lines: Lines) -> list[Package]:
    # The root ("") and each workspace (a key outside node_modules) declare direct dependencies,
    # installed at <folder>/node_modules/<name> or hoisted to node_modules/<name>.
    declared = {folder: _declared(entry) for folder, entry in packages.items()
                if isinstance(entry, dict) and "node_modules/" not in f"{folder}/" and not entry.get("link")}
    out = []
    for key, entry in packages.items():
        if not key or not isinstance(entry, dict) or entry.get("link") or "node_modules/" not in key:
            continue
        parent, installed_as = key.rsplit("node_modules/", 1)
        name, version = _unalias(str(entry.get("name") or installed_as), str(entry.get("version", "")))
        if not version or version.startswith(LOCAL):
            continue
        parent = parent.rstrip("/")
        if parent == "":  # hoisted: direct when the root, or a workspace without its own copy, asks for it
            direct = any(installed_as in deps and (not folder or f"{folder}/{key}" not in packages)
                         for folder, deps in declared.items())
        else:
            direct = parent in declared and installed_as in declared[parent]
        # devOptional: optional at runtime and dev-only elsewhere, so installed in production.
        out.append(Package("npm", name, version, rel, lines.find(f'"{key}"'),
                           direct=direct, dev=bool(entry.get("dev"))))
    return out


def _package_lock_v1(deps: dict[str, Any], rel: str, lines: Lines, depth: int) -> list[Package]:
    out = []
    for installed_as, entry in deps.items():
        if not isinstance(entry, dict):
            continue
        name, version = _unalias(installed_as, str(entry.get("version", "")))
        if version and not version.startswith(LOCAL):
            # v1 has no record of what the root declares (package.json beside it does); a nested
            # copy is never the one the root asked for.
            out.append(Package("npm", name, version, rel, lines.find(f'"{installed_as}": {{'),
                               direct=None if depth == 0 else False, dev=bool(entry.get("dev"))))
        out += _package_lock_v1(entry.get("dependencies") or {}, rel, lines, depth + 1)
    return out


def _bun_names(key: str) -> list[str]:
    """``a/@s/b/c`` -> [``a``, ``@s/b``, ``c``]: the chain of packages a bun.lock key nests."""
    parts, out = key.split("/"), []
    while parts:
        head = parts.pop(0)
        out.append(f"{head}/{parts.pop(0)}" if head.startswith("@") and parts else head)
    return out


def _bun_child(packages: dict[str, Any], parent: str, dep: str) -> str | None:
    """Node resolution over bun.lock keys: ``a/b/dep``, then ``a/dep``, then ``dep``."""
    chain = _bun_names(parent) if parent else []
    for depth in range(len(chain), -1, -1):
        key = "/".join([*chain[:depth], dep])
        if key in packages:
            return key
    return None


def _bun_reach(packages: dict[str, Any], roots: list[str]) -> set[str]:
    seen: set[str] = set()
    todo = [(r, "") for r in roots]
    while todo:
        dep, parent = todo.pop()
        key = _bun_child(packages, parent, dep)
        if key is None or key in seen:
            continue
        seen.add(key)
        value = packages[key]
        meta = value[2] if isinstance(value, list) and len(value) > 2 and isinstance(value[2], dict) else {}
        for section in ("dependencies", "optionalDependencies", "peerDependencies"):
            todo += [(str(d), key) for d in meta.get(section) or {}]
    return seen


def parse_bun_lock(text: str, rel: str) -> list[Package]:
    doc = load_jsonc(text)
    if not isinstance(doc, dict):
        raise LockfileError("not a bun.lock object")
    lines = Lines(text)
    declared: dict[str, bool] = {}
    prod_roots: list[str] = []
    dev_roots: list[str] = []
    for ws in (doc.get("workspaces") or {}).values():
        for section in ("dependencies", "optionalDependencies", "peerDependencies", "devDependencies"):
            for dep in (ws or {}).get(section) or {}:
                declared[dep] = declared.get(dep, True) and section == "devDependencies"
                (dev_roots if section == "devDependencies" else prod_roots).append(str(dep))
    packages = doc.get("packages") or {}
    prod = _bun_reach(packages, prod_roots)
    dev = _bun_reach(packages, dev_roots) - prod
    out = []
    for key, value in packages.items():
        if not isinstance(value, list) or not value or not isinstance(value[0], str):
            raise LockfileError(f"package entry {key!r} is not a [spec, ...] tuple")
        name, version = split_spec(value[0])
        if not version or version.startswith(("workspace:", "link:", "file:")):
            continue
        if not version[:1].isdigit():
            continue  # git/github/tarball sources carry a ref, not a registry version
        top = "/" not in key.lstrip("@").split("/", 1)[-1] if key.startswith("@") else "/" not in key
        is_dev = True if key in dev else False if key in prod else (declared.get(key) if top else None)
        out.append(Package("npm", name, version, rel, lines.find(f'"{key}": ['),
                           direct=top and key in declared, dev=is_dev))
    return out
