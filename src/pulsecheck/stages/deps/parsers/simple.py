"""Lockfiles with one flat list of resolved packages: Cargo.lock, Gemfile.lock, composer.lock,
packages.lock.json (NuGet), pubspec.lock (Dart), gradle.lockfile."""

from __future__ import annotations

import re
from dataclasses import replace

from pulsecheck.stages.deps.package import Package
from pulsecheck.stages.deps.parsers.common import Lines, LockfileError, load_json, load_toml, load_yaml


def parse_cargo_lock(text: str, rel: str) -> list[Package]:
    """Cargo.lock; the workspace's own crates (no ``source``, no checksum) list, in their
    ``dependencies``, the crates they declare: those are direct (``name`` or ``name version``)."""
    doc, lines = load_toml(text), Lines(text)
    entries = [e for e in doc.get("package", []) or [] if isinstance(e, dict) and "name" in e and "version" in e]
    local = [e for e in entries if not e.get("source") and "checksum" not in e]
    declared = {str(d).split(" ")[0] for e in local for d in e.get("dependencies") or []}
    pinned = {tuple(str(d).split(" ")[:2]) for e in local for d in e.get("dependencies") or [] if " " in str(d)}
    versions: dict[str, int] = {}
    for e in entries:
        versions[str(e["name"])] = versions.get(str(e["name"]), 0) + 1
    out = []
    for entry in entries:
        source = str(entry.get("source", ""))
        if source and not source.startswith("registry+"):
            continue  # git and path crates are not crates.io releases
        if not source and "checksum" not in entry:
            continue  # a workspace member: the project itself
        name, version = str(entry["name"]), str(entry["version"])
        # with several versions of a name locked, the lockfile writes "name version" to pick one
        direct = (name, version) in pinned or (name in declared and versions[name] == 1)
        out.append(Package("crates.io", name, version, rel, lines.find(f'name = "{name}"'),
                           direct=direct if local else None))
    return out


_GEM_SPEC = re.compile(r"^    ([^\s(]+) \(([^)]+)\)\s*$")


def parse_gemfile_lock(text: str, rel: str) -> list[Package]:
    """Gemfile.lock; its ``DEPENDENCIES`` section names the gems the Gemfile declares."""
    out = []
    declared: set[str] = set()
    section = ""
    for number, line in enumerate(text.splitlines(), 1):
        if line and not line.startswith(" "):
            section = line.strip()
            continue
        if section == "DEPENDENCIES" and line.startswith("  ") and line.strip():
            declared.add(line.split()[0].rstrip("!"))
        if section != "GEM":
            continue  # GIT and PATH gems are not RubyGems releases
        match = _GEM_SPEC.match(line)
        if match:
            version = match.group(2).split("-", 1)[0] if re.search(r"-[a-z]", match.group(2)) else match.group(2)
            out.append(Package("RubyGems", match.group(1), version, rel, number))
    if "\nDEPENDENCIES" in f"\n{text}":
        out = [replace(p, direct=p.name in declared) for p in out]
    return out


def parse_composer_lock(text: str, rel: str) -> list[Package]:
    doc, lines = load_json(text), Lines(text)
    if not isinstance(doc, dict):
        raise LockfileError("not a composer.lock object")
    out = []
    for section, dev in (("packages", False), ("packages-dev", True)):
        for entry in doc.get(section) or []:
            if isinstance(entry, dict) and entry.get("name") and entry.get("version"):
                name = str(entry["name"])
                out.append(Package("Packagist", name, str(entry["version"]), rel,
                                   lines.find(f'"name": "{name}"'), dev=dev))
    return out


def parse_nuget_lock(text: str, rel: str) -> list[Package]:
    doc, lines = load_json(text), Lines(text)
    if not isinstance(doc, dict):
        raise LockfileError("not a packages.lock.json object")
    seen: set[tuple[str, str]] = set()
    out = []
    for framework in (doc.get("dependencies") or {}).values():
        for name, info in (framework or {}).items():
            if not isinstance(info, dict) or info.get("type") == "Project" or not info.get("resolved"):
                continue
            version = str(info["resolved"])
            if (name.lower(), version) in seen:
                continue
            seen.add((name.lower(), version))
            out.append(Package("NuGet", name, version, rel, lines.find(f'"{name}": {{'),
                               direct=info.get("type") == "Direct"))
    return out


def parse_pubspec_lock(text: str, rel: str) -> list[Package]:
    doc, lines = load_yaml(text), Lines(text)
    if doc is None:
        return []
    if not isinstance(doc, dict):
        raise LockfileError("not a pubspec.lock mapping")
    out = []
    for name, info in (doc.get("packages") or {}).items():
        if not isinstance(info, dict) or not info.get("version"):
            continue
        if info.get("source") == "sdk":
            continue  # flutter/dart SDK packages ship with the SDK
        dependency = str(info.get("dependency", ""))
        out.append(Package("Pub", str(name), str(info["version"]), rel, lines.find(f"  {name}:"),
                           direct=dependency.startswith("direct"), dev=dependency == "direct dev"))
    return out


def parse_gradle_lockfile(text: str, rel: str) -> list[Package]:
    out = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#") or line.startswith("empty="):
            continue
        coords = line.split("=", 1)[0].split(":")
        if len(coords) != 3 or not all(coords):
            continue
        configs = line.split("=", 1)[1] if "=" in line else ""
        dev = all("test" in c.lower() for c in configs.split(",")) if configs else None
        out.append(Package("Maven", f"{coords[0]}:{coords[1]}", coords[2], rel, number, dev=dev))
    return out


_MIX_HEX = re.compile(r'^\s*"([^"]+)":\s*\{:hex,\s*:"?([\w.]+)"?,\s*"([^"]+)"', re.MULTILINE)


def parse_mix_lock(text: str, rel: str) -> list[Package]:
    """Elixir mix.lock: ``"name": {:hex, :package, "1.2.3", ...}``; git deps are not releases."""
    if text.strip() and not text.lstrip().startswith("%{"):
        raise LockfileError("not a mix.lock map")
    lines = Lines(text)
    return [Package("Hex", m.group(2), m.group(3), rel, lines.of_offset(m.start(1))) for m in _MIX_HEX.finditer(text)]


def parse_renv_lock(text: str, rel: str) -> list[Package]:
    """R renv.lock: CRAN (and Bioconductor) packages; GitHub sources are not registry releases."""
    doc, lines = load_json(text), Lines(text)
    if not isinstance(doc, dict):
        raise LockfileError("not an renv.lock object")
    out = []
    for name, info in (doc.get("Packages") or {}).items():
        if not isinstance(info, dict) or not info.get("Version") or info.get("Source", "Repository") != "Repository":
            continue
        if info.get("Repository") not in ("CRAN", "RSPM", "PPM"):
            continue  # Bioconductor, private or unknown repositories are not OSV's CRAN ecosystem
        out.append(Package("CRAN", str(info.get("Package") or name), str(info["Version"]), rel,
                           lines.find(f'"{name}": {{')))
    return out
