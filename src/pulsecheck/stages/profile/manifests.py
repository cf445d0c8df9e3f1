"""Dependency names declared in manifests, and import roots used in source files.

Manifests (not lockfiles: a transitive dependency is not a choice the app made) per ecosystem:
requirements*.txt, pyproject.toml, Pipfile, package.json, pom.xml, build.gradle, Gemfile,
composer.json, pubspec.yaml, go.mod. Names are normalised (lower case, ``_`` -> ``-``).
"""

from __future__ import annotations

import json
import re
import tomllib
from typing import Any

from pulsecheck import safeyaml

_REQ_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._\-]*)")
_PY_IMPORT = re.compile(r"^\s*(?:from\s+([\w.]+)\s+import|import\s+([\w.]+))", re.M)
_JS_IMPORT = re.compile(r"""(?:from\s+|require\(\s*|import\(\s*|import\s+)['"]([^'"./][^'"]*)['"]""")
_GRADLE = re.compile(r"""['"]([\w.\-]+):([\w.\-]+)(?::[^'"]*)?['"]""")
_GEM = re.compile(r"""^\s*gem\s+['"]([\w\-]+)['"]""", re.M)
_POM_ARTIFACT = re.compile(r"<artifactId>\s*([\w.\-]+)\s*</artifactId>")
_GO_REQ = re.compile(r"^\s*(?:require\s+)?([\w.\-]+\.[\w]+/[\w./\-]+)\s+v", re.M)


def norm(name: str) -> str:
    return name.strip().lower().replace("_", "-")


def _req_names(lines: list[str]) -> set[str]:
    out = set()
    for line in lines:
        m = _REQ_NAME.match(line)
        if m and not line.lstrip().startswith(("-", "#")):
            out.add(norm(m.group(1)))
    return out


def manifest_deps(name: str, text: str) -> tuple[str, set[str]] | None:
    """(ecosystem, names) for a manifest file name, else None. Malformed -> ValueError."""
    if re.fullmatch(r"requirements.*\.(?:txt|in)", name):
        return "python", _req_names(text.splitlines())
    if name == "pyproject.toml":
        data = tomllib.loads(text)
        reqs: list[str] = list(data.get("project", {}).get("dependencies", []))
        for group in data.get("project", {}).get("optional-dependencies", {}).values():
            reqs += group
        for group in data.get("dependency-groups", {}).values():
            reqs += [r for r in group if isinstance(r, str)]
        poetry = data.get("tool", {}).get("poetry", {})
        names = _req_names(reqs) | {norm(k) for k in poetry.get("dependencies", {}) if k != "python"}
        return "python", names
    if name == "pipfile":
        data = tomllib.loads(text)
        return "python", {norm(k) for k in {**data.get("packages", {}), **data.get("dev-packages", {})}}
    if name == "package.json":
        pkg: Any = json.loads(text)
        keys: set[str] = set()
        for section in ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies"):
            if isinstance(pkg, dict) and isinstance(pkg.get(section), dict):
                keys |= {k.lower() for k in pkg[section]}
        return "npm", keys
    if name == "pom.xml":
        return "maven", {m.lower() for m in _POM_ARTIFACT.findall(text)}
    if name in ("build.gradle", "build.gradle.kts"):
        return "maven", {m[1].lower() for m in _GRADLE.findall(text)}
    if name == "gemfile":
        return "gem", {m.lower() for m in _GEM.findall(text)}
    if name == "composer.json":
        data = json.loads(text)
        return "composer", {k.lower() for k in {**data.get("require", {}), **data.get("require-dev", {})}}
    if name == "pubspec.yaml":
        data = safeyaml.load(text) or {}
        return "pub", {str(k).lower() for k in {**(data.get("dependencies") or {}), **(data.get("dev_dependencies") or {})}}
    if name == "go.mod":
        return "go", {m.lower() for m in _GO_REQ.findall(text)}
    return None


def imports(name: str, text: str) -> tuple[str, set[str]] | None:
    """Import roots (``fhir.resources`` -> {fhir, fhir.resources}) of a source file."""
    if name.endswith(".py"):
        out = set()
        for m in _PY_IMPORT.finditer(text):
            mod = m.group(1) or m.group(2)
            parts = mod.split(".")
            out |= {norm(parts[0]), norm(".".join(parts[:2]))}
        return "python", out
    if name.endswith((".js", ".jsx", ".ts", ".tsx", ".mjs", ".cjs", ".vue")):
        out = set()
        for spec in _JS_IMPORT.findall(text):
            parts = spec.split("/")
            out.add("/".join(parts[:2]).lower() if spec.startswith("@") else parts[0].lower())
        return "npm", out
    return None
