"""The JSON report matches its shipped schema, and old reports keep validating."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from pulsecheck.model import Report
from pulsecheck.reporters.json_format import ReportFormatError, load_report, render, schema

GOLDEN = Path(__file__).parent / "golden"


def test_schema_is_valid_draft_2020_12() -> None:
    jsonschema.Draft202012Validator.check_schema(schema())


def test_report_validates_and_carries_every_part(report: Report) -> None:
    data = load_report(render(report))
    assert data["tool"] == {"name": "pulsecheck", "version": "0.1.0"}
    assert data["targets"] == {"path": "/srv/repo", "urls": ["http://127.0.0.1:8000"], "hosts": ["127.0.0.1"]}
    assert [s["status"] for s in data["stages"]] == ["completed", "partial", "completed", "completed",
                                                      "errored", "skipped"]
    sast = next(s for s in data["stages"] if s["name"] == "sast")
    assert sast["error"] == "parser crashed on app/config.py"
    iac = next(s for s in data["stages"] if s["name"] == "iac")
    assert iac["error"] is None and iac["notes"] == ["no IaC files under app/config.py"]
    assert data["summary"]["total"] == 6
    assert data["summary"]["by_severity"] == {"critical": 2, "high": 1, "medium": 1, "low": 1, "info": 1}
    assert data["summary"]["by_stage"]["sast"] == 2 and data["summary"]["by_stage"]["iac"] == 0
    assert data["suppressed"] == 2
    kinds = {tuple(sorted(f["location"])) for f in data["findings"]}
    assert ("host", "port", "protocol") in kinds and ("method", "parameter", "url") in kinds
    gap = data["compliance"]["hipaa"][0]
    assert gap["status"] == "gap" and len(gap["findings"]) == 2
    assert {f["fingerprint"] for f in data["findings"]} >= set(gap["findings"])
    assert data["compliance"]["gdpr"][0]["article"] == "Art. 32"
    assert data["profile"]["data_map"][0]["category"] == "PHI"
    # worst first
    assert [f["severity"] for f in data["findings"]][:2] == ["critical", "critical"]


def test_golden_old_report_still_validates() -> None:
    for path in sorted(GOLDEN.glob("report-*.json")):
        data = load_report(path.read_text("utf-8"))
        assert data["findings"], path


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (lambda d: d.pop("findings"), "(root)"),
        (lambda d: d["findings"][0].update(severity="urgent"), "findings/0/severity"),
        (lambda d: d["stages"][0].update(status="done"), "stages/0/status"),
        (lambda d: d.update(extra=1), "(root)"),
    ],
)
def test_load_report_rejects_bad_reports_with_one_line(report: Report, mutate, where: str) -> None:
    data = json.loads(render(report))
    mutate(data)
    with pytest.raises(ReportFormatError) as err:
        load_report(json.dumps(data))
    assert where in str(err.value) and "\n" not in str(err.value)


def test_load_report_rejects_non_json() -> None:
    with pytest.raises(ReportFormatError, match="not JSON"):
        load_report("<html>")
