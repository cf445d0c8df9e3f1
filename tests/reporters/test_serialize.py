"""The model-layer serializer: a report survives JSON both ways, and old reports still read."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from pulsecheck.model import (
    CodeRegion,
    ConfigEffect,
    FileLocation,
    Finding,
    HttpExchange,
    HttpRequestExcerpt,
    HttpResponseExcerpt,
    Occurrence,
    Report,
    TlsObservation,
    UrlLocation,
)
from pulsecheck.reporters.json_format import load_report, render
from pulsecheck.serialize import report_from_dict, report_to_dict

GOLDEN = Path(__file__).parent / "golden"


def rich_report(report: Report) -> Report:
    base = report.findings[0]
    extra = (
        dataclasses.replace(base, rule_id="phi.ssn-in-file", stage="phi", identity="ssn",
                            location=FileLocation("exports/patients.csv", 2),
                            occurrences=tuple(Occurrence(line=n) for n in range(2, 10_002)),
                            occurrence_count=10_000),
        dataclasses.replace(base, rule_id="dast.idor", stage="dast",
                            location=UrlLocation("http://127.0.0.1:8000/api/patients/2", parameter="id",
                                                 route="/api/patients/{id}", parameter_in="path"),
                            evidence=HttpExchange(HttpRequestExcerpt("GET", "http://127.0.0.1:8000/api/patients/2"),
                                                  HttpResponseExcerpt(200, body='{"name": "Jane"}'))),
        dataclasses.replace(base, rule_id="sast.sqli", stage="sast", identity="",
                            evidence=CodeRegion("app/views.py", 10, 11, "cursor.execute(q + x)", "views.f")),
        dataclasses.replace(base, rule_id="recon.tls", stage="recon", identity="",
                            evidence=TlsObservation("127.0.0.1", 8443, protocol="TLSv1.0")),
    )
    return dataclasses.replace(
        report, findings=report.findings + extra, target_revision="c" * 40, settings_digest="d1",
        databases={"osv": {"path": "/cache/osv.sqlite", "ecosystems": ["PyPI"]}},
        config_effects=(ConfigEffect("disabled-rule", "rules.disable", "secrets.*",
                                     "pulsecheck.toml (repository)", hidden=3),))


def test_report_round_trips_through_the_serializer(report: Report) -> None:
    original = rich_report(report)
    data = json.loads(render(original))  # what is written to disk
    back = report_from_dict(load_report(json.dumps(data)))
    assert report_to_dict(back) == data
    assert back.run_id == original.run_id and back.target_revision == "c" * 40
    assert [f.fingerprint for f in back.findings] == [f.fingerprint for f in sorted(
        original.findings, key=lambda f: (-f.severity.rank, f.stage, f.rule_id, f.location.display(),
                                          f.fingerprint))]
    by_rule = {f.rule_id: f for f in back.findings}
    assert by_rule["phi.ssn-in-file"].occurrence_count == 10_000
    assert len(by_rule["phi.ssn-in-file"].occurrences) == 10_000
    assert isinstance(by_rule["dast.idor"].evidence, HttpExchange)
    assert isinstance(by_rule["sast.sqli"].evidence, CodeRegion)
    assert back.config_effects == original.config_effects
    assert {hash(f) for f in back.findings}  # read-back findings are hashable too


def test_identity_material_is_never_written(report: Report) -> None:
    """For secrets the identity is a salted hash of the value: it stays out of the report."""
    text = render(report)
    assert '"identity"' not in text and "h1" not in json.loads(text)["findings"][0].values()


def test_golden_old_report_parses_into_a_report() -> None:
    for path in sorted(GOLDEN.glob("report-*.json")):
        data = load_report(path.read_text("utf-8"))
        back = report_from_dict(data)
        assert back.findings and back.findings[0].fingerprint == data["findings"][0]["fingerprint"], path
        assert all(isinstance(f, Finding) for f in back.findings)
        assert load_report(json.dumps(report_to_dict(back)))["schema_version"] == "1.1"
