"""App kind (EHR, practice management, telemedicine, patient portal, research, wellness, general)
with the evidence for it.

The kind decides which rules and HIPAA safeguards the report emphasises, so it is scored
from independent signals: words in the project's own docs, the kinds of fields and the
names of tables in the data map (an EHR keeps encounters, observations, conditions and
medications side by side), the FHIR resources it uses and health-standard libraries. Every
point comes with an evidence line naming the file, the words or the tables.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Any

import yaml

from pulsecheck.knowledge.datamap import DataMap, Table
from pulsecheck.knowledge.facts import AppKind
from pulsecheck.knowledge.vocabulary import tokens
from pulsecheck.stages.profile.ownership import is_sample

DOC_FILE = re.compile(r"(?:^|/)(?:readme[^/]*|docs?/[^/]+\.(?:md|rst|txt)|package\.json|pyproject\.toml|"
                      r"setup\.cfg|setup\.py|pkg-info|pom\.xml|pubspec\.yaml|app\.json|composer\.json|.*\.gemspec)$", re.I)
MIN_SCORE = 3
MAX_DOC_SCORE = 6
GENERAL = AppKind("general", "General (no health signal)")
_Scored = tuple[float, list[str]]


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("data/app_kinds.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    for k in [data["health"], *data["kinds"]]:
        words = sorted(k["keywords"], key=len, reverse=True)  # longest first: "fhir server" before "fhir"
        k["_rx"] = re.compile(r"\b(" + "|".join(re.escape(w) for w in words) + r")\b", re.I)
        if k.get("code_paths"):
            phrases = sorted(k["code_paths"]["words"], key=len, reverse=True)
            k["_paths_rx"] = re.compile(r"\b(" + "|".join(re.escape(w) for w in phrases) + r")\b")
    return data


def _field_kind(kind: str, name: str) -> str:
    """The field's kind, with study-participant identifiers told apart from hospital MRNs."""
    if kind == "mrn" and set(tokens(name)) & set(_data().get("study_id_tokens", [])):
        return "study_id"
    return kind


def _table_tokens(t: Table) -> set[str]:
    return {w.rstrip("s") for w in tokens(t.context or t.name)} | set(tokens(t.context or t.name))


def _score(spec: Mapping[str, Any], docs: dict[str, str], data_map: DataMap, field_kinds: dict[str, list[str]],
           standards: list[dict[str, Any]]) -> _Scored:
    score, ev = 0.0, []
    words_seen: set[str] = set()
    self_words = 0
    for path, text in sorted(docs.items(), key=lambda kv: (kv[0].count("/"), kv[0])):
        words = sorted({m.group(1).lower() for m in spec["_rx"].finditer(text)} - words_seen)
        if words:
            words_seen.update(words)
            self_words += len(words) if "/" not in path else 0
            ev.append(f"{path}: mentions {', '.join(words[:5])}")
    score += min(len(words_seen), MAX_DOC_SCORE)
    if spec.get("self_description_weight") and self_words:
        # the project's top-level README or manifest naming the kind ("a patient portal") is the
        # strongest signal there is
        score += min(self_words, 2) * spec["self_description_weight"]
    for dk, weight in (spec.get("data_kinds") or {}).items():
        if dk in field_kinds:
            score += weight
            ev.append(f"data map: {dk} fields in {', '.join(sorted(set(field_kinds[dk]))[:4])}")
    named_tables = [t for t in data_map.tables() if t.fields or t.columns_total]
    for word, weight in (spec.get("table_words") or {}).items():
        named = sorted({t.name for t in named_tables if word in _table_tokens(t)})
        if named:
            score += weight
            ev.append(f"data map: {word} tables {', '.join(named[:4])}")
    domains = spec.get("domains") or {}
    if domains:
        hit = {d: sorted({t.name for t in named_tables if _table_tokens(t) & set(words)})
               for d, words in domains.items()}
        hit = {d: names for d, names in hit.items() if names}
        if len(hit) >= spec.get("domains_min", 1):
            score += spec.get("domain_weight", 1) * (len(hit) - spec.get("domains_min", 1) + 1)
            ev.append(f"data map: clinical records in {len(hit)} domains (" +
                      "; ".join(f"{d}: {', '.join(n[:2])}" for d, n in sorted(hit.items())) + ")")
    n_fhir = len(data_map.fhir_resources)
    if spec.get("fhir_resources_min") and n_fhir >= spec["fhir_resources_min"]:
        score += 4
        ev.append(f"uses {n_fhir} FHIR resource types")
    if spec.get("standards_weight") and standards:
        score += spec["standards_weight"]
        ev.append("health standard libraries: " + ", ".join(f"{h['name']} ({h['evidence']})" for h in standards))
    return score, ev


def _code_signals(spec: Mapping[str, Any], stack: Mapping[str, Any], paths: Sequence[str]) -> tuple[_Scored, set[str]]:
    """What the app's own code does: files named for the kind (``telemed/video-room.ts``) and
    libraries of the kind (a video-call SDK). Returns the score, evidence and the signals that fired."""
    score, ev, fired = 0.0, [], set()
    rx = spec.get("_paths_rx")
    if rx is not None:
        named = [p for p in paths if rx.search(" ".join(tokens(p)))]
        if len(named) >= spec["code_paths"]["min_files"]:
            words = sorted({m.group(1) for p in named[:500] for m in rx.finditer(" ".join(tokens(p)))})
            score += spec["code_paths"]["weight"]
            fired.add("code_paths")
            ev.append(f"code: {len(named)} files named for {', '.join(words[:4])} (e.g. {named[0]})")
    for group, weight in (spec.get("stack_groups") or {}).items():
        items = [i for i in stack.get(group, []) if not is_sample(str(i.get("evidence", "")))]
        if items:
            score += weight
            fired.add("stack_groups")
            ev.append("libraries: " + ", ".join(f"{i['name']} ({i['evidence']})" for i in items[:3]))
    return (score, ev), fired


def classify_app(docs: dict[str, str], data_map: DataMap, stack: Mapping[str, Any],
                 paths: Sequence[str] = ()) -> AppKind:
    """``docs``: path -> text of README-like files; ``paths``: the app's own code files (not
    tests, examples or vendored code), whose names say what the code does."""
    field_kinds: dict[str, list[str]] = {}
    for table in data_map.tables():
        for f in table.fields:
            field_kinds.setdefault(_field_kind(f.kind, f.name), []).append(table.name)
    # a standard seen only in test or demo code (the stack keeps such evidence only while the
    # app's own code has none) says nothing about what the app is
    standards = [h for h in stack.get("health_standards", [])
                 if h["id"] in ("fhir", "hl7v2", "cda", "smart-on-fhir") and not is_sample(str(h["evidence"]))]
    data = _data()
    health, health_ev = _score(data["health"], docs, data_map, field_kinds, standards)
    scored = {k["id"]: _score(k, docs, data_map, field_kinds, standards) for k in data["kinds"]}
    decisive = []
    for k in data["kinds"]:
        (code_score, code_ev), fired = _code_signals(k, stack, paths)
        scored[k["id"]] = (scored[k["id"]][0] + code_score, code_ev + scored[k["id"]][1])
        if k.get("decisive") and fired >= set(k["decisive"]):
            decisive.append(k)
    clinical = [k for k in data["kinds"] if k.get("group") == "clinical"]
    # a kind whose every decisive code signal fired wins the group; else the best score (ehr on ties)
    best_clinical = max([k for k in clinical if k in decisive] or clinical, key=lambda k: scored[k["id"]][0])
    scores = {k["id"]: scored[k["id"]][0] + (health if k.get("group") == "clinical" else 0.0) for k in data["kinds"]}
    ranked = sorted((k for k in data["kinds"] if k.get("group") != "clinical" or k is best_clinical),
                    key=lambda k: -scores[k["id"]])
    best = ranked[0]
    if scores[best["id"]] < MIN_SCORE:
        return AppKind(GENERAL.kind, GENERAL.label, MappingProxyType(scores), ())
    evidence = scored[best["id"]][1] + (health_ev if best.get("group") == "clinical" else [])
    return AppKind(best["id"], best["label"], MappingProxyType(scores), tuple(evidence))
