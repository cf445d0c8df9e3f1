"""SARIF output validates against the official OASIS 2.1.0 schema and is GitHub-ready."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from urllib.parse import unquote

import jsonschema
import pytest

from pulsecheck.model import Confidence, FileLocation, Finding, Report, Severity
from pulsecheck.reporters.sarif import render

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json").read_text("utf-8"))
# RFC 3986 URI-reference characters (unreserved, reserved, and percent escapes).
URI_CHARS = re.compile(r"^[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*$")


def validate(text: str) -> dict:
    data = json.loads(text)
    jsonschema.Draft7Validator(SCHEMA).validate(data)
    return data


def test_validates_against_official_schema(report: Report) -> None:
    data = validate(render(report))
    assert data["version"] == "2.1.0" and len(data["runs"]) == 1


def test_driver_rules_are_github_ready(report: Report) -> None:
    run = validate(render(report))["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "pulsecheck" and driver["version"] == "0.1.0"
    assert driver["informationUri"].startswith("https://")
    ids = [r["id"] for r in driver["rules"]]
    assert len(ids) == len(set(ids)) == 5
    pat = driver["rules"][ids.index("secrets.github-pat")]
    assert pat["properties"]["security-severity"] == "9.5"
    assert float(pat["properties"]["security-severity"]) == 9.5
    assert "security" in pat["properties"]["tags"] and "external/cwe/cwe-798" in pat["properties"]["tags"]
    assert "Revoke the token" in pat["help"]["text"] and "Revoke the token" in pat["help"]["markdown"]
    assert "164.312(a)(1)" in pat["help"]["markdown"] and "Art. 32" in pat["help"]["text"]
    assert pat["fullDescription"]["text"].startswith("A GitHub token")
    assert pat["helpUri"].startswith("https://")
    sev = {r["id"]: r["properties"]["security-severity"] for r in driver["rules"]}
    assert sev == {"dast.sql-injection": "8.0", "recon.open-database": "5.5", "sast.debug-enabled": "3.0",
                   "sast.todo-auth": "0.0", "secrets.github-pat": "9.5"}


def test_rules_missing_from_report_are_synthesized(report: Report) -> None:
    run = validate(render(report))["runs"][0]
    sqli = next(r for r in run["tool"]["driver"]["rules"] if r["id"] == "dast.sql-injection")
    assert sqli["shortDescription"]["text"] == "SQL injection in app/config.py"
    assert "external/cwe/cwe-89" in sqli["properties"]["tags"]
    assert "bound parameters" in sqli["help"]["text"]


def test_results_locations_and_fingerprints(report: Report) -> None:
    run = validate(render(report))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    assert len(results) == len(report.findings)
    for res in results:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        assert re.fullmatch(r"[0-9a-f]{32}", res["partialFingerprints"]["pulsecheck/v1"])
        for loc in res["locations"]:
            assert URI_CHARS.match(loc["physicalLocation"]["artifactLocation"]["uri"])
    first = results[0]
    assert first["level"] == "error" and first["properties"]["severity"] == "critical"
    phys = first["locations"][0]["physicalLocation"]
    assert phys["artifactLocation"] == {"uri": "app/config.py", "uriBaseId": "%SRCROOT%"}
    assert phys["region"] == {"startLine": 12, "endLine": 13, "startColumn": 5}
    historic = results[1]
    assert historic["properties"]["commit"] == "a" * 40
    assert "region" not in historic["locations"][0]["physicalLocation"]
    url = next(r for r in results if r["ruleId"] == "dast.sql-injection")["locations"][0]
    assert url["physicalLocation"]["artifactLocation"]["uri"].startswith("http://127.0.0.1:8000/api/patients?q=")
    assert url["logicalLocations"][0]["name"] == "app/config.py"
    host = next(r for r in results if r["ruleId"] == "recon.open-database")["locations"][0]
    assert host["logicalLocations"][0]["fullyQualifiedName"] == "127.0.0.1:5432/tcp"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == "file:///srv/repo/"


def test_invocation_reports_errored_and_partial_stages(report: Report) -> None:
    inv = validate(render(report))["runs"][0]["invocations"][0]
    assert inv["executionSuccessful"] is False
    texts = [n["message"]["text"] for n in inv["toolExecutionNotifications"]]
    assert any("sast errored" in t for t in texts) and any("secrets partial" in t for t in texts)
    assert inv["startTimeUtc"].endswith("Z")


@pytest.mark.parametrize(
    ("path", "uri"),
    [
        ("/srv/repo/src/a b.py", "src/a%20b.py"),
        ("./src/x.py", "src/x.py"),
        ("src\\win\\x.py", "src/win/x.py"),
        ("/elsewhere/x.py", "file:///elsewhere/x.py"),
        ("dir/100%.py", "dir/100%25.py"),
    ],
)
def test_file_uris_are_relative_to_repo_root(report: Report, path: str, uri: str) -> None:
    f = Finding(rule_id="sast.x", stage="sast", title="x", severity=Severity.LOW, confidence=Confidence.LOW,
                message="m", location=FileLocation(path=path, line=1))
    one = dataclasses.replace(report, findings=(f,), rules={})
    loc = validate(render(one))["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == uri
    assert ("uriBaseId" in loc["artifactLocation"]) == (not uri.startswith("file:"))
    assert unquote(uri).endswith(path.replace("\\", "/").removeprefix("./").rsplit("/", 1)[-1])


def test_empty_report_is_valid_sarif(report: Report) -> None:
    empty = dataclasses.replace(report, findings=(), stages=(), compliance=(), rules={})
    run = validate(render(empty))["runs"][0]
    assert run["results"] == [] and run["tool"]["driver"]["rules"] == []
    assert run["invocations"][0]["executionSuccessful"] is True
