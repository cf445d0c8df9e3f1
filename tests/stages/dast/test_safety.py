"""The scan stays where it is pointed and within what it is allowed: scope (redirects, links),
methods (passive: GET/HEAD/OPTIONS plus the login; DELETE only with allow_destructive), the
request and time budgets, plan mode (nothing sent). The autouse socket guard of conftest makes
any connection off 127.0.0.1, and any DNS lookup, fail the test."""

from __future__ import annotations

from pulsecheck.model import Severity
from stages.dast.conftest import Recorder
from stages.dast.helpers import Bed, dast_result, rule_ids, run_dast


def test_out_of_scope_redirect_and_link_never_requested(plain_vulnerable: Bed, outside: Recorder,
                                                        socket_guard: list[str]) -> None:
    report = run_dast(plain_vulnerable.url)
    assert dast_result(report).status == "completed"
    assert outside.hits == []
    assert set(socket_guard) <= {"127.0.0.1"}


def test_passive_scan_sends_only_safe_methods_and_the_login(api_vulnerable: Bed, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("BED_PASSWORD", "alice-pw")
    recipe = tmp_path / "login.toml"
    recipe.write_text('url = "/api/login"\n[fields]\nemail = { file = "user" }\npassword = "BED_PASSWORD"\n')
    (tmp_path / "user").write_text("alice@example.org\n")
    report = run_dast(api_vulnerable.url, api_vulnerable.identities(), login=str(recipe))
    methods = {m for m, _ in api_vulnerable.methods}
    assert methods <= {"GET", "HEAD", "OPTIONS", "POST"}
    assert [p for m, p in api_vulnerable.methods if m == "POST"] == ["/api/login"]
    found = rule_ids(report)
    assert {"dast.cookie-no-secure", "dast.exposed-env", "dast.missing-csp"} <= found
    assert "dast.sql-injection" not in found and "dast.mass-assignment" not in found


def test_delete_only_with_allow_destructive(api_vulnerable: Bed) -> None:
    run_dast(api_vulnerable.url, api_vulnerable.identities(), active=True)
    assert not [p for m, p in api_vulnerable.methods if m == "DELETE"]
    api_vulnerable.methods.clear()
    report = run_dast(api_vulnerable.url, api_vulnerable.identities(), active=True, allow_destructive=True)
    deletes = [p for m, p in api_vulnerable.methods if m == "DELETE"]
    assert deletes and all(p.startswith("/api/notes/") for p in deletes)
    assert any(f.rule_id == "dast.bola" and f.location.method == "DELETE" for f in report.findings)  # type: ignore[union-attr]


def test_fixed_twin_allows_no_cross_user_delete(api_fixed: Bed) -> None:
    report = run_dast(api_fixed.url, api_fixed.identities(), active=True, allow_destructive=True)
    assert [f.rule_id for f in report.findings if f.severity > Severity.LOW] == []


def test_request_budget_stops_the_scan(api_vulnerable: Bed) -> None:
    report = run_dast(api_vulnerable.url, api_vulnerable.identities(), active=True, max_requests=15)
    result = dast_result(report)
    assert len(api_vulnerable.methods) <= 15
    assert result.status == "partial"
    assert any("request budget (15)" in g for g in result.outcome.gaps)
    facts = result.outcome.facts["targets"][0]
    assert facts["requests"] == 15


def test_time_budget_stops_the_scan(api_vulnerable: Bed) -> None:
    report = run_dast(api_vulnerable.url, api_vulnerable.identities(), active=True, per_second=10.0, max_seconds=1.0)
    result = dast_result(report)
    assert result.status == "partial"
    assert any("time budget (1 s)" in g for g in result.outcome.gaps)
    assert len(api_vulnerable.methods) <= 11  # 10 per second for one second, the first one at once


def test_plan_sends_nothing(api_vulnerable: Bed, tmp_path) -> None:  # type: ignore[no-untyped-def]
    spec = tmp_path / "spec.json"
    spec.write_text('{"openapi": "3.0.0", "paths": {"/api/notes": {"get": {}, "post": {}},'
                    ' "/api/notes/{id}": {"delete": {}}}}')
    report = run_dast(api_vulnerable.url, api_vulnerable.identities(), plan=True, openapi=str(spec))
    assert api_vulnerable.methods == []
    plan = dast_result(report).outcome.facts["plan"]
    assert f"GET {api_vulnerable.url}/api/notes" in plan
    assert f"GET {api_vulnerable.url}/.env" in plan
    assert not any(p.startswith(("POST", "DELETE")) for p in plan)
    assert report.findings == ()


def test_unverifiable_identity_is_a_gap(api_vulnerable: Bed) -> None:
    from pulsecheck.targets import Identity

    report = run_dast(api_vulnerable.url, (Identity.bearer("stale", "not-a-token"),))
    result = dast_result(report)
    assert result.status == "partial"
    assert any("stale: authentication could not be verified" in g for g in result.outcome.gaps)
