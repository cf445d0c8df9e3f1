"""Our Semgrep rule pack (``stages/sast/rules/semgrep/*.yaml``) as pulsecheck Rules.

Each Semgrep rule carries its pulsecheck metadata::

    metadata:
      pulsecheck_id: sast.js.sql-injection
      title: SQL built from request data (JavaScript)
      cwe: CWE-89
      owasp: A03:2021
      confidence: high            # optional, default medium
      severity: high              # optional, else from Semgrep's ERROR / WARNING / INFO
      remediation: Use placeholders ...
      redact_literals: true       # optional: never show string literals in evidence

Findings of rules that are not ours (the user's own rule files) get a Rule built from what the
Semgrep result says (:func:`user_rule`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pulsecheck import safeyaml
from pulsecheck.model import Confidence, Rule, Severity

RULES_DIR = Path(__file__).resolve().parent.parent / "rules" / "semgrep"
STAGE = "sast"

_SEMGREP_SEVERITY = {
    "CRITICAL": Severity.CRITICAL, "ERROR": Severity.HIGH, "HIGH": Severity.HIGH,
    "WARNING": Severity.MEDIUM, "MEDIUM": Severity.MEDIUM, "INFO": Severity.LOW, "LOW": Severity.LOW,
    "INVENTORY": Severity.INFO, "EXPERIMENT": Severity.INFO,
}
_CWE = re.compile(r"(?i)\bCWE-(\d{1,5})\b")
_OWASP = re.compile(r"\bA\d{2}:20\d{2}\b")
_USER_ID = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class PackRule:
    """One rule of our pack: the pulsecheck Rule and what the runner needs besides."""

    rule: Rule
    semgrep_id: str
    languages: tuple[str, ...]
    redact_literals: bool
    file: str


def severity_of(semgrep_severity: str | None, explicit: str | None = None) -> Severity:
    if explicit:
        return Severity(str(explicit).lower())
    return _SEMGREP_SEVERITY.get(str(semgrep_severity or "").upper(), Severity.MEDIUM)


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [str(value)]


def cwes(value: Any) -> tuple[str, ...]:
    """``CWE-89`` ids from a metadata value (``"CWE-89: Improper ..."`` or a list of them)."""
    out: list[str] = []
    for text in _strings(value):
        for m in _CWE.finditer(text):
            cwe = f"CWE-{int(m.group(1))}"
            if cwe not in out:
                out.append(cwe)
    return tuple(out)


def owasps(value: Any) -> tuple[str, ...]:
    out: list[str] = []
    for text in _strings(value):
        for m in _OWASP.finditer(text):
            if m.group(0) not in out:
                out.append(m.group(0))
    return tuple(out)


def _title(meta: Mapping[str, Any], message: str, fallback: str) -> str:
    if meta.get("title"):
        return str(meta["title"])
    first = " ".join(message.split()).split(". ")[0].rstrip(".")
    return first[:120] or fallback


def _pack_rule(raw: Mapping[str, Any], file: str) -> PackRule:
    meta = raw.get("metadata") or {}
    if not isinstance(meta, Mapping) or not meta.get("pulsecheck_id"):
        raise ValueError(f"{file}: rule {raw.get('id')!r} has no metadata.pulsecheck_id")
    pid = str(meta["pulsecheck_id"])
    if not pid.startswith("sast."):
        raise ValueError(f"{file}: rule id {pid!r} must start with 'sast.'")
    cwe = cwes(meta.get("cwe"))
    if not cwe:
        raise ValueError(f"{file}: rule {pid} has no CWE")
    message = str(raw.get("message") or "")
    rule = Rule(
        id=pid, stage=STAGE, title=_title(meta, message, pid),
        severity=severity_of(raw.get("severity"), meta.get("severity")),
        confidence=Confidence(str(meta.get("confidence") or "medium").lower()),
        cwe=cwe, owasp=owasps(meta.get("owasp")), description=" ".join(message.split()),
        remediation=" ".join(str(meta.get("remediation") or "").split()),
        references=tuple(_strings(meta.get("references"))),
        tags=("semgrep", *(f"lang:{lang}" for lang in _strings(raw.get("languages")))),
    )
    return PackRule(rule=rule, semgrep_id=str(raw["id"]), languages=tuple(_strings(raw.get("languages"))),
                    redact_literals=bool(meta.get("redact_literals")) or "CWE-798" in cwe, file=file)


def rule_files() -> list[Path]:
    return sorted(RULES_DIR.glob("*.yaml"))


@functools.cache
def pack() -> tuple[PackRule, ...]:
    """Every rule of our pack, in file order; raises ValueError on a malformed rule file."""
    out: list[PackRule] = []
    seen: set[str] = set()
    for path in rule_files():
        doc = safeyaml.load(path.read_text(encoding="utf-8"))
        if not isinstance(doc, Mapping) or not isinstance(doc.get("rules"), list):
            raise ValueError(f"{path.name}: not a Semgrep rule file (no 'rules' list)")
        for raw in doc["rules"]:
            pr = _pack_rule(raw, path.name)
            if pr.rule.id in seen:
                raise ValueError(f"{path.name}: duplicate pulsecheck_id {pr.rule.id}")
            seen.add(pr.rule.id)
            out.append(pr)
    return tuple(out)


@functools.cache
def by_pulsecheck_id() -> dict[str, PackRule]:
    return {pr.rule.id: pr for pr in pack()}


def user_rule(check_id: str, semgrep_severity: str | None, message: str, meta: Mapping[str, Any]) -> Rule:
    """A Rule for a finding of the user's own Semgrep rules (id ``sast.user.<check_id>``)."""
    rid = "sast.user." + (_USER_ID.sub("-", check_id).strip("-.") or "rule")
    conf = str(meta.get("confidence") or "medium").lower()
    return Rule(
        id=rid, stage=STAGE, title=_title(meta, message, rid),
        severity=severity_of(semgrep_severity, None),
        confidence=Confidence(conf) if conf in {c.value for c in Confidence} else Confidence.MEDIUM,
        cwe=cwes(meta.get("cwe")), owasp=owasps(meta.get("owasp")), description=" ".join(message.split())[:500],
        remediation=" ".join(str(meta.get("remediation") or meta.get("fix") or "").split())[:500],
        tags=("semgrep", "user-rule"),
    )
