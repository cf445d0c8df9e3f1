"""Every DAST class is found on the vulnerable twin of the test bed, nothing above low on the fixed one."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from pulsecheck.model import Severity, UrlLocation
from stages.dast.helpers import Bed, dast_result, rule_ids, run_dast

API_CLASSES = {
    "dast.sql-injection", "dast.bola", "dast.mass-assignment", "dast.jwt-alg-none", "dast.jwt-weak-hmac-key",
    "dast.xss-reflected", "dast.open-redirect", "dast.path-traversal", "dast.ssrf", "dast.nosql-injection",
    "dast.user-enumeration", "dast.exposed-env", "dast.exposed-git", "dast.stack-trace",
    "dast.cors-reflected-origin-credentials", "dast.cookie-no-secure", "dast.cookie-no-httponly",
    "dast.missing-csp", "dast.missing-frame-options", "dast.missing-content-type-options",
    "dast.server-version-disclosure", "dast.x-powered-by-disclosure", "dast.phi-unauthenticated",
    "dast.fhir-unauthenticated-read", "dast.fhir-compartment-leak", "dast.fhir-existence-oracle",
    "dast.smart-configuration", "dast.dom-xss-sink",
}


@pytest.fixture
def login_recipe(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("BED_USER", "alice@example.org")
    monkeypatch.setenv("BED_PASSWORD", "alice-pw")
    recipe = tmp_path / "login.toml"
    recipe.write_text('url = "/api/login"\n[fields]\nemail = "BED_USER"\npassword = { env = "BED_PASSWORD" }\n')
    return str(recipe)


def test_api_vulnerable_twin_every_class(api_vulnerable: Bed, login_recipe: str) -> None:
    report = run_dast(api_vulnerable.url, api_vulnerable.identities(), active=True, login=login_recipe)
    found = rule_ids(report)
    assert found >= API_CLASSES, sorted(API_CLASSES - found)
    by_rule = {f.rule_id: f for f in report.findings}
    sqli = by_rule["dast.sql-injection"]
    assert isinstance(sqli.location, UrlLocation) and sqli.location.parameter == "q"
    assert urlsplit(sqli.location.url).path == "/api/search"
    assert sqli.properties["http"]["curl"].startswith("curl ")
    assert "Bearer …REDACTED" in sqli.properties["http"]["curl"]
    bola = {f.location.method: f for f in report.findings if f.rule_id == "dast.bola"}  # type: ignore[union-attr]
    assert set(bola) == {"GET", "PATCH"}  # read and changed another user's note; one finding each
    assert all(f.location.route == "/api/notes/{note_id}" and f.properties["ids_tried"]  # type: ignore[union-attr]
               for f in bola.values())
    assert any(f.rule_id == "dast.user-enumeration" and f.location.route == "/api/password-reset"  # type: ignore[union-attr]
               for f in report.findings)
    assert by_rule["dast.cookie-no-secure"].location.method == "POST"  # type: ignore[union-attr]
    assert by_rule["dast.missing-csp"].properties["zap_id"] == "10038"
    for f in report.findings:  # evidence never carries a token or an SSN
        text = str(f.properties.get("http", ""))
        assert api_vulnerable.tokens["alice"] not in text and "900-14-2231" not in text


def test_api_fixed_twin_nothing_above_low(api_fixed: Bed, login_recipe: str) -> None:
    report = run_dast(api_fixed.url, api_fixed.identities(), active=True, login=login_recipe)
    above = [(f.rule_id, f.location.display()) for f in report.findings if f.severity > Severity.LOW]
    assert above == []
    assert dast_result(report).status == "completed"


def test_flask_twins(flask_vulnerable: Bed, flask_fixed: Bed) -> None:
    vulnerable = rule_ids(run_dast(flask_vulnerable.url, active=True))
    assert {"dast.ssti", "dast.os-command-injection", "dast.missing-csp"} <= vulnerable
    fixed = run_dast(flask_fixed.url, active=True)
    assert [f.rule_id for f in fixed.findings if f.severity > Severity.LOW] == []


def test_plain_http_server_twins(plain_vulnerable: Bed, plain_fixed: Bed, outside) -> None:  # type: ignore[no-untyped-def]
    vulnerable = rule_ids(run_dast(plain_vulnerable.url, active=True))
    assert {"dast.directory-listing", "dast.crlf-injection", "dast.server-version-disclosure"} <= vulnerable
    fixed = run_dast(plain_fixed.url, active=True)
    assert [f.rule_id for f in fixed.findings if f.severity > Severity.LOW] == []
    assert outside.hits == []  # the link and the redirect to another server were never followed
