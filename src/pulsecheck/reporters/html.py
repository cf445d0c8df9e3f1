"""A self-contained HTML page a CTO can forward and an engineer can fix from.

Sections, in order: the executive summary (risk rating with its method, severity and stage
charts as inline SVG, the top five risks in plain words); the app profile and data map; the
third-party processors and the agreements they need; the findings grouped by stage then rule,
with offline filters; the HIPAA, GDPR and OWASP Top 10 tables; the OWASP checklist; the
history trend; the stages with their (collapsed) notes; the command, settings and version.

What a rule means (CWE, OWASP, HIPAA, GDPR, why it matters for health data, the fix,
references) is said once per rule group, and each finding is one compact row whose details
(evidence, data-flow path, HTTP exchange and curl, occurrences, age) fold out, so 5,000
findings stay under 2 MB. The compliance tables count findings and link to the rule groups,
never to thousands of single findings; every count is the same number everywhere.

Rendered by jinja2 with autoescape on (a scanned repository is hostile input, and bandit's
HTML report shows what happens when only part of it is escaped). The page loads nothing
from outside, and its Content-Security-Policy allows only the page's own inline style and
script, pinned by hash: even a value that slipped past escaping could not run script.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files

import jinja2

from pulsecheck.agreements import AgreementRow
from pulsecheck.model import FileLocation, Finding, Report
from pulsecheck.reporters import html_sections as sections
from pulsecheck.reporters import html_summary as summary
from pulsecheck.reporters.common import (
    SEVERITIES_DESC,
    count_by_stage,
    describe_effect,
    gdpr_articles,
    sorted_findings,
    stage_gaps,
    stage_notes,
    stage_reason,
    targets_line,
)
from pulsecheck.reporters.profile_view import profile_blocks
from pulsecheck.textsafe import escape_surrogates, one_line, terminal_safe

_PLACES = 20
"""Occurrences listed per finding on the page (the JSON and SARIF reports list them all)."""
_PAGE_BUDGET = 1_750_000
"""Bytes the finding rows may take together: a message longer than its share is cut on the page
(the JSON report has it whole), so even 5,000 findings with long messages stay under 2 MB."""
_ROW_MARKUP = 235
"""Bytes of a finding row besides its location, evidence, message and details (measured)."""
_FINGERPRINTS_UP_TO = 1000
"""Rows on a page that still show each fingerprint (a larger page points to the JSON report)."""
_PRINT_DETAILS_UP_TO = 500
"""Rows whose details (evidence, path, occurrences) a printed page unfolds; a larger report prints
one line per finding (what each rule means is printed either way), so its PDF stays printable."""
_FLOW_STEPS = 30
"""Data-flow steps shown per finding (SARIF has the whole path)."""
_HTTP_BYTES = 4096
"""Request, response and curl are bounded by the stages (4 KB each); kept so here too."""


@dataclass
class RuleGroup:
    """The findings of one rule, with what they share said once."""

    anchor: str
    rule_id: str
    title: str
    findings: list[tuple[int, Finding]] = field(default_factory=list)
    """(number on the page, finding); one row per fingerprint, its repeats in ``repeats``."""
    repeats: dict[str, list[Finding]] = field(default_factory=dict)
    """Fingerprint -> every finding it stands for (one file's PHI in several commits)."""
    row_fingerprint: dict[int, str] = field(default_factory=dict)
    """id() of a row's finding -> its fingerprint (computed once: it is a hash)."""
    count: int = 0
    cwe: tuple[str, ...] = ()
    owasp: tuple[str, ...] = ()
    hipaa: tuple[str, ...] = ()
    gdpr: tuple[str, ...] = ()
    remediation: str = ""


def group_by_rule(findings: Sequence[Finding]) -> list[RuleGroup]:
    """Groups in the order of their worst finding; rows numbered 1..N in page order; findings
    that share a fingerprint (one issue seen in several commits) are one row naming each commit."""
    groups: dict[str, RuleGroup] = {}
    for f in findings:
        g = groups.get(f.rule_id)
        if g is None:
            g = groups[f.rule_id] = RuleGroup(anchor=f"r-{len(groups) + 1}", rule_id=f.rule_id, title=f.title,
                                             remediation=f.remediation)
        g.count += 1
        fingerprint = f.fingerprint
        same = g.repeats.setdefault(fingerprint, [])
        same.append(f)
        if len(same) == 1:
            g.row_fingerprint[id(f)] = fingerprint
            g.findings.append((0, f))
        for name in ("cwe", "owasp", "hipaa", "gdpr"):
            setattr(g, name, tuple(dict.fromkeys((*getattr(g, name), *getattr(f, name)))))
    n = 0
    for g in groups.values():
        numbered = []
        for _, f in g.findings:
            n += 1
            numbered.append((n, f))
        g.findings = numbered
    return list(groups.values())


def _message_limit(rows: Sequence[Finding], extra: Callable[[Finding], int] | None = None) -> int:
    """The longest message a row may show so all rows fit the page budget: none is cut when
    they fit; otherwise only the longest are, all to one length (at least 60 characters)."""
    extra = extra or _extra_bytes
    fixed = sum(_ROW_MARKUP + len(f.location.display()) + len(f.evidence.summary()) + extra(f) for f in rows)
    lengths = sorted(len(f.message) for f in rows)
    room = _PAGE_BUDGET - fixed
    if sum(lengths) <= room:
        return max(lengths, default=0) + 1
    low, high = 60, max(lengths, default=60)
    while low < high:  # the largest limit whose cut messages still fit
        mid = (low + high + 1) // 2
        if sum(min(n, mid) for n in lengths) <= room:
            low = mid
        else:
            high = mid - 1
    return low


def _extra_bytes(f: Finding, flow: list[dict[str, str]] | None = None, hx: dict[str, str] | None = None) -> int:
    """What a row's details take besides its message: occurrences, data-flow steps, HTTP exchange."""
    n = 12 * min(f.occurrence_count, _PLACES) if f.occurrences else 0
    n += sum(40 + len(s["where"]) + len(s["note"]) for s in (_flow(f) if flow is None else flow))
    hx = _http(f) if hx is None else hx
    return n + (sum(len(v) for v in hx.values()) + 90 if hx else 0)


def file_commit(f: Finding) -> str | None:
    return f.location.commit if isinstance(f.location, FileLocation) else None


def _links(findings: Sequence[Finding], anchors: dict[str, RuleGroup]) -> list[tuple[str, str, int]]:
    """(anchor, rule id, count) per rule among ``findings``: one link per rule, not per finding."""
    counts = Counter(f.rule_id for f in findings)
    return [(anchors[r].anchor, r, n) for r, n in counts.most_common() if r in anchors]

_TEMPLATES = files("pulsecheck.reporters").joinpath("templates")

_HEALTH_WHY = {
    "phi": "Patient data outside the protected database is a reportable breach once it leaks (HIPAA breach "
           "notification, GDPR Art. 33): repositories are cloned to laptops, CI runners and backups.",
    "secrets": "A leaked credential to a system holding ePHI gives an attacker the same access the app has: "
               "every patient record it can read.",
    "deps": "A known-vulnerable library in an app that handles ePHI is the easiest way in: exploits are public.",
    "iac": "Cloud settings decide who can reach the stored ePHI and whether access is logged and encrypted "
           "(HIPAA 164.312 technical safeguards).",
    "sast": "Code that mishandles patient data leaks it to logs, third parties or attackers at scale.",
    "dast": "Confirmed against the running app: exploitable now, by anyone who can reach it.",
    "recon": "An exposed service or weak TLS lets an attacker read or tamper with ePHI in transit.",
    "profile": "How data is stored decides what a single breach exposes.",
}


def _stage_order(report: Report, groups: Sequence[RuleGroup]) -> list[tuple[str, list[RuleGroup], int]]:
    """(stage, its rule groups worst first, findings) in the order the stages ran."""
    by: dict[str, list[RuleGroup]] = {}
    for g in groups:
        by.setdefault(g.findings[0][1].stage, []).append(g)
    names = [s.name for s in report.stages if s.name in by] + [n for n in by if n not in {s.name for s in report.stages}]
    return [(n, by[n], sum(g.count for g in by[n])) for n in names]


def _renumber(ordered: Sequence[tuple[str, list[RuleGroup], int]]) -> None:
    n = 0
    for _, gs, _ in ordered:
        for g in gs:
            numbered = []
            for _, f in g.findings:
                n += 1
                numbered.append((n, f))
            g.findings = numbered


def _flow(f: Finding) -> list[dict[str, str]]:
    steps = f.properties.get("flow")
    if not isinstance(steps, Sequence) or isinstance(steps, str):
        return []
    out = []
    for step in list(steps)[:_FLOW_STEPS]:
        if isinstance(step, Mapping):
            line = step.get("line")
            where = str(step.get("path", "?")) + (f":{line}" if isinstance(line, int) else "")
            out.append({"where": where, "note": str(step.get("note") or "")})
    return out


def _http(f: Finding) -> dict[str, str] | None:
    data = f.properties.get("http")
    if not isinstance(data, Mapping):
        return None
    out = {k: str(data.get(k) or "")[:_HTTP_BYTES] for k in ("request", "response", "curl")}
    return out if any(out.values()) else None


def render(report: Report) -> str:
    style = _asset("report.css")
    script = _asset("report.js")
    findings = sorted_findings(report)
    groups = group_by_rule(findings)
    ordered = _stage_order(report, groups)
    _renumber(ordered)
    anchors = {g.rule_id: g for g in groups}
    counts = report.count_by_severity()
    by_section: dict[str, list[Finding]] = {}
    for f in findings:
        for section in f.hipaa:
            by_section.setdefault(section, []).append(f)
    rows = sum(len(g.findings) for g in groups)
    row_findings = [f for g in groups for _, f in g.findings]
    details = {id(f): (_flow(f), _http(f)) for f in row_findings if "flow" in f.properties or "http" in f.properties}
    limit = _message_limit(row_findings, lambda f: _extra_bytes(f, *details.get(id(f), ([], None))))
    history = sections.history_view(report)
    agreement_rows = sections.agreements(report)
    by_stage = count_by_stage(report)
    ran = {s.name for s in report.stages if s.status != "skipped"}

    def message(f: Finding) -> str:
        return f.message if len(f.message) <= limit else f.message[: limit - 1] + "…"

    def age(f: Finding) -> str:
        if not history.first_seen:
            return ""
        start = history.first_seen.get(f.fingerprint)
        if start is None:
            return ""
        return f"open {sections.age_days(start, report.finished_at)} d (since {start.date().isoformat()})"

    by_fingerprint = {f.fingerprint: f for f in findings} if any(r.flows for r in agreement_rows) else {}

    def flow_links(row: AgreementRow) -> list[tuple[str, str, int]]:
        """The taint-path findings that end at a processor, one link per rule."""
        return _links([by_fingerprint[fp] for fp in row.flows if fp in by_fingerprint], anchors)

    sev_counts = {s.value: counts[s] for s in SEVERITIES_DESC}
    gdpr_by = gdpr_articles(report)
    page = _environment().get_template("report.html.j2").render(
        report=report,
        target=targets_line(report),
        severities=[s.value for s in SEVERITIES_DESC],
        counts=sev_counts,
        total=len(findings),
        by_stage=by_stage,
        rating=summary.risk_rating(report),
        rating_method=summary.RATING_METHOD,
        severity_chart=summary.bar_chart("Findings by severity", sev_counts, summary.SEVERITY_COLOURS),
        stage_chart=summary.bar_chart("Findings by stage", summary.stage_counts(report.stages, by_stage)),
        top=summary.top_risks(findings),
        profile=sections.profile_view(report.profile),
        agreements=agreement_rows,
        flow_links=flow_links,
        stages=[
            {"name": s.name, "status": s.status, "duration": f"{s.duration_s:.2f}",
             "reason": stage_reason(s), "gaps": stage_gaps(s), "notes": len(stage_notes(s))}
            for s in report.stages
        ],
        notes=sections.notes_of(report),
        effects=[describe_effect(e) for e in report.config_effects],
        ordered=ordered,
        rule_ids=[g.rule_id for g in groups],
        rule_of=lambda rid: report.rules.get(rid),
        health_why=_HEALTH_WHY,
        commits=lambda g, f: [c for m in g.repeats[g.row_fingerprint[id(f)]] if (c := file_commit(m))],
        places=lambda f: ", ".join(
            ("?" if o.line is None else str(o.line)) + (f"@{o.commit[:10]}" if o.commit else "")
            for o in f.occurrences[:_PLACES]),
        max_places=_PLACES,
        has_details=bool(details),
        has_ages=bool(history.first_seen),
        flow=lambda f: details[id(f)][0] if id(f) in details else [],
        http=lambda f: details[id(f)][1] if id(f) in details else None,
        age=age,
        message=message,
        show_fingerprints=rows <= _FINGERPRINTS_UP_TO,
        print_details=rows <= _PRINT_DETAILS_UP_TO,
        cut=sum(1 for g in groups for _, f in g.findings if len(f.message) > limit),
        hipaa=[(c, _links(by_section.get(c.section, ()), anchors),
                sections.not_assessed_reason(c.section, ran) if c.status == "not-assessed" else "")
               for c in report.compliance],
        gdpr=[(a, title, len(fs), _links(fs, anchors)) for a, title, fs in sections.gdpr_rows(gdpr_by)],
        owasp=sections.owasp_rows(report, findings),
        checklist=sections.checklist(report),
        history=history,
        trend_chart=summary.trend_chart(history.trend),
        command=sections.command_line(report),
        blocks=profile_blocks(report.profile),
        style=style,
        script=script,
        csp=_csp(style, script),
    )
    return escape_surrogates(page)


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
