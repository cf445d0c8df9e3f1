"""An aggregated finding lists every occurrence: an export of 12,000 SSNs is one finding whose
JSON and SARIF name 10,000 lines (and the total), so an engineer can find each one."""

from __future__ import annotations

import dataclasses
import json
import random
from pathlib import Path

import jsonschema

from pulsecheck.model import Report
from pulsecheck.reporters import json_format, sarif
from pulsecheck.stages.phi.scanfile import FileResult, scan_text_into
from pulsecheck.stages.phi.stage import findings_for

SARIF_SCHEMA = json.loads((Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json").read_text("utf-8"))


def export_report(report: Report) -> Report:
    rng = random.Random(7)
    rows = ["name,ssn,dob"] + [f"Pat{i} Doe,{rng.randint(100, 665):03d}-{rng.randint(10, 99)}-"
                               f"{rng.randint(1000, 9999)},1980-01-01" for i in range(12_000)]
    result = FileResult()
    scan_text_into(result, "\n".join(rows) + "\n", 1)
    (ssn,) = [f for f in findings_for("exports/patients.txt", result) if f.rule_id == "phi.ssn-in-file"]
    return dataclasses.replace(report, findings=(ssn,), rules={}, stages=report.stages[:1])


def test_json_lists_ten_thousand_occurrences_with_the_total(report: Report) -> None:
    data = json_format.load_report(json_format.render(export_report(report)))
    (finding,) = data["findings"]
    assert finding["occurrence_count"] == 12_000
    lines = [o["line"] for o in finding["occurrences"]]
    assert len(lines) == 10_000 and lines[:3] == [2, 3, 4] and lines[-1] == 10_001
    assert "exports/patients.txt" in finding["location"]["path"]


def test_sarif_related_locations_name_every_kept_line(report: Report) -> None:
    data = json.loads(sarif.render(export_report(report)))
    (result,) = data["runs"][0]["results"]
    related = result["relatedLocations"]
    result["relatedLocations"] = related[:50]  # the official schema validator needs minutes for 10,000
    jsonschema.Draft7Validator(SARIF_SCHEMA).validate(data)
    assert len(related) == 10_000 and result["properties"]["occurrence_count"] == 12_000
    assert related[0]["physicalLocation"]["region"]["startLine"] == 2
    assert related[0]["physicalLocation"]["artifactLocation"]["uri"] == "exports/patients.txt"
    assert related[-1]["message"]["text"] == "occurrence 10000 of 12000"
