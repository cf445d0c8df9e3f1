"""Helpers every format shares: ordering, counts and safe JSON text.

Kept here so that the five formats agree on what "the summary" of a report is: an auditor
comparing the HTML page with the SARIF upload must see the same numbers.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

from pulsecheck.model import Errored, Finding, Report, Severity, Skipped, StageResult

SEVERITIES_DESC: tuple[Severity, ...] = tuple(sorted(Severity, key=lambda s: -s.rank))
"""critical first: the order every format lists severities in."""

# json.dumps(ensure_ascii=False) escapes C0 controls but leaves C1 controls (U+009B is a CSI
# on some terminals) and bidi overrides raw; they can only occur inside JSON strings, where
# a \\uXXXX escape is equivalent, so `cat report.json` stays harmless.
_UNSAFE_IN_JSON = re.compile(r"[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def dumps(data: Any) -> str:
    """Readable JSON (UTF-8 kept) with every terminal-hostile character escaped."""
    text = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False)
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text) + "\n"


def sorted_findings(report: Report) -> list[Finding]:
    """Worst first, then by stage, rule and place: stable across runs."""
    return sorted(
        report.findings,
        key=lambda f: (-f.severity.rank, f.stage, f.rule_id, f.location.display(), f.fingerprint),
    )


def count_by_stage(report: Report) -> dict[str, int]:
    """Findings per stage, every stage that ran listed (zero included), then any other."""
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
    return getattr(stage.outcome, "notes", ())


def stage_gaps(stage: StageResult) -> tuple[str, ...]:
    return getattr(stage.outcome, "gaps", ())


def gdpr_articles(report: Report) -> dict[str, list[str]]:
    """GDPR article -> fingerprints of the findings that bear on it (articles sorted)."""
    out: dict[str, list[str]] = {}
    for f in report.findings:
        for article in f.gdpr:
            out.setdefault(article, []).append(f.fingerprint)
    return dict(sorted(out.items()))


def targets_line(report: Report) -> str:
    """One human line naming what was audited (not escaped: callers escape)."""
    parts = []
    if report.targets.path:
        parts.append(report.targets.path)
    parts.extend(report.targets.urls)
    parts.extend(report.targets.hosts)
    return ", ".join(parts) or "(no target)"
