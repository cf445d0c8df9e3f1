"""``--format defectdojo``: DefectDojo's Generic Findings Import JSON, one entry per fingerprint."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from pulsecheck.model import (
    Completed,
    Confidence,
    FileLocation,
    Finding,
    HostLocation,
    Report,
    Rule,
    Severity,
    StageResult,
    Targets,
    UrlLocation,
)
from pulsecheck.reporters import render
from pulsecheck.reporters.interface import OutputFormat

# DefectDojo's generic JSON parser (dojo/tools/generic/json_parser.py): required keys, the keys it
# accepts on a finding (any other key fails the whole import), and those it pops before the check.
REQUIRED = {"title", "severity", "description"}
ALLOWED = REQUIRED | {
    "date", "cwe", "cve", "epss_score", "epss_percentile", "cvssv3", "cvssv3_score", "cvssv4", "cvssv4_score",
    "mitigation", "impact", "steps_to_reproduce", "severity_justification", "references", "active", "verified",
    "false_p", "out_of_scope", "risk_accepted", "under_review", "is_mitigated", "thread_id", "mitigated",
    "numerical_severity", "param", "payload", "line", "file_path", "component_name", "component_version",
    "static_finding", "dynamic_finding", "scanner_confidence", "unique_id_from_tool", "vuln_id_from_tool",
    "sast_source_object", "sast_sink_object", "sast_source_line", "sast_source_file_path", "nb_occurences",
    "publish_date", "service", "planned_remediation_date", "planned_remediation_version", "effort_for_fixing",
    "tags"}
POPPED = {"endpoints", "files", "tags", "vulnerability_ids"}
ENDPOINT_KEYS = {"protocol", "userinfo", "host", "port", "path", "query", "fragment"}
SEVERITIES = {"Critical", "High", "Medium", "Low", "Info"}
TOP_LEVEL = {"name", "type", "version", "description", "dynamic_tool", "static_tool", "soc", "findings"}


def _f(rule: str, stage: str, loc, sev=Severity.HIGH, identity="", **kw) -> Finding:  # type: ignore[no-untyped-def]
    return Finding(rule_id=rule, stage=stage, title=f"{rule} title", severity=sev, confidence=Confidence.HIGH,
                   message=f"{rule} message", location=loc, identity=identity, cwe=kw.pop("cwe", ("CWE-798",)),
                   hipaa=("164.312(a)(1)",), gdpr=("Art. 32",), remediation="Fix it.", **kw)


def report() -> Report:
    findings = (
        _f("secrets.aws", "secrets", FileLocation("app/settings.py", 3), identity="h1", evidence="AKIA****"),
        _f("secrets.aws", "secrets", FileLocation("app/settings.py", 9), identity="h2", evidence="AKIA****"),
        # one PHI export found in two commits: one fingerprint, two findings
        _f("phi.ssn", "phi", FileLocation("exports/p.csv", 2, commit="a" * 40), Severity.MEDIUM, identity="ssn",
           cwe=("CWE-359",)),
        _f("phi.ssn", "phi", FileLocation("exports/p.csv", 2, commit="b" * 40), Severity.HIGH, identity="ssn",
           cwe=("CWE-359",)),
        _f("deps.vulnerable-package", "deps", FileLocation("requirements.txt", 4), Severity.CRITICAL,
           identity="PyPI:django@1.2:PYSEC-2021-1", cwe=("CWE-1395",),
           properties={"package": "django", "version": "1.2", "primary_id": "PYSEC-2021-1",
                       "aliases": ["CVE-2021-33203", "GHSA-68w8-qjq3-2gfm"]}),
        _f("dast.idor", "dast", UrlLocation("https://127.0.0.1:8443/api/patients/7", parameter="id",
                                            route="/api/patients/{id}", parameter_in="path"), cwe=("CWE-639",)),
        _f("recon.tls10", "recon", HostLocation("127.0.0.1", 8443), Severity.LOW, cwe=("CWE-327",)),
        _f("iac.no-cwe", "iac", FileLocation("main.tf", 1), Severity.INFO, identity="aws_s3_bucket.x", cwe=()),
    )
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    rules = {"secrets.aws": Rule("secrets.aws", "secrets", "t", Severity.HIGH, references=("https://example.org/r",))}
    return Report(targets=Targets(path="/srv/app"), started_at=now, finished_at=now,
                  stages=(StageResult("dast", Completed(findings=()), 1.0),), findings=findings, tool_version="0.1.0",
                  rules=rules)


def _check_generic_format(data: dict) -> None:  # type: ignore[type-arg]
    assert set(data) <= TOP_LEVEL and isinstance(data["findings"], list)
    for item in data["findings"]:
        assert set(item) >= REQUIRED, item
        assert set(item) - POPPED <= ALLOWED, set(item) - POPPED - ALLOWED
        assert item["severity"] in SEVERITIES
        date.fromisoformat(item["date"])
        assert isinstance(item.get("cwe", 0), int) and isinstance(item.get("line", 0), int)
        for endpoint in item.get("endpoints", []):
            assert set(endpoint) <= ENDPOINT_KEYS and endpoint["host"]
        assert all(isinstance(t, str) for t in item.get("tags", []))


def test_export_uses_only_the_generic_format_fields() -> None:
    data = json.loads(render(report(), OutputFormat.DEFECTDOJO))
    _check_generic_format(data)
    by_rule = {}
    for item in data["findings"]:
        by_rule.setdefault(item["vuln_id_from_tool"], []).append(item)
    deps = by_rule["deps.vulnerable-package"][0]
    assert deps["severity"] == "Critical" and deps["cwe"] == 1395 and deps["component_name"] == "django"
    assert deps["vulnerability_ids"] == ["PYSEC-2021-1", "CVE-2021-33203", "GHSA-68w8-qjq3-2gfm"]
    idor = by_rule["dast.idor"][0]
    assert idor["dynamic_finding"] and not idor["static_finding"] and idor["param"] == "id"
    assert idor["endpoints"] == [{"protocol": "https", "host": "127.0.0.1", "port": 8443, "path": "api/patients/{id}"}]
    assert by_rule["recon.tls10"][0]["endpoints"] == [{"host": "127.0.0.1", "port": 8443}]
    assert "cwe" not in by_rule["iac.no-cwe"][0] and by_rule["iac.no-cwe"][0]["severity"] == "Info"
    aws = by_rule["secrets.aws"][0]
    assert aws["file_path"] == "app/settings.py" and aws["references"] == "https://example.org/r"
    assert "HIPAA Security Rule: 164.312(a)(1)" in aws["impact"] and data["dynamic_tool"] is True


def test_unique_ids_are_our_fingerprints_one_entry_each() -> None:
    r = report()
    data = json.loads(render(r, OutputFormat.DEFECTDOJO))
    ids = [item["unique_id_from_tool"] for item in data["findings"]]
    assert len(ids) == len(set(ids)), "DefectDojo would merge two of our findings"
    assert set(ids) == {f.fingerprint for f in r.findings}
    # two keys in one file by one rule stay two DefectDojo findings
    assert len([i for i in data["findings"] if i["vuln_id_from_tool"] == "secrets.aws"]) == 2
    # the PHI export seen in two commits is one, at its worst severity, both places listed
    (phi,) = [i for i in data["findings"] if i["vuln_id_from_tool"] == "phi.ssn"]
    assert phi["severity"] == "High" and phi["nb_occurences"] == 2
    assert "a" * 10 in phi["description"] and "b" * 10 in phi["description"]


def test_audit_writes_defectdojo_export_of_a_real_repository(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "deploy.sh").write_text(
        'export AWS_ACCESS_KEY_ID="AKIAQ4NSBIEXNKXZ7H2P"\n'
        'export AWS_SECRET_ACCESS_KEY="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"\n'
        'export STRIPE_KEY="sk_live_51HqLyjWDarjtT1zdp7dcXk3Vc9Q2ePq6rRtY8uIoPaSdFgHjKlZx"\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULSECHECK_")}
    out = tmp_path / "out"
    proc = subprocess.run([str(Path(sys.executable).parent / "pulsecheck"), "audit", str(repo), "--stage", "secrets",
                           "--no-store", "-f", "defectdojo", "-f", "json", "-o", f"{out}/", "-q"],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert proc.returncode in (0, 1), proc.stderr[-1000:]
    dojo = json.loads((out / "pulsecheck-report.defectdojo.json").read_text())
    ours = json.loads((out / "pulsecheck-report.json").read_text())
    _check_generic_format(dojo)
    assert len(ours["findings"]) >= 2
    assert sorted(i["unique_id_from_tool"] for i in dojo["findings"]) == sorted(
        {f["fingerprint"] for f in ours["findings"]})
    assert all(i["file_path"] == "deploy.sh" for i in dojo["findings"])
    text = (out / "pulsecheck-report.defectdojo.json").read_text()
    assert "kR3m9qLx2vTb8Wn4Yp6Zc1Hs5Jd7Fg0Ae9Ui2Ko3" not in text and "AKIAQ4NSBIEXNKXZ7H2P" not in text
