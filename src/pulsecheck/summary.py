"""What every view of a report agrees on: the order of findings and the counts.

Kept in the model layer (not in a reporter) so the JSON serializer, the five formats and the
history store compute "the summary" of a report one way: an auditor comparing the HTML page
with the SARIF upload or with last month's stored run must see the same numbers.
"""

from __future__ import annotations

from collections import Counter

from pulsecheck.model import ConfigEffect, Errored, Finding, Report, Severity, Skipped, StageResult

SEVERITIES_DESC: tuple[Severity, ...] = tuple(sorted(Severity, key=lambda s: -s.rank))
"""critical first: the order every format lists severities in."""


def sorted_findings(report: Report) -> list[Finding]:
    """Worst first, then by stage, rule and place: stable across runs."""
    return sorted(
        report.findings,
        key=lambda f: (-f.severity.rank, f.stage, f.rule_id, f.location.display(), f.fingerprint),
    )


def count_by_stage(report: Report) -> dict[str, int]:
    """Reported findings per stage, every stage that ran listed (zero included), then any other."""
    counts = Counter(f.stage for f in report.findings)
    out = {s.name: counts.pop(s.name, 0) for s in report.stages}
    out.update(sorted(counts.items()))
    return out


def stage_reason(stage: StageResult) -> str | None:
    """Why a stage did not complete (error or skip reason), or None."""
    if isinstance(stage.outcome, Errored | Skipped):
        return stage.outcome.reason
    return None


def stage_notes(stage: StageResult) -> tuple[str, ...]:
    notes: tuple[str, ...] = getattr(stage.outcome, "notes", ())
    return notes


def stage_gaps(stage: StageResult) -> tuple[str, ...]:
    gaps: tuple[str, ...] = getattr(stage.outcome, "gaps", ())
    return gaps


def gdpr_articles(report: Report) -> dict[str, list[Finding]]:
    """GDPR article -> the findings that bear on it (articles sorted, findings worst first)."""
    out: dict[str, list[Finding]] = {}
    for f in sorted_findings(report):
        for article in f.gdpr:
            out.setdefault(article, []).append(f)
    return dict(sorted(out.items()))


def targets_line(report: Report) -> str:
    """One human line naming what was audited (not escaped: callers escape)."""
    parts = []
    if report.targets.path:
        parts.append(report.targets.path)
    parts.extend(report.targets.urls)
    parts.extend(report.targets.hosts)
    return ", ".join(parts) or "(no target)"


def describe_effect(e: ConfigEffect) -> str:
    """One line naming a setting that narrowed the audit, where it came from and what it hid
    (not escaped: callers escape)."""
    hidden = f"hid {e.hidden} finding(s)" if e.hidden else "hid no finding"
    return f"{e.setting} = {e.value} (from {e.source}): {hidden}"
