"""VULNERABILITIES.md is well formed and points at real lines; the matcher behaves as documented."""

from __future__ import annotations

import re
from pathlib import Path

from pulsecheck.demo import truth
from pulsecheck.demo.runner import app_source, ground_truth_file
from pulsecheck.model import Confidence, FileLocation, Finding, HostLocation, Location, Severity, UrlLocation
from pulsecheck.settings import ALL_STAGES


def _finding(stage: str, rule: str, location: Location, severity: Severity = Severity.HIGH) -> Finding:
    return Finding(rule_id=rule, stage=stage, title="t", severity=severity, confidence=Confidence.HIGH,
                   message="m", location=location)


def test_table_covers_every_stage_with_unique_ids_and_cwes() -> None:
    planted, allowed = truth.load(ground_truth_file())
    assert {e.stage for e in planted} == set(ALL_STAGES)
    assert len({e.id for e in planted}) == len(planted) >= 40
    assert all(re.fullmatch(r"CWE-\d+", e.cwe) for e in planted)
    assert all(e.classes for e in planted + allowed)
    assert allowed and all(e.stage in ALL_STAGES for e in allowed)


def test_file_locations_point_at_existing_lines_of_the_app() -> None:
    planted, _ = truth.load(ground_truth_file())
    root = app_source(fixed=False)
    for entry in planted:
        loc = entry.location
        if " " in loc or loc.startswith(("history:", "127.0.0.1:")):
            continue
        path, _, line = loc.partition(":")
        lines = (root / path).read_text(encoding="utf-8").splitlines()
        if line:
            assert lines[int(line) - 1].strip(), f"{entry.id}: {loc} is a blank line"


def test_fixed_twin_exists_and_has_no_demo_placeholders_or_committed_logs() -> None:
    fixed = app_source(fixed=True)
    assert (fixed / "app" / "main.py").is_file()
    assert not (fixed / "logs").exists() and not (fixed / ".env").exists()
    text = "\n".join(p.read_text(encoding="utf-8") for p in fixed.rglob("*.py"))
    assert "__DEMO_" not in text and "hashlib.sha1" not in text and "verify_signature" not in text


def test_matching_rules() -> None:
    ports = {"http": 8080, "https": 8443}
    sqli = truth.Expected("X", "sast", ("sql",), "app/api.py:72")
    assert sqli.matches(_finding("sast", "sast.python-sql-injection", FileLocation("app/api.py", 74)), ports)
    assert not sqli.matches(_finding("sast", "sast.python-sql-injection", FileLocation("app/api.py", 75)), ports)
    assert sqli.matches(_finding("sast", "sast.sqli", FileLocation("./app/api.py", 60, 80)), ports)
    assert not sqli.matches(_finding("dast", "dast.sqli", FileLocation("app/api.py", 72)), ports)
    assert not sqli.matches(_finding("sast", "sast.xss", FileLocation("app/api.py", 72)), ports)
    hist = truth.Expected("Y", "secrets", ("aws",), "history:deploy/production.env:3")
    assert hist.matches(_finding("secrets", "secrets.aws-access-key",
                                 FileLocation("deploy/production.env", 3, commit="abc")), ports)
    bola = truth.Expected("Z", "dast", ("bola",), "GET /fhir/Patient/*")
    assert bola.matches(_finding("dast", "dast.bola", UrlLocation("http://127.0.0.1:8080/fhir/Patient/2")), ports)
    assert not bola.matches(_finding("dast", "dast.bola", UrlLocation("http://127.0.0.1:8080/fhir/Patient/2",
                                                                       method="POST")), ports)
    anyurl = truth.Expected("W", "dast", ("cors",), "ANY /*")
    assert anyurl.matches(_finding("dast", "dast.cors-reflect", UrlLocation("https://127.0.0.1:8443/",
                                                                            method="OPTIONS")), ports)
    tls = truth.Expected("V", "recon", ("tls",), "127.0.0.1:{https}")
    assert tls.matches(_finding("recon", "recon.tls10", HostLocation("127.0.0.1", 8443)), ports)
    assert not tls.matches(_finding("recon", "recon.tls10", HostLocation("127.0.0.1", 8080)), ports)


def test_checks_count_found_missed_and_conditions() -> None:
    planted = [truth.Expected("A", "deps", ("vuln",), "requirements.txt:2"),
               truth.Expected("B", "deps", ("vuln",), "requirements.txt:9"),
               truth.Expected("C", "recon", ("tls",), "127.0.0.1:{https}", when="tls10")]
    got = [_finding("deps", "deps.vulnerable-package", FileLocation("requirements.txt", 2))]
    check = truth.check_vulnerable(got, planted, ["deps", "recon"], {"https": 1})
    assert [e.id for e in check.found] == ["A"] and [e.id for e in check.missed] == ["B"]
    assert [e.id for e in check.not_applicable] == ["C"] and not check.ok
    low = _finding("iac", "iac.x", FileLocation("Dockerfile", 1), Severity.LOW)
    high = _finding("recon", "recon.self-signed-cert", HostLocation("127.0.0.1", 1))
    fixed = truth.check_fixed([low, high], [truth.Expected("F", "recon", ("self-signed",), "127.0.0.1:{https}")],
                              {"https": 1})
    assert fixed.ok
    assert not truth.check_fixed([high], [], {"https": 1}).ok


def test_table_parser_ignores_other_tables(tmp_path: Path) -> None:
    doc = tmp_path / "V.md"
    doc.write_text("| a | b |\n|---|---|\n| 1 | 2 |\n\n| id | stage | rule | location | cwe |\n"
                   "|---|---|---|---|---|\n| P1 | sast | sql, sqli | app.py:3 | CWE-89 |\n", encoding="utf-8")
    planted, allowed = truth.load(doc)
    assert [(e.id, e.classes) for e in planted] == [("P1", ("sql", "sqli"))] and not allowed
