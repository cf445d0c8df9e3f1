"""SARIF ``reportingDescriptor`` objects: the rule help GitHub shows beside an alert.

The help carries the remediation and the compliance mapping (HIPAA sections, GDPR
articles) so a developer triaging an alert sees why it matters for a health-tech product.
"""

from __future__ import annotations

import re
from typing import Any

from pulsecheck.model import Confidence, Finding, Rule, Severity
from pulsecheck.reporters.mdtext import md, md_lines

SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5", Severity.HIGH: "8.0", Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0", Severity.INFO: "0.0",
}
LEVEL = {
    Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning",
    Severity.LOW: "note", Severity.INFO: "note",
}
_PROBLEM = {"error": "error", "warning": "warning", "note": "recommendation"}
_PRECISION = {Confidence.HIGH: "high", Confidence.MEDIUM: "medium", Confidence.LOW: "low"}


def sarif_rule(rule: Rule, findings: list[Finding]) -> dict[str, Any]:
    """The descriptor of ``rule``; severity is the worst its findings carry in this report."""
    severity = max((f.severity for f in findings), key=lambda s: s.rank, default=rule.severity)
    hipaa = _union(f.hipaa for f in findings)
    gdpr = _union(f.gdpr for f in findings)
    cwe = rule.cwe or _union(f.cwe for f in findings)
    owasp = rule.owasp or _union(f.owasp for f in findings)
    remediation = rule.remediation or next((f.remediation for f in findings if f.remediation), "")
    description = rule.description or rule.title
    tags = ["security", rule.stage, *(f"external/cwe/{c.lower()}" for c in cwe),
            *(f"external/owasp/{o}" for o in owasp), *rule.tags]
    descriptor: dict[str, Any] = {
        "id": rule.id,
        "name": _camel(rule.id),
        "shortDescription": {"text": rule.title or rule.id},
        "fullDescription": {"text": description or rule.id},
        "help": {
            "text": _help_text(description, remediation, cwe, owasp, hipaa, gdpr, rule.references),
            "markdown": _help_markdown(rule, description, remediation, cwe, owasp, hipaa, gdpr),
        },
        "defaultConfiguration": {"level": LEVEL[severity]},
        "properties": {
            "security-severity": SECURITY_SEVERITY[severity],
            "precision": _PRECISION[rule.confidence],
            "problem.severity": _PROBLEM[LEVEL[severity]],
            "tags": list(dict.fromkeys(tags)),
            "cwe": list(cwe), "owasp": list(owasp), "hipaa": list(hipaa), "gdpr": list(gdpr),
        },
    }
    web = [r for r in rule.references if r.startswith(("https://", "http://"))]
    if web:
        descriptor["helpUri"] = web[0]
    return descriptor


def _help_text(description: str, remediation: str, cwe: tuple[str, ...], owasp: tuple[str, ...],
               hipaa: tuple[str, ...], gdpr: tuple[str, ...], refs: tuple[str, ...]) -> str:
    lines = [description]
    if remediation:
        lines += ["", f"Remediation: {remediation}"]
    for label, values in (("CWE", cwe), ("OWASP Top 10 2021", owasp), ("HIPAA Security Rule", hipaa),
                          ("GDPR", gdpr), ("References", refs)):
        if values:
            lines.append(f"{label}: {', '.join(values)}")
    return "\n".join(lines)


def _help_markdown(rule: Rule, description: str, remediation: str, cwe: tuple[str, ...],
                   owasp: tuple[str, ...], hipaa: tuple[str, ...], gdpr: tuple[str, ...]) -> str:
    parts = [f"## {md(rule.title or rule.id)}", "", md_lines(description)]
    if remediation:
        parts += ["", "### Remediation", "", md_lines(remediation)]
    rows = [(label, values) for label, values in (
        ("CWE", cwe), ("OWASP Top 10 2021", owasp), ("HIPAA Security Rule", hipaa), ("GDPR", gdpr))
        if values]
    if rows:
        parts += ["", "### Mapping", "", "| Framework | Ids |", "| --- | --- |"]
        parts += [f"| {label} | {md(', '.join(values))} |" for label, values in rows]
    if rule.references:
        parts += ["", "### References", ""]
        parts += [f"- <{r}>" if r.startswith("https://") and " " not in r else f"- {md(r)}"
                  for r in rule.references]
    return "\n".join(parts)


def _union(groups: Any) -> tuple[str, ...]:
    out: dict[str, None] = {}
    for group in groups:
        out.update(dict.fromkeys(group))
    return tuple(sorted(out))


def _camel(rule_id: str) -> str:
    """``secrets.github-pat`` -> ``SecretsGithubPat`` (SARIF names are identifier-like)."""
    return "".join(w[:1].upper() + w[1:] for w in re.split(r"[^A-Za-z0-9]+", rule_id) if w) or "Rule"
