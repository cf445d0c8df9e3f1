"""JavaScript lockfiles: package-lock.json / npm-shrinkwrap.json (v1-v3), yarn.lock (classic and
berry), pnpm-lock.yaml (v5-v9) and bun.lock. Aliases resolve to the real registry package;
workspace and ``link:``/``file:`` entries are the project itself and are left out."""

from __future__ import annotations

import re
from typing import Any

from pulsecheck.stages.deps.package import Package
from pulsecheck.stages.deps.parsers.common import Lines, LockfileError, load_json, load_jsonc, load_yaml

_LOCAL = ("file:", "link:", "workspace:", "portal:")


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


def _package_lock_v2(packages: dict[str, Any], rel: str, lines: Lines) -> list[Package]:
    root = packages.get("") or {}
    declared = {*(root.get("dependencies") or {}), *(root.get("devDependencies") or {}),
                *(root.get("optionalDependencies") or {}), *(root.get("peerDependencies") or {})}
    out = []
    for key, entry in packages.items():
        if not key or not isinstance(entry, dict) or entry.get("link") or "node_modules/" not in key:
            continue
        installed_as = key.rsplit("node_modules/", 1)[1]
        name, version = _unalias(str(entry.get("name") or installed_as), str(entry.get("version", "")))
        if not version or version.startswith(_LOCAL):
            continue
        top = key == f"node_modules/{installed_as}"
        out.append(Package("npm", name, version, rel, lines.find(f'"{key}"'),
                           direct=top and installed_as in declared,
                           dev=bool(entry.get("dev") or entry.get("devOptional"))))
    return out


def _package_lock_v1(deps: dict[str, Any], rel: str, lines: Lines, depth: int) -> list[Package]:
    out = []
    for installed_as, entry in deps.items():
        if not isinstance(entry, dict):
            continue
        name, version = _unalias(installed_as, str(entry.get("version", "")))
        if version and not version.startswith(_LOCAL):
            # v1 has no record of what the root declares; top level is the closest signal.
            out.append(Package("npm", name, version, rel, lines.find(f'"{installed_as}": {{'),
                               direct=None, dev=bool(entry.get("dev"))))
        out += _package_lock_v1(entry.get("dependencies") or {}, rel, lines, depth + 1)
    return out


_YARN_HEADER = re.compile(r'^(?!\s)("?[^\s#][^\n]*?):\s*$', re.MULTILINE)
_YARN_FIELD = re.compile(r'^\s+"?(version|resolution)"?:?\s+"?([^"\n]+)"?\s*$', re.MULTILINE)


def parse_yarn_lock(text: str, rel: str) -> list[Package]:
    lines = Lines(text)
    headers = list(_YARN_HEADER.finditer(text))
    if not headers and text.strip() and not text.lstrip().startswith("#"):
        raise LockfileError("no yarn.lock entries found")
    seen: set[tuple[str, str]] = set()
    out = []
    for i, head in enumerate(headers):
        block = text[head.end(): headers[i + 1].start() if i + 1 < len(headers) else len(text)]
        spec = head.group(1).split(",")[0].strip().strip('"')
        if spec == "__metadata":
            continue
        fields = {m.group(1): m.group(2).strip() for m in _YARN_FIELD.finditer(block)}
        name, wanted = split_spec(spec)
        resolution = fields.get("resolution", "")
        if resolution:
            res_name, res_ref = split_spec(resolution)
            if res_ref.startswith(("workspace:", "link:", "portal:", "file:", "patch:")):
                continue
            name = res_name
        elif wanted.startswith("npm:") and "@" in wanted[5:]:
            name = split_spec(wanted[4:])[0]
        elif wanted.startswith(_LOCAL):
            continue
        version = fields.get("version", "")
        if not version or (name, version) in seen:
            continue
        seen.add((name, version))
        out.append(Package("npm", name, version, rel, lines.of_offset(head.start())))
    return out


def _pnpm_key(key: str, entry: dict[str, Any], v5: bool) -> tuple[str, str]:
    if key.startswith(_LOCAL):
        return "", ""
    hosted = not key.startswith("/")
    key = key.lstrip("/").split("(", 1)[0]
    if v5 and "/" in key.lstrip("/"):  # /name/1.2.3_peer, /@scope/name/1.2.3, host.example/name/1.2.3
        if hosted and key.count("/") >= 2:
            key = key.split("/", 1)[1]
        name, _, version = key.rpartition("/")
        version = version.split("_", 1)[0]
    else:  # v6: /name@1.2.3(peer@1) ; v9: name@1.2.3(peer@1)
        name, version = split_spec(key)
    if entry.get("name"):
        name = str(entry["name"])
    if entry.get("version"):
        version = str(entry["version"])
    elif not version[:1].isdigit():
        version = ""
    return name, version


def parse_pnpm_lock(text: str, rel: str) -> list[Package]:
    doc = load_yaml(text)
    if doc is None:
        return []
    if not isinstance(doc, dict):
        raise LockfileError("not a pnpm lockfile mapping")
    lines = Lines(text)
    try:
        v5 = float(str(doc.get("lockfileVersion", "9")).split(".")[0]) < 6
    except ValueError:
        v5 = False
    direct: dict[str, bool] = {}
    importers = doc.get("importers") or {".": doc}
    for importer in importers.values() if isinstance(importers, dict) else []:
        for section in ("dependencies", "optionalDependencies", "devDependencies"):
            for dep in (importer or {}).get(section) or {}:
                direct[dep] = direct.get(dep, True) and section == "devDependencies"
    out = []
    seen: set[tuple[str, str]] = set()
    for key, entry in (doc.get("packages") or {}).items():
        entry = entry if isinstance(entry, dict) else {}
        name, version = _pnpm_key(str(key), entry, v5)
        if not name or not version or (name, version) in seen:
            continue
        seen.add((name, version))
        dev = entry.get("dev")
        out.append(Package("npm", name, version, rel, lines.find(f"{key}:", f"'{key}':"),
                           direct=name in direct if direct else None,
                           dev=bool(dev) if dev is not None else direct.get(name)))
    return out


def parse_bun_lock(text: str, rel: str) -> list[Package]:
    doc = load_jsonc(text)
    if not isinstance(doc, dict):
        raise LockfileError("not a bun.lock object")
    lines = Lines(text)
    declared: dict[str, bool] = {}
    for ws in (doc.get("workspaces") or {}).values():
        for section in ("dependencies", "optionalDependencies", "peerDependencies", "devDependencies"):
            for dep in (ws or {}).get(section) or {}:
                declared[dep] = declared.get(dep, True) and section == "devDependencies"
    out = []
    for key, value in (doc.get("packages") or {}).items():
        if not isinstance(value, list) or not value or not isinstance(value[0], str):
            raise LockfileError(f"package entry {key!r} is not a [spec, ...] tuple")
        name, version = split_spec(value[0])
        if not version or version.startswith(("workspace:", "link:", "file:")):
            continue
        if not version[:1].isdigit():
            continue  # git/github/tarball sources carry a ref, not a registry version
        top = "/" not in key.lstrip("@").split("/", 1)[-1] if key.startswith("@") else "/" not in key
        out.append(Package("npm", name, version, rel, lines.find(f'"{key}": ['),
                           direct=top and key in declared,
                           dev=declared.get(key) if top else None))
    return out
