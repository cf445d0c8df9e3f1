"""``pulsecheck checklist``: the OWASP ASVS checklist with automated evidence and people's records.

    pulsecheck checklist init [--level 1|2] [--output FILE] [--report REPORT.json] [--store URL]
    pulsecheck checklist status [--file FILE] [--report REPORT.json] [--format text|json]
    pulsecheck checklist record ID --status pass|fail|not-applicable --by NAME [--note TEXT] [--date D]

``init`` writes (or refreshes, keeping what people recorded) ``pulsecheck-checklist.yaml``; its
evidence comes from ``--report`` (a JSON report), else from the latest audit of this repository
and branch in the history store, else none (the items say which stage would check them).
See :mod:`pulsecheck.checklist`.
"""

from __future__ import annotations

import json
import os
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pulsecheck.textsafe import one_line

if TYPE_CHECKING:
    from pulsecheck.checklist import Evidence

checklist_app = typer.Typer(help="The OWASP ASVS checklist: automated evidence plus people's records.",
                            no_args_is_help=True)


class Fmt(StrEnum):
    TEXT = "text"
    JSON = "json"


class Level(StrEnum):
    ONE = "1"
    TWO = "2"


class Manual(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NA = "not-applicable"


FileOpt = Annotated[Path, typer.Option("--file", help="The checklist file.")]
ReportOpt = Annotated[Path | None, typer.Option("--report", help="A JSON report (pulsecheck audit -f json) as evidence.")]


def _fail(message: str) -> typer.Exit:
    typer.echo(f"pulsecheck: error: {one_line(message)}", err=True)
    return typer.Exit(2)


def _evidence_from_report(path: Path) -> Evidence:
    from pulsecheck.checklist import Evidence
    from pulsecheck.reporters.json_format import ReportFormatError, load_report
    from pulsecheck.serialize import report_from_dict

    try:
        data = load_report(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, ReportFormatError) as exc:
        raise _fail(f"{path}: report not read ({exc})") from None
    return Evidence.from_report(report_from_dict(data), source=f"report {path}")


def _evidence_from_store(store: str | None) -> Evidence | None:
    """The latest audit of this repository and branch, or None (no store, no audit)."""
    from sqlalchemy.engine import make_url

    from pulsecheck.checklist import evidence_from_seen
    from pulsecheck.store import StoreError, identify, open_store, store_url

    url = store_url(store, False)
    if url is None:
        return None
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and not os.path.lexists(parsed.database):
        return None
    from pulsecheck.store.identity import checkout_root

    who = identify(str(checkout_root(Path.cwd())))
    try:
        with open_store(url, repo=os.getcwd()) as opened:
            runs = opened.runs(who.key, who.branch, limit=1)
            if not runs:
                return None
            run = runs[0]
            return evidence_from_seen(run.run_id, run.finished_at.isoformat(), f"store {opened.where}", run.stages,
                                      opened.finding_cwes(run.run_id))
    except StoreError as exc:
        typer.echo(f"pulsecheck: warning: no evidence from the store: {one_line(str(exc))}", err=True)
        return None


@checklist_app.command("init")
def init(
    level: Annotated[Level, typer.Option("--level", help="ASVS level: 1 or 2.")] = Level.ONE,
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write.")] = Path("pulsecheck-checklist.yaml"),
    report: ReportOpt = None,
    store: Annotated[str | None, typer.Option("--store", help="History store to take the latest audit from.")] = None,
) -> None:
    """Write the checklist for a level, pre-filled with automated evidence; keeps people's records."""
    from pulsecheck.checklist import ChecklistError, build, dump, load
    from pulsecheck.safeio import write_atomic

    evidence = _evidence_from_report(report) if report is not None else _evidence_from_store(store)
    previous = None
    if output.exists() or output.is_symlink():
        try:
            previous = load(output)
        except ChecklistError as exc:
            raise _fail(f"{exc}; fix or remove it (init keeps what people recorded)") from None
    doc = build(int(level.value), evidence, previous)
    try:
        write_atomic(output, dump(doc), repo=Path.cwd())
    except OSError as exc:
        raise _fail(f"{output}: not written ({exc.strerror or exc})") from None
    auto = sum(1 for i in doc.items if i.checked_by)
    typer.echo(f"{one_line(str(output))}: {doc.standard} level {doc.level}, {len(doc.items)} items "
               f"({auto} checked by stages, {len(doc.items) - auto} by people); evidence: "
               f"{one_line(evidence.source) + ' ' + evidence.run_id[:10] if evidence else 'none yet (run an audit)'}",
               err=True)


@checklist_app.command("status")
def status_cmd(
    file: FileOpt = Path("pulsecheck-checklist.yaml"), report: ReportOpt = None,
    fmt: Annotated[Fmt, typer.Option("--format", "-f", help="text or json.")] = Fmt.TEXT,
) -> None:
    """Coverage of the checklist and which records are due for review."""
    from pulsecheck.checklist import ChecklistError, load, status

    try:
        doc = load(file)
    except ChecklistError as exc:
        raise _fail(str(exc)) from None
    result = status(doc, evidence=_evidence_from_report(report) if report is not None else None)
    if fmt is Fmt.JSON:
        typer.echo(json.dumps({"file": str(file), **result}, indent=2))
        return
    cov, counts = result["coverage"], result["counts"]
    ev = result["evidence"]
    typer.echo(f"{one_line(str(file))}: {result['standard']} level {result['level']}, {cov['items']} items")
    typer.echo(f"automated: {cov['automated_assessed']} of {cov['automated']} assessed"
               + (f" (audit {str(ev.get('run_id', ''))[:10]} {str(ev.get('finished_at', ''))[:10]})" if ev else
                  " (no audit yet: pulsecheck checklist init --report REPORT.json)"))
    typer.echo(f"people: {cov['manual_recorded']} of {cov['manual']} manual items recorded, "
               f"{cov['recorded']} records in all")
    typer.echo("states: " + ", ".join(f"{k} {v}" for k, v in counts.items() if v))
    for state, label in (("fail", "failing"), ("due", "due for review"), ("todo", "not recorded yet")):
        rows = [i for i in result["items"] if i["state"] == state]
        if not rows:
            continue
        typer.echo(f"\n{label} ({len(rows)}):")
        for i in rows:
            detail = ""
            if state == "fail" and i["automated"] and i["automated"]["status"] == "fail":
                detail = f"  [{i['automated']['findings']} finding(s)]"
            elif i["manual"]:
                m = i["manual"]
                detail = f"  [{m['status']} by {one_line(m['by'] or '?')} on {m['date'] or '?'}" + (
                    f", due {i['due_on']}]" if i["due_on"] else "]")
            typer.echo(f"  {i['id']:8} {one_line(i['title'])[:90]}{detail}")


@checklist_app.command("record")
def record_cmd(
    item: Annotated[str, typer.Argument(help="Item id, e.g. ORG-3 or V2.10.4.")],
    status: Annotated[Manual, typer.Option("--status", help="pass, fail or not-applicable.")],
    by: Annotated[str, typer.Option("--by", help="Who checked it.")],
    note: Annotated[str, typer.Option("--note", help="What was checked; where the evidence is.")] = "",
    when: Annotated[str | None, typer.Option("--date", help="YYYY-MM-DD (default: today).")] = None,
    review_days: Annotated[int | None, typer.Option("--review-days", min=1, max=3650)] = None,
    file: FileOpt = Path("pulsecheck-checklist.yaml"),
) -> None:
    """Record a person's check of one item."""
    from pulsecheck.checklist import ChecklistError, dump, load, record
    from pulsecheck.safeio import write_atomic

    try:
        day = date.fromisoformat(when) if when else None
    except ValueError:
        raise _fail(f"--date {when!r}: use YYYY-MM-DD") from None
    try:
        doc = record(load(file), item, status.value, by, note, day, review_days)
    except ChecklistError as exc:
        raise _fail(str(exc)) from None
    try:
        write_atomic(file, dump(doc), repo=Path.cwd())
    except OSError as exc:
        raise _fail(f"{file}: not written ({exc.strerror or exc})") from None
    typer.echo(f"{item}: {status.value} by {one_line(by)}", err=True)


def register(app: typer.Typer) -> None:
    app.add_typer(checklist_app, name="checklist")
