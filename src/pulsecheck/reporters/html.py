"""A self-contained HTML page for auditors: summary cards, compliance matrix, findings, profile.

Rendered by jinja2 with autoescape on (a scanned repository is hostile input, and bandit's
HTML report shows what happens when only part of it is escaped). The page loads nothing
from outside, and its Content-Security-Policy allows only the page's own inline style and
script, pinned by hash: even a value that slipped past escaping could not run script.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import cache
from importlib.resources import files

import jinja2

from pulsecheck.model import FileLocation, Report
from pulsecheck.reporters.common import (
    SEVERITIES_DESC,
    count_by_stage,
    gdpr_articles,
    sorted_findings,
    stage_gaps,
    stage_notes,
    stage_reason,
    targets_line,
)
from pulsecheck.reporters.profile_view import profile_blocks
from pulsecheck.textsafe import one_line, terminal_safe

_TEMPLATES = files("pulsecheck.reporters").joinpath("templates")


def render(report: Report) -> str:
    style = _asset("report.css")
    script = _asset("report.js")
    findings = sorted_findings(report)
    counts = report.count_by_severity()
    fp_index = {f.fingerprint: i for i, f in enumerate(findings, 1)}
    return _environment().get_template("report.html.j2").render(
        report=report,
        target=targets_line(report),
        severities=[s.value for s in SEVERITIES_DESC],
        counts={s.value: counts[s] for s in SEVERITIES_DESC},
        by_stage=count_by_stage(report),
        stages=[
            {"name": s.name, "status": s.status, "duration": f"{s.duration_s:.2f}",
             "reason": stage_reason(s), "gaps": stage_gaps(s), "notes": len(stage_notes(s))}
            for s in report.stages
        ],
        findings=findings,
        file_commit=lambda f: f.location.commit if isinstance(f.location, FileLocation) else None,
        fp_index=fp_index,
        gdpr=gdpr_articles(report),
        blocks=profile_blocks(report.profile),
        style=style,
        script=script,
        csp=_csp(style, script),
    )


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda name: _TEMPLATES.joinpath(name).read_text("utf-8")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # Control characters (ESC, bidi overrides) are shown as visible escapes, never passed on.
    env.filters["safe_text"] = lambda value: terminal_safe(str(value))
    # Names and paths stay on one line: a newline in a file name is shown as \n.
    env.filters["line"] = lambda value: one_line(str(value))
    env.filters["css_token"] = lambda value: re.sub(r"[^a-z0-9-]", "-", str(value).lower())
    return env


@cache
def _asset(name: str) -> str:
    return _TEMPLATES.joinpath(name).read_text("utf-8")


def _csp(style: str, script: str) -> str:
    def digest(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"

    return (f"default-src 'none'; style-src {digest(style)}; script-src {digest(script)}; "
            "img-src data:; base-uri 'none'; form-action 'none'")
