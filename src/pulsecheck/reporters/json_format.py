"""The machine-readable report: the Finding JSON of ARCHITECTURE.md wrapped in run metadata.

The JSON form itself lives in :mod:`pulsecheck.serialize` (model layer, both directions); this
module renders it and validates reports read back. Its shape is fixed by
``schemas/report.schema.json`` (strict, versioned): benchmarks, the history store and users'
own tooling read it, so a field is only ever added, never renamed.
``load_report`` is the one way to read a report back, and it validates first.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any

from pulsecheck.model import Report
from pulsecheck.reporters.common import dumps
from pulsecheck.serialize import SCHEMA_VERSION, report_to_dict

__all__ = ["SCHEMA_VERSION", "ReportFormatError", "load_report", "render", "schema", "to_dict"]


def to_dict(report: Report) -> dict[str, Any]:
    """The report as plain JSON data (:func:`pulsecheck.serialize.report_to_dict`)."""
    return report_to_dict(report)


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
