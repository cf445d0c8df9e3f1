"""Add HIPAA sections and GDPR articles to findings, and summarise each HIPAA safeguard.

Stages only know weaknesses (CWE) and OWASP categories; what a weakness means for a covered
entity is policy, kept in ``data/``. A finding's CWEs decide its controls; when none of them is
in the catalog, its OWASP Top 10 2021 category does, so no finding is left unmapped merely
because a stage used a rare CWE.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from functools import cache, lru_cache

from pulsecheck.compliance.catalog import catalogs
from pulsecheck.model import Completed, Finding, SafeguardState, SafeguardStatus, StageResult

_CWE = re.compile(r"^\s*(?:CWE)?[-_: ]?(\d{1,5})\b", re.IGNORECASE)
_OWASP = re.compile(r"^\s*A0?(\d{1,2})(?::(\d{4}))?", re.IGNORECASE)
_ASSESSED_SAFEGUARDS = ("administrative", "technical")


def normalize_cwe(value: str) -> str | None:
    """``"CWE-798"``, ``"cwe-798"``, ``"798"`` or ``"CWE-798: Hard-coded..."`` -> ``"CWE-798"``."""
    match = _CWE.match(value)
    return f"CWE-{int(match.group(1))}" if match else None


def normalize_owasp(value: str) -> str | None:
    """``"A07:2021"``, ``"A7"`` or ``"A07:2021-Identification..."`` -> ``"A07:2021"``; other years: None."""
    match = _OWASP.match(value)
    if not match or (match.group(2) and match.group(2) != "2021"):
        return None
    number = int(match.group(1))
    return f"A{number:02d}:2021" if 1 <= number <= 10 else None


def controls_for(cwes: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(HIPAA sections, GDPR articles) that weaknesses of these CWEs bear on, in catalog order."""
    cat = catalogs().cwe
    entries = [cat[c] for c in (normalize_cwe(x) for x in cwes) if c in cat]
    return _ordered_hipaa(h for e in entries for h in e.hipaa), _ordered_gdpr(g for e in entries for g in e.gdpr)


def _owasp_controls(owasp: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    cat = catalogs().owasp
    entries = [cat[o] for o in (normalize_owasp(x) for x in owasp) if o in cat]
    return _ordered_hipaa(h for e in entries for h in e.hipaa), _ordered_gdpr(g for e in entries for g in e.gdpr)


@cache
def _hipaa_order() -> dict[str, int]:
    return {s: i for i, s in enumerate(catalogs().hipaa)}


def _ordered_hipaa(sections: Iterable[str]) -> tuple[str, ...]:
    order = _hipaa_order()
    return tuple(sorted(set(sections), key=lambda s: (order.get(s, len(order)), s)))


def _ordered_gdpr(articles: Iterable[str]) -> tuple[str, ...]:
    def key(article: str) -> tuple[int, str]:
        digits = re.findall(r"\d+", article)
        return (int(digits[0]) if digits else 10_000, article)

    return tuple(sorted(set(articles), key=key))


@lru_cache(maxsize=4096)
def _controls(cwe: tuple[str, ...], owasp: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    hipaa, gdpr = controls_for(cwe)
    return (hipaa, gdpr) if hipaa or gdpr else _owasp_controls(owasp)


def map_finding(finding: Finding) -> Finding:
    """One finding with ``hipaa`` and ``gdpr`` filled (kept as is when nothing maps)."""
    hipaa, gdpr = _controls(tuple(finding.cwe), tuple(finding.owasp))
    hipaa = _ordered_hipaa((*finding.hipaa, *hipaa))
    gdpr = _ordered_gdpr((*finding.gdpr, *gdpr))
    if hipaa == finding.hipaa and gdpr == finding.gdpr:
        return finding
    return replace(finding, hipaa=hipaa, gdpr=gdpr)


def map_findings(findings: Sequence[Finding]) -> list[Finding]:
    """Every finding with its HIPAA sections and GDPR articles (stages never set them)."""
    return [map_finding(f) for f in findings]


def _rule_assessments(result: StageResult) -> dict[str, tuple[str, ...]] | None:
    """The stage's own per-rule account (``facts["assessed"]``: rule id -> sections), or None.

    A stage that knows which of its rules had something to judge (the iac stage: a check with
    no resource of its types assessed nothing) lists them; the catalog adds what
    ``rule_safeguards.toml`` says of those rule ids."""
    outcome = result.outcome
    raw = outcome.facts.get("assessed") if isinstance(outcome, Completed) else None
    if not isinstance(raw, Mapping):
        return None
    known = catalogs().hipaa
    extra = catalogs().rule_safeguards
    return {str(rule): tuple(s for s in (*sections, *extra.get(str(rule), ())) if s in known)
            for rule, sections in raw.items() if isinstance(sections, list | tuple)}


def _assessors(stage_results: Sequence[StageResult]) -> dict[str, list[tuple[str, bool]]]:
    """Section -> (who assessed it, whether fully): a stage name, or a rule id for stages that
    list their rules; with the status when the stage was not completed (``deps (partial)``)."""
    cat = catalogs()
    out: dict[str, list[tuple[str, bool]]] = {}
    for result in stage_results:
        if result.status == "skipped":
            continue
        done = result.status == "completed"
        suffix = "" if done else f" ({result.status})"
        per_rule = _rule_assessments(result)
        pairs = ([(rule, s) for rule, sections in per_rule.items() for s in sections] if per_rule is not None
                 else [(result.name, s) for s in cat.safeguards_of_stage(result.name)])
        for who, section in pairs:
            out.setdefault(section, []).append((who + suffix, done))
    return out


def safeguard_statuses(
    findings: Sequence[Finding], stage_results: Sequence[StageResult]
) -> tuple[SafeguardStatus, ...]:
    """For each HIPAA administrative and technical safeguard: gap, no-finding, partially-assessed
    or not-assessed.

    Which safeguards a check assesses is data, per rule (``data/rule_safeguards.toml``, or the
    stage's ``facts["assessed"]`` naming the rules that judged something). A safeguard is
    "no-finding" only when every stage of this audit whose rules assess it completed fully; a
    partial or errored one makes it "partially-assessed" (a deps stage without its database has
    not checked the packages), and one no rule of the audit assesses is "not-assessed": a report
    never presents an unexamined safeguard as clean.
    """
    cat = catalogs()
    assessors = _assessors(stage_results)
    bearing: dict[str, list[Finding]] = {}
    for f in findings:
        for section in f.hipaa:
            bearing.setdefault(section, []).append(f)
    out: list[SafeguardStatus] = []
    for row in cat.hipaa.values():
        if row.safeguard not in _ASSESSED_SAFEGUARDS:
            continue
        found = bearing.get(row.section, [])
        by = assessors.get(row.section, [])
        status: SafeguardState = (
            "gap" if found else "not-assessed" if not by
            else "no-finding" if all(done for _, done in by) else "partially-assessed")
        out.append(SafeguardStatus(
            section=row.section, standard=row.standard, implementation_spec=row.implementation_spec,
            status=status, fingerprints=tuple(dict.fromkeys(f.fingerprint for f in found)),
            finding_count=len(found), assessed_by=tuple(dict.fromkeys(who for who, _ in by))))
    return tuple(out)
