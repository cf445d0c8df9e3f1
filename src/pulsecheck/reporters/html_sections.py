"""The views behind the HTML report's sections other than the findings list: the app profile
and data map, third-party processors, the compliance tables (HIPAA, GDPR, OWASP Top 10), the
checklist, the history trend and ages, the stages' notes and the run's provenance.

Each function turns the Report into plain data (strings unescaped: the template escapes) and
never raises on a profile or fact shape it does not know: a missing or odd value is shown as
absent, never as a broken report.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

from pulsecheck.agreements import AgreementRow, agreement_rows, processors_of
from pulsecheck.compliance.catalog import catalogs
from pulsecheck.compliance.mapper import normalize_owasp
from pulsecheck.knowledge.datamap import DataMap
from pulsecheck.model import Finding, Report, Rule, Severity
from pulsecheck.reporters.common import stage_notes

MAX_NOTES = 100
"""Notes listed per stage (the count says how many; the JSON report has them all)."""
MAX_TABLES = 200

APP_KIND_IMPLIES = {
    "ehr": "An electronic health record holds complete patient charts: every HIPAA technical safeguard applies, "
           "and a breach exposes diagnoses, medications and notes together with identities.",
    "practice_management": "Scheduling and billing hold identities, insurance and visit reasons (PHI): access "
                           "control, audit logs and the billing processors' agreements matter most.",
    "telemedicine": "Video visits add real-time streams and recordings: the video vendor needs a BAA, and "
                    "transmission security (164.312(e)) is in scope for every call.",
    "patient_portal": "Patients log in from the internet to see their own records: authentication, per-patient "
                      "authorisation (IDOR) and session handling are the main risks.",
    "wellness": "Consumer health data may fall outside HIPAA but inside GDPR Art. 9 and US state health-data "
                "laws; consent and the analytics SDKs matter most.",
    "research": "Research data sets must be de-identified or covered by authorisation/IRB terms; re-identification "
                "through linked identifiers is the main risk.",
    "general": "No health signal was found: the health-specific checks still ran, but the rating does not assume PHI.",
}


# ---------------------------------------------------------------------------- profile and data map

@dataclass
class StoreView:
    store: str
    kind: str
    tables: list[tuple[str, str, str, str]] = field(default_factory=list)
    """(table, identity fields, medical fields, where)."""
    identity: int = 0
    medical: int = 0
    omitted: int = 0

    @property
    def verdict(self) -> str:
        if self.kind != "database":
            return "API surface (data in transit, not storage)"
        if self.identity and self.medical:
            return "identity and medical data together"
        if self.identity:
            return "identity data only"
        if self.medical:
            return "medical data only"
        return "no classified fields"


@dataclass
class ProfileView:
    app_kind: str = ""
    app_label: str = ""
    implies: str = ""
    evidence: list[str] = field(default_factory=list)
    stack: list[tuple[str, str]] = field(default_factory=list)
    """(group, names with evidence)."""
    stores: list[StoreView] = field(default_factory=list)
    verdict: str = ""
    colocated: bool = False
    has_data_map: bool = False


def profile_view(profile: Mapping[str, Any]) -> ProfileView:
    view = ProfileView()
    kind = profile.get("app_kind")
    if isinstance(kind, Mapping):
        view.app_kind = str(kind.get("kind") or "")
        view.app_label = str(kind.get("label") or view.app_kind)
        view.evidence = [str(e) for e in kind.get("evidence") or () if isinstance(e, str)][:8]
    elif isinstance(kind, str):
        view.app_kind = view.app_label = kind
    view.implies = APP_KIND_IMPLIES.get(view.app_kind, "")
    stack = profile.get("stack")
    if isinstance(stack, Mapping):
        for group, items in stack.items():
            if isinstance(items, list) and items and all(isinstance(i, Mapping) for i in items):
                names = [str(i.get("name") or i.get("id") or i.get("type") or "?")
                         + (f" ({i['evidence']})" if isinstance(i.get("evidence"), str) else "") for i in items]
                view.stack.append((str(group).replace("_", " "), ", ".join(names)))
            elif isinstance(items, list) and items and all(isinstance(i, str) for i in items):
                view.stack.append((str(group).replace("_", " "), ", ".join(items)))
    raw = profile.get("data_map")
    if isinstance(raw, Mapping) and isinstance(raw.get("tables"), list):
        try:
            dm = DataMap.from_json(raw)
        except (KeyError, TypeError, ValueError):
            return view
        view.has_data_map = True
        for store in dm.stores():
            sv = StoreView(store.id, store.kind)
            tables = dm.tables(store.id)
            for t in tables:
                ident = [f.name for f in t.fields if f.identity]
                med = [f.name for f in t.fields if not f.identity and f.category == "medical"]
                sv.identity += bool(t.identity)
                sv.medical += bool(t.medical)
                if len(sv.tables) < MAX_TABLES:
                    sv.tables.append((t.name, ", ".join(ident), ", ".join(med),
                                      t.path + (f":{t.line}" if t.line else "")))
            sv.omitted = max(0, len(tables) - MAX_TABLES)
            view.stores.append(sv)
        together = [s.store for s in view.stores if s.kind == "database" and s.identity and s.medical]
        view.colocated = bool(together)
        if together:
            view.verdict = ("Identity and medical data are stored together in " + ", ".join(together)
                            + ": one breach or one over-broad credential exposes both.")
        elif any(s.identity for s in view.stores) and any(s.medical for s in view.stores):
            view.verdict = "Identity and medical data are kept in separate stores."
        else:
            view.verdict = "The code does not store both identity and medical data."
    return view


# ---------------------------------------------------------------------------- agreements

def agreements(report: Report) -> list[AgreementRow]:
    """The processors table (empty when neither SAST nor the profile saw an outside service)."""
    try:
        return agreement_rows(processors_of(report.stages), report.profile)
    except (KeyError, TypeError, ValueError):
        return []


# ---------------------------------------------------------------------------- compliance

def not_assessed_reason(section: str, ran: set[str]) -> str:
    """Why a safeguard was not assessed: the stages that would check it and did not run, or none."""
    cat = catalogs()
    from pulsecheck.settings import ALL_STAGES

    would = [s for s in ALL_STAGES if section in cat.safeguards_of_stage(s)]
    missing = [s for s in would if s not in ran]
    if missing:
        return "checked by " + ", ".join(missing) + ", not run in this audit"
    if would:
        return "its checks had nothing to judge in this audit"
    return "no automated check: an organisational control (see the OWASP checklist)"


GDPR_FOCUS = ("Art. 5", "Art. 25", "Art. 32", "Art. 33", "Art. 35")


def gdpr_rows(by_article: Mapping[str, Sequence[Finding]]) -> list[tuple[str, str, Sequence[Finding]]]:
    """(article, title, findings): the five articles the audit speaks to, always, then any other."""
    titles = catalogs().gdpr
    keys = list(GDPR_FOCUS) + [a for a in by_article if a not in GDPR_FOCUS]
    return [(a, titles[a].title if a in titles else "", by_article.get(a, ())) for a in keys]


@dataclass(frozen=True, slots=True)
class OwaspRow:
    id: str
    title: str
    findings: int
    rules: tuple[str, ...]
    checked_by: tuple[str, ...]


def owasp_rows(report: Report, findings: Sequence[Finding]) -> list[OwaspRow]:
    """Each OWASP Top 10 2021 category: findings, and which stages' rules in this audit map to it."""
    counts: Counter[str] = Counter()
    rules: dict[str, dict[str, None]] = {}
    for f in findings:
        for o in {c for c in (normalize_owasp(x) for x in f.owasp) if c}:
            counts[o] += 1
            rules.setdefault(o, {})[f.rule_id] = None
    checked: dict[str, dict[str, None]] = {}
    ran = tuple(s.name for s in report.stages if s.status != "skipped")
    for rule in (*report.rules.values(), *_stage_rules(ran)):
        for o in {c for c in (normalize_owasp(x) for x in rule.owasp) if c}:
            if rule.stage in ran:
                checked.setdefault(o, {})[rule.stage] = None
    for f in findings:
        for o in {c for c in (normalize_owasp(x) for x in f.owasp) if c}:
            checked.setdefault(o, {})[f.stage] = None
    return [OwaspRow(key, c.title, counts[key], tuple(rules.get(key, ())), tuple(checked.get(key, ())))
            for key, c in catalogs().owasp.items()]


def _stage_rules(names: tuple[str, ...]) -> tuple[Rule, ...]:
    """Every rule of the stages that ran (this version's catalogs), for what each category is
    checked by; none when a stage cannot load (the findings' own rules still count)."""
    if not names:
        return ()
    return _rules_of(names)


@cache
def _rules_of(names: tuple[str, ...]) -> tuple[Rule, ...]:
    try:
        from pulsecheck.stages.registry import discover

        found = discover(names)
        out: list[Rule] = []
        for stage in found.stages.values():
            with contextlib.suppress(Exception):
                out.extend(stage.rules())
        return tuple(out)
    except Exception:  # noqa: BLE001 - a report is drawn even when a stage's package is broken
        return ()


# ---------------------------------------------------------------------------- checklist

@dataclass
class ChecklistView:
    error: str = ""
    title: str = ""
    counts: list[tuple[str, int]] = field(default_factory=list)
    coverage: str = ""
    due: int = 0
    rows: list[dict[str, str]] = field(default_factory=list)
    omitted: int = 0


MAX_CHECKLIST_ROWS = 600
_STATE_ORDER = ("fail", "due", "todo", "not-assessed", "no-finding", "pass", "not-applicable")


def checklist(report: Report) -> ChecklistView | None:
    """The checklist status the audit attached (``inputs["checklist"]``, from
    :func:`pulsecheck.checklist.report_status`), or None when the repository keeps none."""
    data = getattr(report, "checklist", None) or report.inputs.get("checklist")
    if not isinstance(data, Mapping) or not data:
        return None
    view = ChecklistView()
    if data.get("error"):
        view.error = str(data["error"])
        return view
    view.title = " ".join(str(x) for x in (data.get("standard") or "OWASP checklist",
                                             f"level {data['level']}" if data.get("level") else "") if x)
    counts = data.get("counts")
    if isinstance(counts, Mapping):
        known = [k for k in _STATE_ORDER if k in counts] + [k for k in counts if k not in _STATE_ORDER]
        view.counts = [(str(k), v) for k in known if isinstance(v := counts[k], int) and v]
    cov = data.get("coverage")
    if isinstance(cov, Mapping):
        view.coverage = (f"{cov.get('items', 0)} items: {cov.get('automated', 0)} checked by pulsecheck "
                         f"({cov.get('automated_assessed', 0)} assessed in this audit), {cov.get('manual', 0)} "
                         f"manual ({cov.get('manual_recorded', 0)} recorded)")
    due = data.get("due")
    view.due = len(due) if isinstance(due, list | tuple) else 0
    items = data.get("items")
    if isinstance(items, list | tuple):
        for item in items[:MAX_CHECKLIST_ROWS]:
            if isinstance(item, Mapping):
                view.rows.append(_checklist_row(item))
        view.omitted = max(0, len(items) - MAX_CHECKLIST_ROWS)
    return view


def _checklist_row(item: Mapping[str, Any]) -> dict[str, str]:
    auto = item.get("automated")
    manual = item.get("manual")
    auto_text = ""
    if isinstance(auto, Mapping):
        auto_text = str(auto.get("status") or "")
        if auto.get("findings"):
            auto_text += f" ({auto['findings']} finding(s))"
    manual_text = ""
    if isinstance(manual, Mapping):
        manual_text = " ".join(str(manual.get(k) or "") for k in ("status", "by", "date")).strip()
        if manual.get("note"):
            manual_text += f": {manual['note']}"
    elif item.get("status"):  # a plain record
        manual_text = " ".join(str(item.get(k) or "") for k in ("status", "by", "at")).strip()
    state = str(item.get("state") or item.get("status") or "")
    if item.get("due") is True and state != "due":
        state = f"{state} (due)".strip()
    return {"id": str(item.get("id") or ""), "title": str(item.get("title") or ""),
            "kind": str(item.get("kind") or ""), "state": state, "automated": auto_text, "manual": manual_text,
            "due_on": str(item.get("due_on") or "")}


# ---------------------------------------------------------------------------- history

@dataclass
class HistoryView:
    trend: list[Mapping[str, Any]] = field(default_factory=list)
    first_seen: dict[str, datetime] = field(default_factory=dict)
    ages: list[tuple[str, int]] = field(default_factory=list)
    """(age bucket, open findings in it)."""


_BUCKETS = ((7, "under a week"), (30, "1 to 4 weeks"), (90, "1 to 3 months"), (365, "3 to 12 months"))


def history_view(report: Report) -> HistoryView:
    raw = getattr(report, "history", None) or {}
    view = HistoryView()
    if not isinstance(raw, Mapping):
        return view
    trend = raw.get("trend")
    if isinstance(trend, list | tuple):
        view.trend = [t for t in trend if isinstance(t, Mapping)]
    seen = raw.get("first_seen")
    if isinstance(seen, Mapping):
        for fp, when in seen.items():
            stamp = _when(when)
            if stamp is not None:
                view.first_seen[str(fp)] = stamp
    if view.first_seen:
        buckets: Counter[str] = Counter()
        for f in report.findings:
            start = view.first_seen.get(f.fingerprint)
            if start is not None:
                buckets[_bucket(age_days(start, report.finished_at))] += 1
        view.ages = [(label, buckets[label]) for _, label in (*_BUCKETS, (0, "over a year")) if buckets[label]]
    return view


def _when(value: object) -> datetime | None:
    if isinstance(value, datetime):
        stamp = value
    elif isinstance(value, str):
        try:
            stamp = datetime.fromisoformat(value)
        except ValueError:
            return None
    else:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def age_days(start: datetime, now: datetime) -> int:
    with contextlib.suppress(TypeError):
        return max(0, (now - start).days)
    return 0


def _bucket(days: int) -> str:
    for limit, label in _BUCKETS:
        if days < limit:
            return label
    return "over a year"


# ---------------------------------------------------------------------------- stages and provenance

def notes_of(report: Report) -> list[tuple[str, list[str], int]]:
    """(stage, first notes, total) for stages with notes."""
    out = []
    for s in report.stages:
        notes = stage_notes(s)
        if notes:
            out.append((s.name, list(notes[:MAX_NOTES]), len(notes)))
    return out


def command_line(report: Report) -> str:
    """The command as given (``inputs["command"]``) or the equivalent ``pulsecheck audit`` line."""
    given = report.inputs.get("command")
    if isinstance(given, list | tuple) and all(isinstance(a, str) for a in given):
        return " ".join(_quote(a) for a in given)
    if isinstance(given, str):
        return given
    args = ["pulsecheck", "audit"]
    if report.targets.path:
        args.append(report.targets.path)
    for url in report.targets.urls:
        args += ["--url", url]
    for host in report.targets.hosts:
        args += ["--host", host]
    for s in report.stages:
        args += ["--stage", s.name]
    return " ".join(_quote(a) for a in args)


def _quote(arg: str) -> str:
    import shlex

    return shlex.quote(arg)


def severity_order() -> tuple[str, ...]:
    return tuple(s.value for s in (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO))
