"""The executive summary of the HTML report: the risk rating (and how it was computed), the
charts (inline SVG: nothing loaded, printable), and the top risks in plain words.

Everything here returns data or SVG markup built from numbers and our own words; text that came
from the scanned repository is escaped with :func:`html.escape` where it enters markup.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

from pulsecheck.model import Confidence, Finding, Report, Severity, StageResult
from pulsecheck.reporters.topfindings import top_rows
from pulsecheck.textsafe import one_line

SEVERITY_COLOURS = {"critical": "#7b1fa2", "high": "#c62828", "medium": "#ef6c00", "low": "#1565c0",
                    "info": "#546e7a"}
_ORDER = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO)
_TOP = 5

RATING_METHOD = (
    "The rating is the worst severity among the findings the scanner is at least moderately sure of "
    "(confidence medium or high); a low-confidence finding counts one level lower (a low-confidence "
    "critical counts as high). No finding at all rates \"none found\". When a stage errored or covered "
    "only part of its inputs, the rating is a lower bound: what was not scanned can only add risk."
)


@dataclass(frozen=True, slots=True)
class Rating:
    level: str
    """critical, high, medium, low, info or none."""
    lower_bound: bool
    why: str
    """The findings that set it, in one sentence."""
    incomplete: tuple[str, ...]
    """The stages that errored or were partial."""


def _effective(f: Finding) -> Severity:
    if f.confidence is Confidence.LOW and f.severity is not Severity.INFO:
        return _ORDER[_ORDER.index(f.severity) + 1]
    return f.severity


def risk_rating(report: Report) -> Rating:
    incomplete = tuple(f"{s.name} ({s.status})" for s in report.stages if s.status in ("errored", "partial"))
    counts = Counter(_effective(f) for f in report.findings)
    for sev in _ORDER:
        if counts[sev]:
            sure = sum(1 for f in report.findings if f.severity is sev and f.confidence is not Confidence.LOW)
            lowered = counts[sev] - sure
            why = f"{counts[sev]} finding(s) count as {sev.value}"
            if lowered:
                why += f" ({lowered} of them lowered from {_ORDER[_ORDER.index(sev) - 1].value} for low confidence)"
            return Rating(sev.value, bool(incomplete), why + ".", incomplete)
    return Rating("none", bool(incomplete), "No finding.", incomplete)


_PLAIN_BY_STAGE = {
    "phi": "Real patient data (names, birth dates, record numbers...) is stored in the code repository, where "
           "every developer, CI system and backup can read it, outside the protected database.",
    "secrets": "A password or access key is written into the code: anyone who can read the code, now or in "
               "its history, can use it to get into the system it protects.",
    "deps": "The app uses a third-party library with a publicly known security flaw that attackers have "
            "recipes for.",
    "iac": "The cloud or server set-up leaves a door open (public storage, unencrypted database, missing "
           "logs...), the kind of mistake behind most health-data breaches.",
    "sast": "The app's own code handles data unsafely: it can leak patient data or let an attacker in.",
    "dast": "The running app responded to a test attack: this weakness can be used from the internet today.",
    "recon": "A server exposes a service or an outdated encryption setting that should not be reachable.",
    "profile": "Patient identities and their medical records are kept together, so one breach exposes both.",
}
_PLAIN_BY_RULE = {
    "report.phi-to-processor-without-baa": "Patient data is sent to an outside company that will not sign the "
                                           "contract HIPAA requires (a business associate agreement).",
}


@dataclass(frozen=True, slots=True)
class PlainRisk:
    severity: str
    headline: str
    """What it is, in plain words (our own text)."""
    subjects: tuple[str, ...]
    """Where and what exactly, up to three (from the scan: escape them)."""
    more: int
    """Further rows of the same kind not named."""
    count: int
    """Findings the risk stands for."""


_SUBJECTS = 3


def top_risks(findings: Sequence[Finding]) -> list[PlainRisk]:
    """The five worst distinct risks in plain words: the top rows (grouped as the terminal's top
    findings, worst first) that say the same thing to a reader are one risk naming its places,
    so four leaked keys do not push the vulnerable library and the public bucket off the list."""
    firsts: dict[str, Finding] = {}
    for f in findings:
        firsts.setdefault(f.rule_id, f)
    risks: dict[str, tuple[str, list[str], int]] = {}
    for row in top_rows(findings):
        rule = "deps.vulnerable-package" if row.label.startswith("deps: ") else row.label
        first = firsts.get(rule)
        stage = first.stage if first else rule.split(".", 1)[0]
        headline = _PLAIN_BY_RULE.get(rule) or _PLAIN_BY_STAGE.get(stage) or (first.title if first else row.label)
        if headline not in risks:
            if len(risks) == _TOP:
                continue
            risks[headline] = (row.severity.value, [], 0)
        sev, subjects, count = risks[headline]
        subjects.append(row.subject)
        risks[headline] = (sev, subjects, count + row.count)
    return [PlainRisk(sev, headline, tuple(subjects[:_SUBJECTS]), max(0, len(subjects) - _SUBJECTS), count)
            for headline, (sev, subjects, count) in risks.items()]


def bar_chart(title: str, data: Mapping[str, int], colours: Mapping[str, str] | None = None,
              width: int = 360) -> str:
    """A horizontal bar chart as inline SVG (labels escaped; role=img with a text title)."""
    rows = list(data.items())
    bar_h, gap, label_w, num_w = 18, 6, 96, 48
    height = max(1, len(rows)) * (bar_h + gap) + gap
    top = max((v for _, v in rows), default=0) or 1
    span = width - label_w - num_w
    parts = [f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>']
    for i, (label, value) in enumerate(rows):
        y = gap + i * (bar_h + gap)
        w = round(span * value / top) if value else 0
        colour = (colours or {}).get(label, "#12303f")
        text = escape(one_line(label)[:24])
        parts.append(f'<text x="0" y="{y + 13}" class="lbl">{text}</text>'
                     f'<rect x="{label_w}" y="{y}" width="{max(w, 1) if value else 0}" height="{bar_h}" '
                     f'fill="{colour}" rx="3"/>'
                     f'<text x="{label_w + w + 6}" y="{y + 13}" class="val">{value}</text>')
    parts.append("</svg>")
    return "".join(parts)


def trend_chart(trend: Sequence[Mapping[str, object]], width: int = 560, height: int = 180) -> str:
    """Open findings by severity over the last audits: stacked columns, oldest left (inline SVG)."""
    runs = list(trend)[-20:]
    if not runs:
        return ""
    totals = [sum(_int(r.get("counts"), s.value) for s in _ORDER) for r in runs]
    top = max(totals) or 1
    left, bottom, plot_h = 40, 24, height - 34
    col_w = max(6, min(40, (width - left - 10) // len(runs) - 6))
    parts = [f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="Open findings by severity, last {len(runs)} '
             f'audits"><title>Open findings by severity, last {len(runs)} audits</title>'
             f'<line x1="{left}" y1="{height - bottom}" x2="{width}" y2="{height - bottom}" stroke="#99a"/>'
             f'<text x="0" y="14" class="val">{top}</text><text x="0" y="{height - bottom}" class="val">0</text>']
    for i, run in enumerate(runs):
        x = left + 6 + i * (col_w + 6)
        y = float(height - bottom)
        for sev in reversed(_ORDER):
            n = _int(run.get("counts"), sev.value)
            if not n:
                continue
            h = plot_h * n / top
            y -= h
            parts.append(f'<rect x="{x}" y="{y:.1f}" width="{col_w}" height="{h:.1f}" '
                         f'fill="{SEVERITY_COLOURS[sev.value]}"><title>{sev.value}: {n}</title></rect>')
        when = escape(str(run.get("finished_at") or "")[5:10])
        parts.append(f'<text x="{x}" y="{height - 8}" class="tick">{when}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _int(counts: object, key: str) -> int:
    if not isinstance(counts, Mapping):
        return 0
    value = counts.get(key, 0)
    return value if isinstance(value, int) and value >= 0 else 0


def stage_counts(stages: Sequence[StageResult], by_stage: Mapping[str, int]) -> dict[str, int]:
    """Findings per stage, every stage that ran listed (a stage with none shows 0)."""
    out = {s.name: by_stage.get(s.name, 0) for s in stages}
    for name, n in by_stage.items():
        out.setdefault(name, n)
    return out
