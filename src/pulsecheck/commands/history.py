"""``pulsecheck history`` and ``pulsecheck diff``: the audits in the store, and what changed.

    pulsecheck history [--store URL] [--repo R] [--branch B] [--all] [--format text|json]
    pulsecheck diff [A] [B] [--store URL] [--repo R] [--branch B] [--format text|json] [--unchanged]

``--repo`` is a repository id as the store keys it (``github.com/org/app``) or a checkout
directory whose id is derived (:mod:`pulsecheck.store.identity`); the default is the current
directory's repository. ``diff`` compares two audits by fingerprint: ``new`` (in B only),
``fixed`` (in A only), ``unchanged``. Without arguments A and B are the last two audits of this
repository and branch; with one, A is compared with the latest. A and B are run ids or unique
prefixes of them (``pulsecheck history`` lists them).
"""

from __future__ import annotations

import json
import os
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pulsecheck.textsafe import one_line

if TYPE_CHECKING:
    from pulsecheck.store import Store


class Fmt(StrEnum):
    TEXT = "text"
    JSON = "json"


StoreOpt = Annotated[str | None, typer.Option(
    "--store", help="Store URL or SQLite file (default: PULSECHECK_STORE, else ./.pulsecheck/history.sqlite).")]
RepoOpt = Annotated[str | None, typer.Option(
    "--repo", help="Repository id (e.g. github.com/org/app) or a checkout directory (default: this one).")]
BranchOpt = Annotated[str | None, typer.Option("--branch", help="Branch (default: history all, diff this one).")]
FmtOpt = Annotated[Fmt, typer.Option("--format", "-f", help="text or json.")]


def _fail(message: str) -> typer.Exit:
    typer.echo(f"pulsecheck: error: {one_line(message)}", err=True)
    return typer.Exit(2)


def _open(store: str | None) -> Store:
    from sqlalchemy.engine import make_url

    from pulsecheck.store import StoreError, describe, open_store, store_url

    url = store_url(store, False)
    if url is None:
        raise _fail("no store: PULSECHECK_STORE is off; pass --store URL")
    try:
        parsed = make_url(url)
    except Exception:  # noqa: BLE001 - a bad URL is a usage error, said in one line
        raise _fail(f"{url!r}: not a store URL") from None
    if parsed.get_backend_name() == "sqlite" and parsed.database and not os.path.lexists(parsed.database):
        raise _fail(f"{describe(url)}: no store there yet (an audit records one; or pass --store)")
    try:
        return open_store(url, repo=os.getcwd())
    except StoreError as exc:
        raise _fail(str(exc)) from None


def _identity(repo: str | None, branch: str | None) -> tuple[str, str]:
    from pulsecheck.store import identify

    if repo is not None and not Path(repo).is_dir():
        key = repo
        here = identify(None)
        return key, branch if branch is not None else here.branch
    from pulsecheck.store.identity import checkout_root

    who = identify(str(checkout_root(Path(repo or "."))))
    return who.key, branch if branch is not None else who.branch


def _when(summary_time: object) -> str:
    return str(summary_time)[:19].replace("T", " ")


def history(
    store: StoreOpt = None, repo: RepoOpt = None, branch: BranchOpt = None,
    all_repos: Annotated[bool, typer.Option("--all", help="Audits of every repository in the store.")] = False,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=10_000, help="How many audits.")] = 30,
    fmt: FmtOpt = Fmt.TEXT,
) -> None:
    """List recorded audits, newest first."""
    from pulsecheck.store import StoreError

    key: str | None = None
    if not all_repos:
        key, _here = _identity(repo, None)
    with _open(store) as opened:
        try:
            runs = opened.runs(key, branch, limit=limit)
        except StoreError as exc:
            raise _fail(str(exc)) from None
        if fmt is Fmt.JSON:
            typer.echo(json.dumps({"store": opened.where, "repository": key, "branch": branch,
                                   "runs": [r.to_json() for r in runs]}, indent=2))
            return
        if not runs:
            known = opened.repositories()
            hint = f" (the store has {len(known)} other repositor{'y' if len(known) == 1 else 'ies'}: --all)" \
                if known else ""
            typer.echo(f"no audits of {one_line(key or 'any repository')}{hint}", err=True)
            return
        typer.echo(f"{'run':10} {'finished (UTC)':19} {'branch':16} {'revision':10} {'total':>6}  "
                   "crit high  med  low info" + ("  repository" if all_repos else ""))
        for r in runs:
            c = r.counts
            counts = " ".join(f"{c.get(s, 0):>4}" for s in ("critical", "high", "medium", "low", "info"))
            typer.echo(f"{r.run_id[:10]:10} {_when(r.finished_at.isoformat()):19} "
                       f"{one_line(r.branch or '(detached)')[:16]:16} {(r.revision or '-')[:10]:10} "
                       f"{r.total:>6}  {counts}" + (f"  {one_line(r.repository)}" if all_repos else ""))


def diff(
    a: Annotated[str | None, typer.Argument(help="The older audit (run id or prefix).")] = None,
    b: Annotated[str | None, typer.Argument(help="The newer audit (default: the latest).")] = None,
    store: StoreOpt = None, repo: RepoOpt = None, branch: BranchOpt = None, fmt: FmtOpt = Fmt.TEXT,
    unchanged: Annotated[bool, typer.Option("--unchanged", help="List unchanged findings too.")] = False,
) -> None:
    """New, fixed and unchanged findings between two audits, by fingerprint."""
    from pulsecheck.store import RunSummary, StoreError

    with _open(store) as opened:
        try:
            def named(ref: str) -> RunSummary:
                found = opened.run(ref)
                if found is None:
                    raise _fail(f"{ref!r}: no such audit in {opened.where} (see 'pulsecheck history')")
                return found

            if a is not None and b is not None:
                older, newer = named(a), named(b)
            else:
                key, br = _identity(repo, branch)
                latest = opened.runs(key, br, limit=2)
                if a is not None:
                    if not latest:
                        raise _fail(f"no audits of {key} on branch {br or '(detached)'} to compare {a!r} with")
                    older, newer = named(a), latest[0]
                else:
                    if len(latest) < 2:
                        raise _fail(f"{len(latest)} audit(s) of {key} on branch {br or '(detached)'}: diff needs two "
                                    "(or name them: pulsecheck diff A B)")
                    older, newer = latest[1], latest[0]
            result = opened.diff(older, newer)
        except StoreError as exc:
            raise _fail(str(exc)) from None
    if fmt is Fmt.JSON:
        typer.echo(json.dumps(result.to_json(), indent=2))
        return
    for label, run in (("A", result.a), ("B", result.b)):
        typer.echo(f"{label} {run.run_id[:10]}  {_when(run.finished_at.isoformat())}  "
                   f"{one_line(run.repository)} {one_line(run.branch or '(detached)')}  {run.total} finding(s)")
    sections = [("new", result.new), ("fixed", result.fixed)]
    if result.not_rechecked:
        sections.append(("not rechecked (their stage did not complete in B)", result.not_rechecked))
    if unchanged:
        sections.append(("unchanged", result.unchanged))
    for title, items in sections:
        typer.echo(f"\n{title} ({len(items)}):")
        for f in items:
            typer.echo(f"  {f.severity:8} {f.stage:8} {one_line(f.rule_id):40} {one_line(f.location)}  "
                       f"[{f.fingerprint[:12]}]")
    if not unchanged:
        typer.echo(f"\nunchanged: {len(result.unchanged)}")


def register(app: typer.Typer) -> None:
    app.command("history")(history)
    app.command("diff")(diff)
