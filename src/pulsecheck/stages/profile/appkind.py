"""App kind (EHR, research, medical, wellness, general) with the evidence for it.

The kind decides which rules and HIPAA safeguards the report emphasises, so it is scored
from three independent signals: words in the project's own docs, the kinds of fields in the
data map, and the FHIR resources it uses. Each contributes evidence lines.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from pulsecheck.knowledge.vocabulary import tokens

DOC_FILE = re.compile(r"(?:^|/)(?:readme[^/]*|docs?/[^/]+\.(?:md|rst|txt)|package\.json|pyproject\.toml|"
                      r"setup\.cfg|setup\.py|pkg-info|pom\.xml|pubspec\.yaml|app\.json|.*\.gemspec)$", re.I)
MIN_SCORE = 3
MAX_DOC_SCORE = 6


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("data/app_kinds.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def _field_kind(field: dict[str, Any]) -> str:
    """The field's kind, with study-participant identifiers told apart from hospital MRNs."""
    if field["kind"] == "mrn" and set(tokens(field["name"])) & set(_data().get("study_id_tokens", [])):
        return "study_id"
    return str(field["kind"])


@lru_cache(maxsize=1)
def _kinds() -> list[dict[str, Any]]:
    kinds: list[dict[str, Any]] = _data()["kinds"]
    for k in kinds:
        words = sorted(k["keywords"], key=len, reverse=True)  # longest first: "fhir server" before "fhir"
        k["_rx"] = re.compile(r"\b(" + "|".join(re.escape(w) for w in words) + r")\b", re.I)
    return kinds


def _table_tokens(name: str) -> set[str]:
    return {t.rstrip("s") for t in tokens(name)}


def classify_app(docs: dict[str, str], data_map: dict[str, Any], stack: dict[str, Any]) -> dict[str, Any]:
    """``docs``: path -> text of README-like files. Returns ``{kind, label, scores, evidence}``."""
    field_kinds: dict[str, list[str]] = {}
    for table in data_map.get("tables", []):
        for f in table["fields"]:
            field_kinds.setdefault(_field_kind(f), []).append(table["name"])
    n_fhir = len(data_map.get("fhir_resources", []))
    scores: dict[str, float] = {}
    evidence: dict[str, list[str]] = {}
    standards = [h for h in stack.get("health_standards", []) if h["id"] in ("fhir", "hl7v2", "cda", "smart-on-fhir")]
    for kind in _kinds():
        score, ev = 0.0, []
        words_seen: set[str] = set()
        for path, text in sorted(docs.items(), key=lambda kv: (kv[0].count("/"), kv[0])):
            words = sorted({m.group(1).lower() for m in kind["_rx"].finditer(text)} - words_seen)
            if words:
                words_seen.update(words)
                ev.append(f"{path}: mentions {', '.join(words[:5])}")
        score += min(len(words_seen), MAX_DOC_SCORE)
        for dk, weight in (kind.get("data_kinds") or {}).items():
            if dk in field_kinds:
                score += weight
                ev.append(f"data map: {dk} fields in {', '.join(sorted(set(field_kinds[dk]))[:4])}")
        for word, weight in (kind.get("table_words") or {}).items():
            named = sorted(t["name"] for t in data_map.get("tables", [])
                           if t["fields"] and word in _table_tokens(t.get("context") or t["name"]))
            if named:
                score += weight
                ev.append(f"data map: {word} tables {', '.join(named[:4])}")
        if kind.get("fhir_resources_min") and n_fhir >= kind["fhir_resources_min"]:
            score += 4
            ev.append(f"uses {n_fhir} FHIR resource types")
        if kind.get("standards_weight") and standards:
            score += kind["standards_weight"]
            ev.append("health standard libraries: " + ", ".join(f"{h['name']} ({h['evidence']})" for h in standards))
        scores[kind["id"]] = score
        evidence[kind["id"]] = ev
    ranked = sorted(_kinds(), key=lambda k: -scores[k["id"]])
    best = ranked[0]
    if scores[best["id"]] < MIN_SCORE:
        return {"kind": "general", "label": "General (no health signal)", "scores": scores, "evidence": []}
    return {"kind": best["id"], "label": best["label"], "scores": scores, "evidence": evidence[best["id"]]}
