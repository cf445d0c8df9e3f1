"""An auditor-readable Markdown report (renders on GitHub, GitLab and in any viewer).

Order follows how an auditor reads: what was audited and how complete the audit was (stages,
and settings that narrowed it), every finding worst first with its fix and mapping, then the
HIPAA safeguards and GDPR articles they bear on, then the application profile. Every
repo-derived string goes through ``mdtext.md`` (no markup, no autolinks).
"""

from __future__ import annotations

from pulsecheck.model import FileLocation, Finding, Report
from pulsecheck.reporters.common import (
    SEVERITIES_DESC,
    count_by_stage,
    gdpr_articles,
    sorted_findings,
    stage_gaps,
    stage_notes,
    stage_reason,
)
from pulsecheck.reporters.mdtext import md, md_lines
from pulsecheck.reporters.profile_view import profile_blocks
from pulsecheck.textsafe import escape_surrogates

_STATUS = {"gap": "Gap found", "no-finding": "No finding", "partially-assessed": "Partially assessed",
           "not-assessed": "Not assessed"}


def render(report: Report) -> str:
    out: list[str] = ["# pulsecheck security audit report", ""]
    out += _header(report)
    out += _summary(report)
    out += _stages(report)
    out += _effects(report)
    out += _findings(report)
    out += _compliance(report)
    out += _profile(report)
    if report.warnings:
        out += ["## Warnings", ""] + [f"- {md(w)}" for w in report.warnings] + [""]
    return escape_surrogates("\n".join(out).rstrip("\n") + "\n")


def _effects(report: Report) -> list[str]:
    if not report.config_effects:
        return []
    out = ["## Settings that narrowed this audit", "",
           "| Setting | Value | Source | Findings hidden |", "| --- | --- | --- | ---: |"]
    out += [f"| {md(e.setting)} | {md(e.value)} | {md(e.source)} | {e.hidden} |" for e in report.config_effects]
    return out + [""]


def _header(report: Report) -> list[str]:
    t = report.targets
    rows = [("Tool", f"pulsecheck {report.tool_version}")]
    if t.path:
        rows.append(("Repository", t.path))
    rows += [("URL", u) for u in t.urls] + [("Host", h) for h in t.hosts]
    rows += [("Started", report.started_at.isoformat(timespec="seconds")),
             ("Finished", report.finished_at.isoformat(timespec="seconds"))]
    return ["| | |", "| --- | --- |", *(f"| {k} | {md(v)} |" for k, v in rows), ""]


def _summary(report: Report) -> list[str]:
    counts = report.count_by_severity()
    out = ["## Summary", "", "| Severity | Findings |", "| --- | ---: |"]
    out += [f"| {s.value.capitalize()} | {counts[s]} |" for s in SEVERITIES_DESC]
    out += [f"| **Total** | **{len(report.findings)}** |", "",
            f"Suppressed (baseline or inline ignore): {report.suppressed}", ""]
    return out


def _stages(report: Report) -> list[str]:
    if not report.stages:
        return ["## Stages", "", "No stage ran.", ""]
    by_stage = count_by_stage(report)
    out = ["## Stages", "", "| Stage | Status | Duration | Findings | Details |", "| --- | --- | ---: | ---: | --- |"]
    for s in report.stages:
        details = []
        reason = stage_reason(s)
        if reason:
            details.append(("Error: " if s.status == "errored" else "Skipped: ") + md(reason))
        details += [f"Gap: {md(g)}" for g in stage_gaps(s)]
        if stage_notes(s):
            details.append(f"{len(stage_notes(s))} input(s) skipped on purpose")
        out.append(f"| {md(s.name)} | {s.status} | {s.duration_s:.2f} s | {by_stage.get(s.name, 0)} | "
                   f"{'<br>'.join(details)} |")
    return out + [""]


def _compliance(report: Report) -> list[str]:
    out: list[str] = []
    if report.compliance:
        out += ["## HIPAA Security Rule safeguards", "",
                "| Section | Standard | Implementation specification | Status | Findings |",
                "| --- | --- | --- | --- | ---: |"]
        out += [f"| {md(c.section)} | {md(c.standard)} | {md(c.implementation_spec)} | "
                f"{_STATUS.get(c.status, md(c.status))} | {c.finding_count or len(c.fingerprints)} |"
                for c in report.compliance]
        out.append("")
    gdpr = gdpr_articles(report)
    if gdpr:
        out += ["## GDPR articles", "", "| Article | Findings |", "| --- | ---: |"]
        out += [f"| {md(a)} | {len(fs)} |" for a, fs in gdpr.items()] + [""]
    return out


def _findings(report: Report) -> list[str]:
    findings = sorted_findings(report)
    out = ["## Findings", ""]
    if not findings:
        return out + ["No finding.", ""]
    for sev in SEVERITIES_DESC:
        group = [f for f in findings if f.severity == sev]
        if not group:
            continue
        out += [f"### {sev.value.capitalize()} ({len(group)})", ""]
        for i, f in enumerate(group, 1):
            out += _finding(f, f"{sev.value[0].upper()}{i}")
    return out


def _finding(f: Finding, ref: str) -> list[str]:
    out = [f"#### {ref}. {md(f.title)}", "",
           f"- **Severity:** {f.severity.value} · **Confidence:** {f.confidence.value}",
           f"- **Rule:** {md(f.rule_id)} ({md(f.stage)})",
           f"- **Location:** {md(f.location.display())}"]
    if isinstance(f.location, FileLocation) and f.location.commit:
        out.append(f"- **Commit:** {md(f.location.commit)}")
    out.append(f"- **Message:** {md_lines(f.message)}")
    if f.evidence.summary():
        out.append(f"- **Evidence:** {md(f.evidence.summary())}")
    if f.occurrences:
        places = ", ".join(_place(o.line, o.commit) for o in f.occurrences[:_PLACES])
        more = f" and {f.occurrence_count - _PLACES} more (every one in the JSON and SARIF reports)" \
            if f.occurrence_count > _PLACES else ""
        out.append(f"- **Occurrences ({f.occurrence_count}):** {md(places)}{more}")
    for label, values in (("CWE", f.cwe), ("OWASP", f.owasp), ("HIPAA", f.hipaa), ("GDPR", f.gdpr)):
        if values:
            out.append(f"- **{label}:** {md(', '.join(values))}")
    if f.remediation:
        out.append(f"- **Remediation:** {md_lines(f.remediation)}")
    out += [f"- **Fingerprint:** {f.fingerprint}", ""]
    return out


_PLACES = 20


def _place(line: int | None, commit: str | None) -> str:
    where = "?" if line is None else str(line)
    return f"{where}@{commit[:10]}" if commit else where


def _profile(report: Report) -> list[str]:
    blocks = profile_blocks(report.profile)
    if not blocks:
        return []
    out = ["## Application profile", ""]
    for b in blocks:
        out += [f"### {md(b.title)}", ""]
        if b.is_table:
            out += ["| " + " | ".join(md(c) for c in b.columns) + " |",
                    "|" + " --- |" * len(b.columns)]
            out += ["| " + " | ".join(md(v) for v in row) + " |" for row in b.rows]
            if b.omitted:
                out += ["", f"... and {b.omitted} more row(s) (see the JSON report)"]
        else:
            out += [f"- **{md(k)}:** {md(v)}" for k, v in b.fields]
        out.append("")
    return out
