"""The plain-text summary the CLI prints to stderr after an audit.

Plain on purpose: it must read the same in a CI log as in a terminal. Every string that
came from the scanned repository (paths, messages, stage errors) goes through
``textsafe.one_line`` so a file named ``\\x1b]0;pwned\\x07.py`` cannot retitle or recolour
the user's terminal or forge extra lines.
"""

from __future__ import annotations

from pulsecheck.model import Report
from pulsecheck.reporters.common import (
    SEVERITIES_DESC,
    count_by_stage,
    describe_effect,
    sorted_findings,
    stage_gaps,
    stage_notes,
    stage_reason,
    targets_line,
)
from pulsecheck.reporters.topfindings import top_rows
from pulsecheck.textsafe import escape_surrogates, one_line

TOP = 15
"""Findings listed in full; the rest are counted (the files hold them all)."""

_WIDTH = 100


def render(report: Report) -> str:
    lines = [
        f"pulsecheck {one_line(report.tool_version)}: audit of {_clip(targets_line(report))}",
        _totals(report),
        "",
        "Stages:",
        *_stage_lines(report),
    ]
    findings = sorted_findings(report)
    if findings:
        rows = top_rows(findings)
        top = rows[:TOP]
        lines += ["", "Top findings:"]
        sev_w = max(len(r.severity.value) for r in top)
        label_w = min(40, max(len(one_line(r.label)) for r in top))
        for r in top:
            lines.append(
                f"  {r.severity.value.upper():<{sev_w}}  {r.confidence.value:<6}  {_clip(r.label, 40):<{label_w}}  "
                f"{_clip_middle(r.subject, 110)}"
            )
        shown = sum(r.count for r in top)
        if len(findings) > shown:
            lines.append(f"  ... and {len(findings) - shown} more (see the written report)")
    gaps = [c for c in report.compliance if c.status == "gap"]
    if gaps:
        lines += ["", "HIPAA safeguards with gaps:"]
        for c in gaps:
            name = " - ".join(p for p in (c.standard, c.implementation_spec) if p)
            lines.append(f"  {one_line(c.section)}  {_clip(name, 70)}: "
                         f"{c.finding_count or len(c.fingerprints)} finding(s)")
    partial = sum(1 for c in report.compliance if c.status == "partially-assessed")
    if partial:
        lines.append(f"  ({partial} safeguard(s) only partially assessed: a stage that checks them did not complete)")
    not_assessed = sum(1 for c in report.compliance if c.status == "not-assessed")
    if not_assessed:
        lines.append(f"  ({not_assessed} safeguard(s) not assessed by any enabled stage)")
    inputs = report.inputs
    if inputs.get("files_indexed") is not None:
        history = inputs.get("history") or {}
        read = f"Inputs: {inputs['files_indexed']} files indexed, {inputs.get('skipped_count', 0)} not scanned"
        if history.get("state") == "scanned":
            read += f"; history: {history.get('commits', 0)} commits"
            if history.get("skipped_commits") or history.get("skipped_files"):
                read += f" ({history.get('skipped_commits', 0)} commits, {history.get('skipped_files', 0)} files unreadable)"
        lines += ["", _clip(read + " (details in the JSON report)", 2 * _WIDTH)]
    if report.config_effects:
        lines += ["", "Settings that narrowed this audit:"]
        lines += [f"  - {_clip(describe_effect(e), 2 * _WIDTH)}" for e in report.config_effects]
    if report.warnings:
        lines += ["", "Warnings:"]
        lines += [f"  - {_clip(w, _WIDTH)}" for w in report.warnings]
    return escape_surrogates("\n".join(lines) + "\n")


def _totals(report: Report) -> str:
    counts = report.count_by_severity()
    by_sev = ", ".join(f"{s.value} {counts[s]}" for s in SEVERITIES_DESC)
    by_stage = ", ".join(f"{one_line(k)} {v}" for k, v in count_by_stage(report).items())
    text = f"Findings: {len(report.findings)} ({by_sev})"
    if by_stage:
        text += f"\nBy stage: {by_stage}"
    return text + f"\nSuppressed: {report.suppressed}"


def _stage_lines(report: Report) -> list[str]:
    if not report.stages:
        return ["  (no stage ran)"]
    width = max(len(s.name) for s in report.stages)
    counts = count_by_stage(report)  # reported findings: the number every other section shows
    out = []
    for s in report.stages:
        line = (f"  {one_line(s.name):<{width}}  {s.status:<9}  {s.duration_s:7.2f}s  "
                f"{counts.get(s.name, 0):>4} finding(s)")
        reason = stage_reason(s)
        if reason:
            label = "error" if s.status == "errored" else "reason"
            line += f"\n      {label}: {_clip(reason, 2 * _WIDTH)}"
        for gap in stage_gaps(s)[:5]:
            line += f"\n      gap: {_clip(gap, 2 * _WIDTH)}"
        if len(stage_gaps(s)) > 5:
            line += f"\n      ... and {len(stage_gaps(s)) - 5} more gap(s)"
        if stage_notes(s):
            line += f"\n      {len(stage_notes(s))} input(s) skipped on purpose (listed in the JSON report)"
        out.append(line)
    return out


def _clip(text: str, limit: int = _WIDTH) -> str:
    """Escaped and cut to ``limit`` characters so one hostile value cannot flood the log."""
    safe = one_line(text)
    return safe if len(safe) <= limit else safe[: limit - 3] + "..."


def _clip_middle(text: str, limit: int) -> str:
    """Like _clip but cuts the middle: a path keeps its root and its file name and line,
    a URL its method and its endpoint."""
    safe = one_line(text)
    if len(safe) <= limit:
        return safe
    head = (limit - 3) // 3
    return safe[:head] + "..." + safe[-(limit - 3 - head):]
