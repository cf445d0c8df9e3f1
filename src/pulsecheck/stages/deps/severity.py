"""Severity of an advisory: the CVSS v3.x base score computed from its vector (``cvss`` library,
the FIRST formulas), else CVSS v4, else the database's own rating (GHSA ``MODERATE``...)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pulsecheck.model import Severity

_DB_LABELS = {"critical": Severity.CRITICAL, "high": Severity.HIGH, "important": Severity.HIGH,
              "moderate": Severity.MEDIUM, "medium": Severity.MEDIUM, "low": Severity.LOW,
              "negligible": Severity.LOW, "none": Severity.INFO}


def from_score(score: float) -> Severity:
    """CVSS qualitative rating scale (the same bands in v3 and v4)."""
    if score >= 9.0:
        return Severity.CRITICAL
    if score >= 7.0:
        return Severity.HIGH
    if score >= 4.0:
        return Severity.MEDIUM
    if score > 0.0:
        return Severity.LOW
    return Severity.INFO


def cvss_score(vector: str) -> float | None:
    """Base score of a CVSS v3.x or v4.0 vector; None if the vector is malformed."""
    from cvss import CVSS3, CVSS4
    from cvss.exceptions import CVSSError

    try:
        if vector.startswith("CVSS:3"):
            return float(CVSS3(vector).base_score)
        if vector.startswith("CVSS:4"):
            return float(CVSS4(vector).base_score)
    except (CVSSError, ValueError, KeyError, IndexError):
        return None
    return None


def rate(advisory: Mapping[str, Any]) -> tuple[float | None, str | None, Severity | None]:
    """(score, vector, severity) of one OSV advisory; all None when it carries no rating."""
    entries: list[Mapping[str, Any]] = list(advisory.get("severity") or [])
    for affected in advisory.get("affected") or []:
        entries += (affected or {}).get("severity") or []
    for kind in ("CVSS_V3", "CVSS_V4"):
        for entry in entries:
            if entry.get("type") == kind and isinstance(entry.get("score"), str):
                score = cvss_score(entry["score"])
                if score is not None:
                    return score, entry["score"], from_score(score)
    return None, None, _database_rating(advisory)


def _database_rating(advisory: Mapping[str, Any]) -> Severity | None:
    specifics: Sequence[Any] = [advisory.get("database_specific") or {}] + [
        (a or {}).get("database_specific") or {} for a in advisory.get("affected") or []]
    for spec in specifics:
        if not isinstance(spec, Mapping):
            continue
        label = spec.get("severity")
        if isinstance(label, str) and label.lower() in _DB_LABELS:
            return _DB_LABELS[label.lower()]
        score = spec.get("cvss_score")
        if isinstance(score, int | float):
            return from_score(float(score))
    return None
