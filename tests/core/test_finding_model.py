"""The finding model: immutable and hashable, fingerprints that name one issue, evidence redacted."""

from __future__ import annotations

import dataclasses
import pickle

import pytest

from pulsecheck.model import (
    CodeRegion,
    Confidence,
    FileLocation,
    Finding,
    HttpExchange,
    HttpRequestExcerpt,
    HttpResponseExcerpt,
    Location,
    Occurrence,
    PortObservation,
    Severity,
    TextEvidence,
    UrlLocation,
)

SQLI_A = 'cursor.execute("SELECT * FROM patients WHERE id = " + request.args["id"])'
SQLI_B = 'db.execute(f"DELETE FROM visits WHERE note LIKE \'{q}\'")'


def finding(location: Location, rule: str = "sast.sql-injection", **kw: object) -> Finding:
    return Finding(rule_id=rule, stage=rule.split(".")[0], title="t", severity=Severity.HIGH,
                   confidence=Confidence.HIGH, message="m", location=location, **kw)  # type: ignore[arg-type]


def code(line: int, snippet: str, symbol: str = "views.search") -> Finding:
    return finding(FileLocation("app/views.py", line),
                   evidence=CodeRegion("app/views.py", line, line, snippet, symbol=symbol))


def test_finding_is_hashable_and_its_properties_are_frozen_deeply() -> None:
    f = finding(FileLocation("a.py", 1), rule="phi.ssn-in-file",
                properties={"lines": [1, 2, 3], "nested": {"ids": ["x"]}})
    assert isinstance(hash(f), int)
    assert {f, dataclasses.replace(f)} == {f}
    with pytest.raises(TypeError):
        f.properties["k"] = 1  # type: ignore[index]
    with pytest.raises(TypeError):
        f.properties["nested"]["ids"] = []
    assert f.properties["lines"] == (1, 2, 3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        f.message = "changed"  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(f)) == f  # the phi and secrets workers send findings between processes


def test_two_issues_of_one_rule_in_one_file_have_two_fingerprints() -> None:
    assert code(10, SQLI_A).fingerprint != code(200, SQLI_B).fingerprint


def test_an_issue_that_moves_ten_lines_keeps_its_fingerprint() -> None:
    moved = code(20, "    " + SQLI_A + "  ")  # re-indented and moved: the normalised snippet is the same
    assert code(10, SQLI_A).fingerprint == moved.fingerprint


def test_code_finding_without_identity_is_flagged_weak() -> None:
    weak = finding(FileLocation("app/views.py", 10))
    assert weak.identity_is_weak
    assert not finding(FileLocation("app/views.py", 10), identity="views.search").identity_is_weak
    assert not code(10, SQLI_A).identity_is_weak


def test_file_fingerprints_of_stages_that_pass_identity_are_unchanged() -> None:
    """Baselines in the wild hold these: rule + path + identity, as before the evidence union."""
    import hashlib
    f = finding(FileLocation("config/.env", 3), rule="secrets.aws-key", identity="abc123",
                evidence="AKIA…REDACTED")
    expected = hashlib.sha256(b"secrets.aws-key\x1ffile:config/.env\x1fabc123").hexdigest()[:32]
    assert f.fingerprint == expected


def test_one_idor_keeps_one_fingerprint_across_patient_ids() -> None:
    def idor(url: str, route: str | None = None) -> Finding:
        return finding(UrlLocation(url, "GET", parameter="id", route=route, parameter_in="path"),
                       rule="dast.idor")

    assert idor("http://127.0.0.1:8000/api/patients/2").fingerprint == \
        idor("http://127.0.0.1:8000/api/patients/3").fingerprint
    uuid_a = "http://127.0.0.1:8000/api/patients/0b5d5f0e-8f55-4a5c-9f4b-2b8c1c1f0a11/notes?page=1"
    uuid_b = "http://127.0.0.1:8000/api/patients/7e0c7a53-1d2b-4a77-8c4f-6f4b6c1f3e22/notes?page=9"
    assert idor(uuid_a).fingerprint == idor(uuid_b).fingerprint
    routed = [idor(f"http://127.0.0.1:8000/api/patients/{n}", route="/api/patients/{id}") for n in (2, 3)]
    assert routed[0].fingerprint == routed[1].fingerprint
    assert idor("http://127.0.0.1:8000/api/visits/2").fingerprint != routed[0].fingerprint


def test_occurrences_are_kept_up_to_ten_thousand_with_the_total() -> None:
    f = finding(FileLocation("export.csv", 2), rule="phi.ssn-in-file",
                occurrences=[Occurrence(line=n) for n in range(2, 12_002)], occurrence_count=12_000)
    assert len(f.occurrences) == 10_000 and f.occurrence_count == 12_000
    assert finding(FileLocation("a.py", 1)).occurrence_count == 1


def test_plain_string_evidence_becomes_text_evidence() -> None:
    f = finding(FileLocation("a.py", 1), rule="secrets.x", evidence="ghp_…REDACTED")
    assert isinstance(f.evidence, TextEvidence) and f.evidence == "ghp_…REDACTED"


def test_http_evidence_is_redacted_by_construction() -> None:
    ex = HttpExchange(
        request=HttpRequestExcerpt(
            "get", "http://u:hunter2@127.0.0.1:8000/api/patients/2?api_key=sk_live_1&page=2",
            headers=(("Authorization", "Bearer eyJhbGciOi.eyJzdWIiOiIx.sig"), ("Cookie", "session=abc; theme=dark"),
                     ("X-API-Key", "k-123456"), ("Accept", "application/json"))),
        response=HttpResponseExcerpt(
            200, headers=(("Set-Cookie", "session=zzz; HttpOnly; Path=/"),),
            body='{"id": 2, "name": "Jane Roe", "ssn": "123-45-6789", "mail": "jane@example.org", '
                 '"note": "' + "x" * 5000 + '"}'))
    text = repr(ex)
    for secret in ("hunter2", "sk_live_1", "eyJzdWIiOiIx", "abc", "dark", "k-123456", "zzz", "Jane Roe",
                   "123-45-6789", "jane@example.org"):
        assert secret not in text, secret
    assert ("Accept", "application/json") in ex.request.headers
    assert ex.request.headers[0] == ("Authorization", "Bearer …REDACTED")
    assert ex.response is not None and ex.response.headers[0][1].startswith("session=…REDACTED; HttpOnly")
    assert len(ex.response.body) < 1100 and "page=2" in ex.request.url
    banner = PortObservation("127.0.0.1", 5432, banner="ssn 123-45-6789 " + "b" * 1000)
    assert "123-45-6789" not in banner.banner and len(banner.banner) <= 200
