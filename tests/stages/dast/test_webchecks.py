"""The shared passive library on real httpx responses: JSON is not HTML (no clickjacking or CSP
finding on an API answer), one finding per header per origin however many pages, ZAP ids,
stage-specific rule ids, redacted evidence."""

from __future__ import annotations

import httpx

from pulsecheck import webchecks
from pulsecheck.webchecks import ResponseContext, aggregate, passive_findings


def _response(url: str, status: int = 200, headers: dict[str, str] | None = None, **kw: object) -> httpx.Response:
    request = httpx.Request("GET", url, headers={"Authorization": "Bearer secret-token-value-123"})
    return httpx.Response(status, headers=headers or {}, request=request, **kw)  # type: ignore[arg-type]


def ids(findings: list) -> set[str]:  # type: ignore[type-arg]
    return {f.rule_id for f in findings}


def test_json_api_gets_no_frame_or_csp_finding() -> None:
    r = _response("https://app.test/api/x", json={"ok": True})
    found = ids(passive_findings(r, stage="dast"))
    assert "dast.missing-frame-options" not in found and "dast.missing-csp" not in found
    assert {"dast.missing-hsts", "dast.missing-content-type-options"} <= found


def test_html_page_without_headers() -> None:
    r = _response("https://app.test/", headers={"content-type": "text/html"}, text="<html><title>x</title></html>")
    found = ids(passive_findings(r, stage="recon"))
    assert {"recon.missing-csp", "recon.missing-frame-options", "recon.missing-hsts"} <= found


def test_secure_page_is_clean() -> None:
    headers = {"content-type": "text/html", "content-security-policy": "default-src 'self'; frame-ancestors 'none'",
               "strict-transport-security": "max-age=63072000", "x-content-type-options": "nosniff",
               "referrer-policy": "no-referrer", "permissions-policy": "camera=()", "cache-control": "no-store",
               "set-cookie": "sid=abc; Secure; HttpOnly; SameSite=Strict; Path=/"}
    r = _response("https://app.test/", headers=headers, text="<html></html>")
    assert passive_findings(r, stage="dast", context=ResponseContext(authenticated=True)) == []


def test_weak_csp_and_cookies_and_versions() -> None:
    headers = {"content-type": "text/html", "content-security-policy": "script-src 'self' 'unsafe-inline'",
               "set-cookie": "sid=abcdef; Path=/", "server": "nginx/1.18.0", "x-powered-by": "PHP/7.4"}
    found = ids(passive_findings(_response("http://app.test/", headers=headers, text="<html></html>"), stage="dast"))
    assert {"dast.weak-csp", "dast.cookie-no-secure", "dast.cookie-no-httponly", "dast.cookie-no-samesite",
            "dast.server-version-disclosure", "dast.x-powered-by-disclosure"} <= found
    assert "dast.missing-hsts" not in found  # plain HTTP: HSTS is meaningless there


def test_one_finding_per_header_per_origin_with_examples() -> None:
    pages = [_response(f"https://app.test/p/{i}", headers={"content-type": "text/html"}, text="<html></html>")
             for i in range(25)]
    merged = aggregate(f for r in pages for f in passive_findings(r, stage="dast"))
    csp = [f for f in merged if f.rule_id == "dast.missing-csp"]
    assert len(csp) == 1
    assert csp[0].occurrence_count == 25 and len(csp[0].properties["urls"]) == webchecks.MAX_URLS
    assert csp[0].properties["zap_id"] == "10038"
    assert "secret-token-value-123" not in str(csp[0].properties["http"])


def test_cors_reflection_needs_the_probe_origin_and_credentials() -> None:
    headers = {"access-control-allow-origin": "https://evil.invalid", "access-control-allow-credentials": "true"}
    r = _response("https://app.test/api", headers=headers, json={})
    assert "dast.cors-reflected-origin-credentials" in ids(
        passive_findings(r, stage="dast", context=ResponseContext(origin_probe="https://evil.invalid")))
    assert "dast.cors-reflected-origin-credentials" not in ids(passive_findings(r, stage="dast"))


def test_phi_to_unauthenticated_request_and_in_url() -> None:
    body = [{"given_name": "Amina831", "family_name": "Haddad412", "birth_date": "1961-03-14", "ssn": "123-45-6789"}]
    r = _response("https://app.test/api/patients?ssn=123-45-6789&q=a", json=body)
    found = passive_findings(r, stage="dast")
    assert {"dast.phi-unauthenticated", "dast.phi-in-url"} <= ids(found)
    url_hit = next(f for f in found if f.rule_id == "dast.phi-in-url")
    assert url_hit.location.parameter == "ssn"  # type: ignore[union-attr]
    assert "123-45-6789" not in str(url_hit.properties["http"])
    assert all("123-45-6789" not in f.location.url and "123-45-6789" not in str(f.properties)  # type: ignore[union-attr]
               for f in found)


def test_stack_trace_and_directory_listing() -> None:
    trace = _response("https://app.test/x", 500, headers={"content-type": "text/plain"},
                      text='Traceback (most recent call last):\n  File "app.py", line 3\nValueError: x')
    listing = _response("https://app.test/files/", headers={"content-type": "text/html"},
                        text="<html><head><title>Index of /files</title></head></html>")
    assert "dast.stack-trace" in ids(passive_findings(trace, stage="dast"))
    assert "dast.directory-listing" in ids(passive_findings(listing, stage="dast"))


def test_hostile_header_values_are_linear() -> None:
    headers = {"content-type": "text/html", "server": "a" * 200_000, "content-security-policy": ";" * 100_000}
    r = _response("https://app.test/", headers=headers, text="<" * 500_000)
    passive_findings(r, stage="dast")  # returns (bounded work), whatever it finds
