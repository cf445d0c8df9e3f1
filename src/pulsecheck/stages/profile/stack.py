"""The app's stack: languages by bytes and every detector of ``data/detectors.yaml`` that fires.

Each detected item carries the file that proves it (a manifest line, an import, a file name
or a matching line), so a reader can check the claim.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from fnmatch import fnmatch
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from pulsecheck.stages.profile.manifests import imports, manifest_deps, norm

_LANGS = {
    ".py": "Python", ".js": "JavaScript", ".jsx": "JavaScript", ".mjs": "JavaScript", ".cjs": "JavaScript",
    ".ts": "TypeScript", ".tsx": "TypeScript", ".java": "Java", ".kt": "Kotlin", ".rb": "Ruby",
    ".php": "PHP", ".go": "Go", ".rs": "Rust", ".cs": "C#", ".swift": "Swift", ".dart": "Dart",
    ".scala": "Scala", ".c": "C", ".h": "C", ".cpp": "C++", ".cc": "C++", ".hpp": "C++", ".m": "Objective-C",
    ".sql": "SQL", ".tf": "HCL", ".html": "HTML", ".css": "CSS", ".scss": "CSS", ".vue": "Vue",
    ".sh": "Shell", ".ex": "Elixir", ".exs": "Elixir", ".r": "R", ".prisma": "Prisma", ".graphql": "GraphQL",
}
_TF_DB = re.compile(r'resource\s+"(aws_db_instance|aws_rds_cluster|google_sql_database_instance|'
                    r'azurerm_(?:postgresql|mysql|mssql)_(?:flexible_)?server|aws_dynamodb_table|'
                    r'aws_docdb_cluster|azurerm_cosmosdb_account)"\s+"([\w-]+)"')
_ECOSYSTEMS = ("python", "npm", "maven", "gem", "composer", "pub", "go")


@dataclass(frozen=True, slots=True)
class Detector:
    id: str
    name: str
    group: str
    names: dict[str, frozenset[str]]
    files: tuple[str, ...]
    content: tuple[tuple[str, re.Pattern[str]], ...]


@lru_cache(maxsize=1)
def detectors() -> tuple[Detector, ...]:
    text = resources.files(__package__).joinpath("data/detectors.yaml").read_text(encoding="utf-8")
    out = []
    for group, items in yaml.safe_load(text).items():
        for d in items:
            names = {eco: frozenset(norm(n) if eco == "python" else n.lower() for n in d.get(eco, []))
                     for eco in _ECOSYSTEMS}
            out.append(Detector(d["id"], d["name"], group, names, tuple(d.get("files", [])),
                                tuple((g, re.compile(rx)) for g, rx in d.get("content", []))))
    return tuple(out)


@dataclass
class StackScanner:
    note: Callable[[str], None]
    lang_bytes: dict[str, int] = field(default_factory=dict)
    found: dict[str, tuple[Detector, str]] = field(default_factory=dict)
    sample_only: set[str] = field(default_factory=set)
    """Detectors whose only evidence so far is test, example or demo code."""
    databases: list[dict[str, str]] = field(default_factory=list)

    def _hit(self, det: Detector, rel: str, own: bool) -> None:
        if det.id not in self.found or (own and det.id in self.sample_only):
            self.found[det.id] = (det, rel)
            (self.sample_only.discard if own else self.sample_only.add)(det.id)

    def _open(self, det: Detector, own: bool) -> bool:
        """Still worth testing: not found yet, or found only in sample code and this file is the app's."""
        return det.id not in self.found or (own and det.id in self.sample_only)

    def add(self, rel: str, size: int, text: str | None, own: bool = True) -> None:
        """Feed one file; ``text`` is None when the file was too big or binary to read. ``own`` is
        False for test, example and demo code: its evidence is kept only until the app's own
        code gives some (a FHIR fixture in ``tests/`` is not the app speaking FHIR)."""
        base = rel.rsplit("/", 1)[-1]
        ext = ("." + base.rsplit(".", 1)[-1].lower()) if "." in base else ""
        if ext in _LANGS:
            self.lang_bytes[_LANGS[ext]] = self.lang_bytes.get(_LANGS[ext], 0) + size
        for det in detectors():
            if self._open(det, own) and any(fnmatch(rel, g) or fnmatch(base, g) for g in det.files):
                self._hit(det, rel, own)
        if text is None:
            return
        self._deps(rel, base, text, own)
        for det in detectors():
            if not self._open(det, own):
                continue
            for glob, rx in det.content:
                if (glob == "*" or fnmatch(base, glob) or fnmatch(rel, glob)) and rx.search(text):
                    self._hit(det, rel, own)
                    break
        if ext == ".tf":
            self.databases += [{"type": m.group(1), "name": m.group(2), "path": rel} for m in _TF_DB.finditer(text)]

    def _deps(self, rel: str, base: str, text: str, own: bool) -> None:
        try:
            found = manifest_deps(base.lower(), text) or imports(base.lower(), text)
        except (ValueError, TypeError, AttributeError, yaml.YAMLError) as exc:
            self.note(f"{rel}: malformed manifest, skipped ({type(exc).__name__})")
            return
        if not found:
            return
        eco, names = found
        for det in detectors():
            if self._open(det, own) and det.names.get(eco, frozenset()) & names:
                self._hit(det, rel, own)

    def facts(self) -> dict[str, Any]:
        total = sum(self.lang_bytes.values()) or 1
        langs = [{"name": k, "bytes": v, "share": round(v / total, 3)}
                 for k, v in sorted(self.lang_bytes.items(), key=lambda kv: -kv[1])]
        out: dict[str, Any] = {"languages": langs}
        for det in detectors():
            out.setdefault(det.group, [])
        for det, rel in sorted(self.found.values(), key=lambda dr: (dr[0].group, dr[0].name)):
            out[det.group].append({"id": det.id, "name": det.name, "evidence": rel})
        out["database_instances"] = self.databases
        return out
