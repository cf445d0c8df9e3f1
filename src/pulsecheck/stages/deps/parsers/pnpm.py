"""pnpm-lock.yaml, v5 to v9.

Direct dependencies are the exact (name, version) nodes the importers (the root and each
workspace project) point at, not every version of a name. Dev-only is what pnpm v5-v8 write
per package (``dev: true``); v9 no longer writes it, so it is recomputed the way pnpm decides
it: a package reachable only from importers' ``devDependencies`` through the dependency graph
(``snapshots`` in v9, ``packages`` before) is dev-only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from pulsecheck.stages.deps.package import Package
from pulsecheck.stages.deps.parsers.common import Lines, LockfileError, load_yaml, reach
from pulsecheck.stages.deps.parsers.npm import LOCAL, split_spec

_ALIAS = re.compile(r"^(?:@[^/@]+/)?[^/@:]+@")
_PROD = ("dependencies", "optionalDependencies")


def package_of(key: str, entry: dict[str, Any], v5: bool) -> tuple[str, str]:
    """(name, version) of a ``packages``/``snapshots`` key; version "" when it names none."""
    if key.startswith(LOCAL):
        return "", ""
    key = key.lstrip("/").split("(", 1)[0]
    parts = key.split("/")
    if v5 and len(parts) >= 2:  # name/1.2.3_peer, @scope/name/1.2.3, host.example/name/1.2.3
        scoped = len(parts) >= 3 and parts[-3].startswith("@")
        name = "/".join(parts[-3:-1]) if scoped else parts[-2]
        version = parts[-1].split("_", 1)[0]
    else:  # v6: /name@1.2.3(peer@1) ; v9: name@1.2.3(peer@1)
        name, version = split_spec(key)
    if entry.get("name"):
        name = str(entry["name"])
    if entry.get("version"):
        version = str(entry["version"])
    elif not version[:1].isdigit():
        version = ""
    return name, version


def node_id(name: str, ref: object, v5: bool) -> str | None:
    """The ``packages``/``snapshots`` key (without a leading ``/``) a dependency reference names."""
    if isinstance(ref, dict):  # v6+ importers: {specifier, version}
        ref = ref.get("version")
    text = str(ref or "")
    if not text or text.startswith(LOCAL):
        return None
    if text.startswith("/"):
        return text[1:]  # an alias or a hosted package, written as a full key
    if v5:
        return f"{name}/{text}" if text[:1].isdigit() else text
    if text[:1].isdigit() or not _ALIAS.match(text):
        return f"{name}@{text}"
    return text  # v9 alias: real-name@version


def _refs(entry: Any, sections: Iterable[str], v5: bool) -> list[str]:
    out = []
    for section in sections:
        deps = entry.get(section) if isinstance(entry, dict) else None
        for name, ref in (deps or {}).items() if isinstance(deps, dict) else ():
            node = node_id(str(name), ref, v5)
            if node is not None:
                out.append(node)
    return out


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
    packages = doc.get("packages") or {}
    if not isinstance(packages, dict):
        raise LockfileError("'packages' is not a mapping")
    snapshots = doc.get("snapshots")
    nodes: dict[Any, Any] = snapshots if isinstance(snapshots, dict) else packages
    graph = {str(k).lstrip("/"): _refs(v, (*_PROD, "devDependencies"), v5) for k, v in nodes.items()}
    importers = doc.get("importers")
    importers = importers if isinstance(importers, dict) and importers else {".": doc}
    prod_roots = [n for imp in importers.values() for n in _refs(imp, _PROD, v5)]
    dev_roots = [n for imp in importers.values() for n in _refs(imp, ("devDependencies",), v5)]
    meta = {str(k).lstrip("/"): v for k, v in packages.items() if isinstance(v, dict)}

    def coords(node: str) -> tuple[str, str]:  # name/version live in ``packages``, not snapshots
        return package_of(node, meta.get(node) or meta.get(node.split("(", 1)[0]) or {}, v5)

    direct = {coords(n) for n in (*prod_roots, *dev_roots)}
    prod = {coords(n) for n in reach(graph, prod_roots)}
    dev = {coords(n) for n in reach(graph, dev_roots)} - prod
    out = []
    seen: set[tuple[str, str]] = set()
    for key, entry in packages.items():
        entry = entry if isinstance(entry, dict) else {}
        pkg = package_of(str(key), entry, v5)
        if not pkg[0] or not pkg[1] or pkg in seen:
            continue
        seen.add(pkg)
        flag = entry.get("dev")
        is_dev = bool(flag) if isinstance(flag, bool) else (True if pkg in dev else False if pkg in prod else None)
        out.append(Package("npm", pkg[0], pkg[1], rel, lines.find(f"{key}:", f"'{key}':"),
                           direct=pkg in direct if (prod_roots or dev_roots) else None, dev=is_dev))
    return out
