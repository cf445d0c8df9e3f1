"""The OWASP checklist workflow: ``pulsecheck-checklist.yaml``, its automated evidence, its status.

``pulsecheck checklist init [--level 1|2]`` writes the file: the OWASP ASVS 4.0.3 requirements of
the level (a curated selection, titled in our own words, ``data/asvs.toml``) and the
organisational controls no scanner sees (``ORG-*``: NDAs, data processing and business
associate agreements, developer machines, VPN/gateway-only server access, staging and
production access levels...). Each requirement a stage covers carries that stage's evidence
from an audit (``automated``: ``fail`` with the findings that contradict it, ``no-finding`` when
every stage that checks it completed without one, ``partially-assessed``, ``not-assessed``).
People record the rest in the file, or with ``pulsecheck checklist record``: ``status``
(pass / fail / not-applicable), ``by``, ``date``, ``note``, and ``review_days``, after which a
record is *due* again.

:func:`report_status` is what the HTML report calls: the checklist of the audited repository
(its ``pulsecheck-checklist.yaml``), with fresh evidence from the report. The file may come from
a hostile repository: it is read with a byte cap, without following symlinks, through the
limited YAML loader, and validated; a bad file is a one-line :class:`ChecklistError`.
"""

from __future__ import annotations

import fnmatch
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import date as Date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pulsecheck.model import Report
from pulsecheck.saferead import ReadRefused, read_capped
from pulsecheck.textsafe import one_line

FILENAME = "pulsecheck-checklist.yaml"
SCHEMA_VERSION = 1
MAX_BYTES = 2 * 1024 * 1024
DEFAULT_REVIEW_DAYS = 365
MAX_FINGERPRINTS = 20

ManualStatus = Literal["pass", "fail", "not-applicable"]
AutoStatus = Literal["fail", "no-finding", "partially-assessed", "not-assessed"]
State = Literal["fail", "due", "todo", "pass", "not-applicable", "no-finding", "not-assessed"]
STATES: tuple[State, ...] = ("fail", "due", "todo", "pass", "not-applicable", "no-finding", "not-assessed")


class ChecklistError(Exception):
    """A checklist file that cannot be read or is malformed (one line, naming the file)."""


# --- the catalogue ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Requirement:
    id: str
    level: int
    title: str
    stages: tuple[str, ...] = ()
    cwes: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    review_days: int = DEFAULT_REVIEW_DAYS

    @property
    def automated(self) -> bool:
        return bool(self.stages)


@dataclass(frozen=True, slots=True)
class Catalog:
    standard: str
    url: str
    requirements: tuple[Requirement, ...]

    def for_level(self, level: int) -> tuple[Requirement, ...]:
        return tuple(r for r in self.requirements if r.level <= level)


@cache
def catalog() -> Catalog:
    raw = tomllib.loads(resources.files("pulsecheck.checklist").joinpath("data/asvs.toml").read_text("utf-8"))
    reqs = tuple(Requirement(id=i["id"], level=int(i["level"]), title=i["title"], stages=tuple(i.get("stages", ())),
                             cwes=tuple(i.get("cwes", ())), rules=tuple(i.get("rules", ())),
                             review_days=int(i.get("review_days", DEFAULT_REVIEW_DAYS))) for i in raw["item"])
    return Catalog(standard=raw["standard"], url=raw["url"], requirements=reqs)


# --- automated evidence ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Seen:
    """What the evidence needs of a finding (from a Report or the store)."""

    rule_id: str
    cwes: tuple[str, ...]
    fingerprint: str


@dataclass(frozen=True, slots=True)
class Evidence:
    run_id: str
    finished_at: str
    source: str
    stages: Mapping[str, str]
    """Stage name -> completed | partial | errored | skipped."""
    findings: tuple[Seen, ...]

    @classmethod
    def from_report(cls, report: Report, source: str = "this audit") -> Evidence:
        return cls(run_id=report.run_id, finished_at=report.finished_at.astimezone(UTC).isoformat(), source=source,
                   stages={s.name: s.status for s in report.stages},
                   findings=tuple(Seen(f.rule_id, f.cwe, f.fingerprint) for f in report.findings))


def _matches(req: Requirement, seen: Seen) -> bool:
    if req.cwes and set(req.cwes) & set(seen.cwes):
        return True
    return any(fnmatch.fnmatchcase(seen.rule_id, pattern) for pattern in req.rules)


def assess(req: Requirement, evidence: Evidence) -> dict[str, Any]:
    """The automated verdict on one requirement from one audit."""
    hits = [s for s in evidence.findings if s.rule_id.split(".")[0] in req.stages and _matches(req, s)]
    ran = {name: evidence.stages.get(name) for name in req.stages}
    status: AutoStatus
    if hits:
        status = "fail"
    elif all(v == "completed" for v in ran.values()):
        status = "no-finding"
    elif any(v in ("completed", "partial", "errored") for v in ran.values()):
        status = "partially-assessed"
    else:
        status = "not-assessed"
    fingerprints = list(dict.fromkeys(s.fingerprint for s in hits))
    return {"status": status, "findings": len(hits), "fingerprints": fingerprints[:MAX_FINGERPRINTS],
            "stages": {k: v or "not run" for k, v in ran.items()}, "run_id": evidence.run_id,
            "checked_at": evidence.finished_at}


# --- the file --------------------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AutomatedRecord(_Model):
    status: AutoStatus
    findings: int = Field(ge=0)
    fingerprints: list[str] = Field(default_factory=list, max_length=MAX_FINGERPRINTS)
    stages: dict[str, str] = Field(default_factory=dict)
    run_id: str | None = None
    checked_at: str | None = None


class ItemRecord(_Model):
    id: str = Field(min_length=1, max_length=64)
    title: str = Field(max_length=500)
    level: int = Field(ge=1, le=3)
    checked_by: list[str] = Field(default_factory=list)
    automated: AutomatedRecord | None = None
    status: ManualStatus | None = None
    by: str | None = Field(default=None, max_length=200)
    date: Date | None = None
    note: str = Field(default="", max_length=4000)
    review_days: int = Field(default=DEFAULT_REVIEW_DAYS, ge=1, le=3650)

    @field_validator("date", mode="before")
    @classmethod
    def _date(cls, value: object) -> object:
        if isinstance(value, datetime):
            return value.date()
        return value


class ChecklistFile(_Model):
    schema_version: int = SCHEMA_VERSION
    standard: str
    level: int = Field(ge=1, le=2)
    generated_at: str | None = None
    evidence: dict[str, str] | None = None
    items: list[ItemRecord] = Field(max_length=2000)


def build(level: int, evidence: Evidence | None = None, previous: ChecklistFile | None = None,
          now: datetime | None = None) -> ChecklistFile:
    """The checklist of ``level``: people's records kept from ``previous``, evidence refreshed."""
    cat = catalog()
    kept = {i.id: i for i in previous.items} if previous else {}
    items = []
    for req in cat.for_level(level):
        old = kept.get(req.id)
        auto = AutomatedRecord(**assess(req, evidence)) if evidence and req.automated else (
            old.automated if old else None)
        items.append(ItemRecord(
            id=req.id, title=req.title, level=req.level, checked_by=list(req.stages), automated=auto,
            status=old.status if old else None, by=old.by if old else None, date=old.date if old else None,
            note=old.note if old else "", review_days=old.review_days if old else req.review_days))
    # records people made for items outside this level are kept, not dropped
    ids = {i.id for i in items}
    items += [i for i in (previous.items if previous else []) if i.id not in ids and i.status is not None]
    return ChecklistFile(
        standard=cat.standard, level=level, generated_at=(now or datetime.now(UTC)).isoformat(timespec="seconds"),
        evidence={"run_id": evidence.run_id, "finished_at": evidence.finished_at, "source": evidence.source}
        if evidence else (previous.evidence if previous else None), items=items)


HEADER = """\
# pulsecheck checklist: {standard} level {level} + organisational controls (ORG-*).
# Titles are pulsecheck's summaries; read the standard for each requirement's exact wording:
# {url}
# `automated` is written by `pulsecheck checklist init` from an audit (do not edit it).
# People record the other fields for each item they checked:
#   status: pass | fail | not-applicable    by: who checked    date: YYYY-MM-DD
#   note: what was checked / where the evidence is    review_days: re-check after this many days
# `pulsecheck checklist status` shows coverage and which records are due; the report includes it.
"""


def dump(doc: ChecklistFile) -> str:
    import yaml

    data = doc.model_dump(mode="json")
    for item in data["items"]:
        if item.get("automated") is None:
            item.pop("automated", None)
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110)
    return HEADER.format(standard=doc.standard, level=doc.level, url=catalog().url) + body


def load(path: Path) -> ChecklistFile:
    """Read and validate a checklist file (maybe from a hostile repository)."""
    from pulsecheck.safeyaml import YamlLimitError
    from pulsecheck.safeyaml import load as load_yaml

    try:
        raw = read_capped(path, MAX_BYTES)
    except ReadRefused as exc:
        raise ChecklistError(f"{one_line(str(path))}: not read ({exc})") from None
    try:
        data = load_yaml(raw.decode("utf-8"))
    except (UnicodeDecodeError, YamlLimitError, ValueError) as exc:
        raise ChecklistError(f"{one_line(str(path))}: not a checklist ({one_line(str(exc))[:200]})") from None
    except Exception as exc:  # noqa: BLE001 - any YAML error is the file's, said in one line
        raise ChecklistError(f"{one_line(str(path))}: not valid YAML ({one_line(str(exc))[:200]})") from None
    if not isinstance(data, dict):
        raise ChecklistError(f"{one_line(str(path))}: not a checklist (expected a mapping)")
    try:
        return ChecklistFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise ChecklistError(f"{one_line(str(path))}: {where}: {one_line(err['msg'])[:200]}") from None


def record(doc: ChecklistFile, item_id: str, status: ManualStatus, by: str, note: str = "",
           when: date | None = None, review_days: int | None = None) -> ChecklistFile:
    items = list(doc.items)
    for n, item in enumerate(items):
        if item.id == item_id:
            update: dict[str, Any] = {"status": status, "by": by, "date": when or datetime.now(UTC).date(),
                                      "note": note or item.note}
            if review_days is not None:
                update["review_days"] = review_days
            items[n] = ItemRecord.model_validate({**item.model_dump(), **update})
            return doc.model_copy(update={"items": items})
    raise ChecklistError(f"{item_id}: no such item in the checklist (see 'pulsecheck checklist status')")


# --- status ----------------------------------------------------------------------------------


def item_state(item: ItemRecord, today: date) -> tuple[State, date | None]:
    """An item's state and, for a person's record, the day it falls due."""
    due_on = item.date + timedelta(days=item.review_days) if item.date else None
    if item.automated is not None and item.automated.status == "fail":
        return "fail", due_on
    if item.status == "fail":
        return "fail", due_on
    if item.status is not None:
        if due_on is not None and due_on <= today:
            return "due", due_on
        if item.date is None:
            return "due", None
        return ("pass" if item.status == "pass" else "not-applicable"), due_on
    if not item.checked_by:
        return "todo", None
    auto = item.automated.status if item.automated else "not-assessed"
    return ("no-finding" if auto == "no-finding" else "not-assessed"), None


def status(doc: ChecklistFile, today: date | None = None, evidence: Evidence | None = None) -> dict[str, Any]:
    """Coverage of the checklist (JSON-ready): per item state, counts, what is due."""
    today = today or datetime.now(UTC).date()
    if evidence is not None:
        reqs = {r.id: r for r in catalog().requirements}
        items = [i.model_copy(update={"automated": AutomatedRecord(**assess(reqs[i.id], evidence))})
                 if i.id in reqs and reqs[i.id].automated else i for i in doc.items]
        doc = doc.model_copy(update={"items": items})
    out_items: list[dict[str, Any]] = []
    counts = dict.fromkeys(STATES, 0)
    for item in doc.items:
        state, due_on = item_state(item, today)
        counts[state] += 1
        out_items.append({
            "id": item.id, "title": item.title, "level": item.level, "state": state,
            "kind": "automated" if item.checked_by else "manual", "checked_by": list(item.checked_by),
            "automated": item.automated.model_dump(mode="json") if item.automated else None,
            "manual": None if item.status is None else {
                "status": item.status, "by": item.by, "date": item.date.isoformat() if item.date else None,
                "note": item.note, "review_days": item.review_days},
            "due_on": due_on.isoformat() if due_on else None})
    automated = [i for i in out_items if i["kind"] == "automated"]
    assessed = [i for i in automated if i["automated"] and i["automated"]["status"] in ("fail", "no-finding")]
    manual = [i for i in out_items if i["kind"] == "manual"]
    return {
        "standard": doc.standard, "level": doc.level, "today": today.isoformat(),
        "evidence": ({"run_id": evidence.run_id, "finished_at": evidence.finished_at, "source": evidence.source}
                     if evidence else doc.evidence),
        "counts": counts,
        "coverage": {"items": len(out_items), "automated": len(automated), "automated_assessed": len(assessed),
                     "manual": len(manual), "manual_recorded": sum(1 for i in manual if i["manual"]),
                     "recorded": sum(1 for i in out_items if i["manual"])},
        "due": [i["id"] for i in out_items if i["state"] == "due"],
        "items": out_items,
    }


def report_status(report: Report, path: Path | None = None, today: date | None = None) -> dict[str, Any] | None:
    """The checklist for the report: ``path`` or the audited repository's ``pulsecheck-checklist.yaml``,
    with fresh evidence from ``report``. None when there is no checklist; ``{"error": line}``
    when the file is unreadable or malformed (the report still renders)."""
    if path is None:
        if not report.targets.path:
            return None
        path = Path(report.targets.path) / FILENAME
    if not path.is_file() and not path.is_symlink():
        return None
    try:
        doc = load(path)
    except ChecklistError as exc:
        return {"file": str(path), "error": str(exc)}
    result = status(doc, today, Evidence.from_report(report))
    result["file"] = str(path)
    return result


def attach_status(report: Report) -> Report:
    """``report`` with ``inputs["checklist"]`` set to :func:`report_status` when the audited
    repository keeps a checklist (what the HTML report's checklist section shows)."""
    import dataclasses

    try:
        result = report_status(report)
    except Exception as exc:  # noqa: BLE001 - a checklist problem must never cost the report
        result = {"error": f"checklist not read: {type(exc).__name__}: {one_line(str(exc))[:200]}"}
    if result is None:
        return report
    return dataclasses.replace(report, inputs={**report.inputs, "checklist": result})


def evidence_from_seen(run_id: str, finished_at: str, source: str, stages: Mapping[str, str],
                       findings: Iterable[tuple[str, Sequence[str], str]]) -> Evidence:
    return Evidence(run_id=run_id, finished_at=finished_at, source=source, stages=dict(stages),
                    findings=tuple(Seen(r, tuple(c), fp) for r, c, fp in findings))


__all__ = ["FILENAME", "Catalog", "attach_status", "ChecklistError", "ChecklistFile", "Evidence", "ItemRecord", "Requirement",
           "assess", "build", "catalog", "dump", "evidence_from_seen", "item_state", "load", "record",
           "report_status", "status"]
