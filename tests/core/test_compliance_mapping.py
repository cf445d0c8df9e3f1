"""CWE/OWASP -> HIPAA/GDPR mapping, catalog integrity, and per-safeguard statuses."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from pulsecheck.compliance.catalog import catalogs
from pulsecheck.compliance.mapper import (
    controls_for,
    map_findings,
    normalize_cwe,
    normalize_owasp,
    safeguard_statuses,
)
from pulsecheck.model import (
    Completed,
    Confidence,
    Errored,
    FileLocation,
    Finding,
    Severity,
    Skipped,
    StageResult,
)
from pulsecheck.settings import ALL_STAGES

COMMON_CWES = [798, 259, 321, 522, 312, 311, 319, 326, 327, 328, 916, 89, 78, 79, 22, 352, 918, 601, 287,
               306, 862, 863, 639, 284, 285, 915, 200, 209, 532, 359, 1104, 937, 1035, 16, 693, 1021, 614,
               1004, 942, 346, 347, 345, 295, 297, 250, 269, 732, 668, 1188, 778, 223, 400, 770, 613, 307,
               521, 308, 525, 539, 548, 538, 540, 215, 497, 116, 20, 94, 95, 502, 611, 1333, 434]


def f(cwe: tuple[str, ...] = (), owasp: tuple[str, ...] = (), rule: str = "secrets.aws-key") -> Finding:
    return Finding(rule_id=rule, stage=rule.split(".")[0], title="t", severity=Severity.HIGH,
                   confidence=Confidence.HIGH, message="m", location=FileLocation(path="x.py", line=1),
                   cwe=cwe, owasp=owasp)


def test_hard_coded_credentials_land_under_access_control_and_art_32() -> None:
    (mapped,) = map_findings([f(cwe=("CWE-798",), owasp=("A07:2021",))])
    assert "164.312(a)(1)" in mapped.hipaa
    assert "164.312(d)" in mapped.hipaa and "164.308(a)(5)(ii)(D)" in mapped.hipaa
    assert "Art. 32" in mapped.gdpr


@pytest.mark.parametrize("number", COMMON_CWES)
def test_every_commonly_reported_cwe_is_mapped(number: int) -> None:
    hipaa, gdpr = controls_for([f"CWE-{number}"])
    assert hipaa and gdpr


def test_catalog_matches_the_shared_hipaa_csv_and_cross_references_resolve(shared_dir: Path) -> None:
    with (shared_dir / "compliance" / "hipaa_security_rule.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    cat = catalogs()  # raises on any unknown section/article referenced by the data files
    assert [r["section"] for r in rows] == list(cat.hipaa)
    for row in rows:
        entry = cat.hipaa[row["section"]]
        assert (entry.standard, entry.implementation_spec) == (row["standard"], row["implementation_spec"])
    assert cat.hipaa["164.312(a)(1)"].safeguard == "technical"
    assert cat.hipaa["164.308(a)(5)(ii)(D)"].safeguard == "administrative"
    assert cat.hipaa["164.310(c)"].safeguard == "physical"
    assert set(cat.gdpr) == {"Art. 5", "Art. 25", "Art. 32", "Art. 33", "Art. 35"}
    assert all(a.title and a.summary for a in cat.gdpr.values())
    assert list(cat.owasp) == [f"A{n:02d}:2021" for n in range(1, 11)]
    assert cat.owasp["A03:2021"].title == "Injection"
    assert {key.split(".")[0] for key in cat.rule_safeguards} <= set(ALL_STAGES)


def test_unmapped_cwe_falls_back_to_owasp_category() -> None:
    (mapped,) = map_findings([f(cwe=("CWE-99999",), owasp=("A09:2021-Security Logging",))])
    assert mapped.hipaa[0] == "164.308(a)(1)(ii)(D)" and "164.312(b)" in mapped.hipaa
    assert "Art. 33" in mapped.gdpr
    (nothing,) = map_findings([f(cwe=("CWE-99999",))])
    assert nothing.hipaa == () and nothing.gdpr == ()


def test_identifier_spellings_are_normalized() -> None:
    assert normalize_cwe("cwe-0798") == normalize_cwe("798") == normalize_cwe("CWE-798: Hard-coded") == "CWE-798"
    assert normalize_cwe("none") is None
    assert normalize_owasp("A7") == normalize_owasp("a07:2021") == "A07:2021"
    assert normalize_owasp("A03:2017") is None and normalize_owasp("A11") is None


def _result(name: str, status: str) -> StageResult:
    outcome = {"completed": Completed(findings=()), "skipped": Skipped(reason="no targets"),
               "errored": Errored(reason="boom"),
               "partial": Completed(findings=(), gaps=("no vulnerability database: 98 packages unchecked",))}[status]
    return StageResult(name=name, outcome=outcome, duration_s=0.1)


def test_safeguard_statuses_gap_no_finding_and_not_assessed() -> None:
    findings = map_findings([f(cwe=("CWE-798",))])
    statuses = {s.section: s for s in safeguard_statuses(findings, [
        _result("secrets", "completed"), _result("dast", "completed"), _result("deps", "skipped"),
        _result("recon", "errored")])}
    assert all(s.startswith(("164.308", "164.312")) for s in statuses)
    assert len(statuses) == sum(1 for s in catalogs().hipaa if s.startswith(("164.308", "164.312")))
    gap = statuses["164.312(a)(1)"]
    assert gap.status == "gap" and gap.fingerprints == (findings[0].fingerprint,)
    assert statuses["164.312(e)(1)"].status == "partially-assessed"  # dast checked it, recon errored
    assert statuses["164.312(e)(1)"].assessed_by == ("dast", "recon (errored)")
    assert statuses["164.312(a)(2)(iii)"].status == "no-finding"  # dast alone checks it, and completed
    assert statuses["164.308(a)(5)(ii)(B)"].status == "not-assessed"  # deps was skipped
    assert statuses["164.308(a)(2)"].status == "not-assessed"  # no stage can check it
    assert statuses["164.312(b)"].status == "not-assessed"


def test_findings_of_an_errored_stage_still_make_a_gap() -> None:
    findings = map_findings([f(cwe=("CWE-1104",), rule="deps.unmaintained")])
    statuses = {s.section: s.status for s in safeguard_statuses(findings, [_result("deps", "errored")])}
    assert statuses["164.308(a)(1)(ii)(B)"] == "gap"


def test_a_partial_deps_stage_is_partially_assessed_never_no_finding() -> None:
    """E4: requirements.txt with django==1.2 and no database: deps ends partial."""
    statuses = {s.section: s for s in safeguard_statuses([], [_result("deps", "partial")])}
    for section in ("164.308(a)(1)(ii)(B)", "164.308(a)(5)(ii)(B)"):
        assert statuses[section].status == "partially-assessed"
        assert statuses[section].assessed_by == ("deps (partial)",)
    complete = {s.section: s.status for s in safeguard_statuses([], [_result("deps", "completed")])}
    assert complete["164.308(a)(5)(ii)(B)"] == "no-finding"


def test_a_phi_only_audit_leaves_audit_controls_and_transmission_security_not_assessed() -> None:
    statuses = {s.section: s.status for s in safeguard_statuses([], [_result("phi", "completed")])}
    assert statuses["164.312(b)"] == "not-assessed"
    assert statuses["164.312(e)(1)"] == "not-assessed"
    assert statuses["164.312(a)(2)(iv)"] == "no-finding"  # what phi really checks: PHI stored unencrypted
    assert "no-finding" not in {statuses[s] for s in statuses if s.startswith("164.308")}


def test_counts_are_of_findings_not_fingerprints() -> None:
    """One file's PHI in three commits is three findings sharing a fingerprint: every format shows 3."""
    one = map_findings([f(cwe=("CWE-359",), rule="phi.ssn-in-file")])[0]
    statuses = {s.section: s for s in safeguard_statuses([one, one, one], [_result("phi", "completed")])}
    assert statuses["164.312(a)(1)"].finding_count == 3
    assert statuses["164.312(a)(1)"].fingerprints == (one.fingerprint,)
