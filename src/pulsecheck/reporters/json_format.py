"""The machine-readable report: the Finding JSON of ARCHITECTURE.md wrapped in run metadata.

Its shape is fixed by ``schemas/report.schema.json`` (strict, versioned): benchmarks, the
history store and users' own tooling read it, so a field is only ever added, never renamed.
``load_report`` is the one way to read a report back, and it validates first.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any

from pulsecheck.model import Report
from pulsecheck.reporters.common import (
    SEVERITIES_DESC,
    count_by_stage,
    dumps,
    gdpr_articles,
    sorted_findings,
    stage_gaps,
    stage_notes,
    stage_reason,
)

SCHEMA_VERSION = "1.0"
"""Major bumps on an incompatible change; minor when a field is added."""


def to_dict(report: Report) -> dict[str, Any]:
    """The report as plain JSON data (what ``render`` serialises)."""
    by_severity = report.count_by_severity()
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "pulsecheck", "version": report.tool_version},
        "targets": {
            "path": report.targets.path,
            "urls": list(report.targets.urls),
            "hosts": list(report.targets.hosts),
        },
        "started_at": report.started_at.isoformat(),
        "finished_at": report.finished_at.isoformat(),
        "stages": [
            {
                "name": s.name,
                "status": s.status,
                "duration_s": round(s.duration_s, 3),
                "error": stage_reason(s) if s.status == "errored" else None,
                # A skip reason is a note: the stage chose not to look, nothing failed.
                "notes": ([r] if s.status == "skipped" and (r := stage_reason(s)) else [])
                + list(stage_notes(s)),
                "gaps": list(stage_gaps(s)),
            }
            for s in report.stages
        ],
        "profile": dict(report.profile),
        "findings": [f.to_json() for f in sorted_findings(report)],
        "suppressed": report.suppressed,
        "compliance": {
            "hipaa": [
                {
                    "section": c.section,
                    "standard": c.standard,
                    "implementation_spec": c.implementation_spec,
                    "status": c.status,
                    "findings": list(c.fingerprints),
                }
                for c in report.compliance
            ],
            "gdpr": [{"article": a, "findings": fps} for a, fps in gdpr_articles(report).items()],
        },
        "summary": {
            "total": len(report.findings),
            "by_severity": {s.value: by_severity[s] for s in SEVERITIES_DESC},
            "by_stage": count_by_stage(report),
        },
        "warnings": list(report.warnings),
    }


def render(report: Report) -> str:
    return dumps(to_dict(report))


@cache
def schema() -> dict[str, Any]:
    """The report JSON Schema shipped with the package (draft 2020-12)."""
    text = files("pulsecheck.reporters").joinpath("schemas/report.schema.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


class ReportFormatError(ValueError):
    """A report file that is not JSON or does not match the schema."""


def load_report(text: str) -> dict[str, Any]:
    """Parse and validate a JSON report; raise ReportFormatError with one clear line if bad."""
    import jsonschema  # only needed when reading reports back

    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReportFormatError(f"not JSON: {exc}") from None
    validator = jsonschema.Draft202012Validator(schema())
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
        raise ReportFormatError(f"not a pulsecheck report: at {where}: {error.message[:200]}")
    if not isinstance(data, dict):  # the schema requires an object; this satisfies mypy
        raise ReportFormatError("not a pulsecheck report: top level is not an object")
    return data
