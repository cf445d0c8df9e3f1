"""Reading OSV advisories (https://ossf.github.io/osv-schema/) into the compact rows the local
database stores: only what matching and reporting need, GIT ranges dropped."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pulsecheck.stages.deps import severity
from pulsecheck.stages.deps.package import normalize_name
from pulsecheck.stages.deps.ranges import prepare_versions


@dataclass(frozen=True, slots=True)
class AffectedRow:
    ecosystem: str
    name: str
    ranges: str
    """JSON: [[type, [[event, version], ...]], ...] for ECOSYSTEM and SEMVER ranges."""
    versions: str
    """JSON list of explicitly affected versions."""


@dataclass(frozen=True, slots=True)
class AdvisoryRow:
    id: str
    summary: str
    aliases: tuple[str, ...]
    score: float | None
    vector: str | None
    severity: str | None
    modified: str
    withdrawn: bool
    informational: str | None
    affected: tuple[AffectedRow, ...]

    @property
    def ecosystems(self) -> set[str]:
        return {a.ecosystem for a in self.affected}


class AdvisoryError(ValueError):
    """Not an OSV advisory."""


def base_ecosystem(ecosystem: str) -> str:
    """``Debian:11`` -> ``Debian``; OSV suffixes releases after a colon."""
    return ecosystem.split(":", 1)[0]


def _affected(entry: dict[str, Any]) -> Iterator[AffectedRow]:
    pkg = entry.get("package") or {}
    eco, name = pkg.get("ecosystem"), pkg.get("name")
    if not isinstance(eco, str) or not isinstance(name, str):
        return
    eco = base_ecosystem(eco)
    ranges = []
    for rng in entry.get("ranges") or []:
        if rng.get("type") not in ("ECOSYSTEM", "SEMVER"):
            continue
        events = [[k, str(v)] for ev in rng.get("events") or [] for k, v in ev.items()
                  if k in ("introduced", "fixed", "last_affected", "limit")]
        if events:
            ranges.append([rng["type"], events])
    versions = prepare_versions(eco, entry.get("versions") or [])
    if ranges or versions:
        yield AffectedRow(eco, normalize_name(eco, name), json.dumps(ranges, separators=(",", ":")),
                          json.dumps(versions, separators=(",", ":")))


def parse_advisory(doc: Any) -> AdvisoryRow:
    if not isinstance(doc, dict) or not isinstance(doc.get("id"), str):
        raise AdvisoryError("no 'id' field: not an OSV advisory")
    affected = tuple(row for entry in doc.get("affected") or [] if isinstance(entry, dict)
                     for row in _affected(entry))
    score, vector, sev = severity.rate(doc)
    informational = None
    for entry in doc.get("affected") or []:
        spec = (entry or {}).get("database_specific") or {}
        if isinstance(spec, dict) and isinstance(spec.get("informational"), str):
            informational = spec["informational"]
    return AdvisoryRow(
        id=doc["id"], summary=str(doc.get("summary") or "").strip() or _first_sentence(doc.get("details")),
        aliases=tuple(str(a) for a in doc.get("aliases") or [] if a != doc["id"]),
        score=score, vector=vector, severity=sev.value if sev else None,
        modified=str(doc.get("modified") or ""), withdrawn=bool(doc.get("withdrawn")),
        informational=informational, affected=affected)


def _first_sentence(details: object) -> str:
    """A summary for advisories that have none (PYSEC): whole sentences, about 200 characters."""
    text = " ".join(str(details or "").split())
    if len(text) <= 300:
        return text
    cut = text.find(". ", 120, 300)
    return text[: cut + 1] if cut > 0 else text[:297].rstrip() + "..."
