"""``pulsecheck db update|import|status``: the local OSV vulnerability database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pulsecheck.textsafe import one_line

db_app = typer.Typer(help="The local OSV vulnerability database used by the deps stage.", no_args_is_help=True)

DbOpt = Annotated[Path | None, typer.Option("--db", help="Database file (default: user cache).",
                                            envvar="PULSECHECK_DB")]


def _fail(message: str) -> typer.Exit:
    typer.echo(f"pulsecheck: error: {one_line(message)}", err=True)
    return typer.Exit(2)


@db_app.command("update")
def update(
    ecosystem: Annotated[list[str] | None, typer.Option("--ecosystem", "-e", help="OSV ecosystem; repeat.")] = None,
    url: Annotated[str | None, typer.Option("--url", help="Base URL of the OSV export.",
                                            envvar="PULSECHECK_OSV_URL")] = None,
    db: DbOpt = None,
) -> None:
    """Download OSV's <Ecosystem>/all.zip exports (resumable) and import them."""
    from pulsecheck.stages.deps import download
    from pulsecheck.stages.deps.db import default_path

    path = db or default_path()
    result = download.update(path, ecosystem or download.DEFAULT_ECOSYSTEMS, base=url,
                             progress=lambda line: typer.echo(one_line(line), err=True))
    typer.echo(f"{path}: {sum(result.imported.values())} advisories in {len(result.imported)} ecosystem(s)")
    if result.failed:
        raise _fail(f"{len(result.failed)} ecosystem(s) not updated: {', '.join(sorted(result.failed))}")


@db_app.command("import")
def import_(
    path: Annotated[Path, typer.Argument(help="all.zip, a directory of <Ecosystem>/all.zip, or of *.json.")],
    db: DbOpt = None,
) -> None:
    """Import OSV advisories from local files (the offline / air-gapped path)."""
    from pulsecheck.stages.deps.archive import ArchiveError
    from pulsecheck.stages.deps.db import DatabaseError, default_path, import_path

    target = db or default_path()
    try:
        stats = import_path(path, target)
    except (ArchiveError, DatabaseError) as exc:
        raise _fail(str(exc)) from None
    for problem in stats.problems:
        typer.echo(f"pulsecheck: warning: {one_line(problem)}", err=True)
    per_eco = ", ".join(f"{e} {n}" for e, n in sorted(stats.ecosystems.items()))
    typer.echo(f"{target}: imported {stats.advisories} advisories ({per_eco}); {stats.withdrawn} withdrawn")


@db_app.command("status")
def status(db: DbOpt = None) -> None:
    """Show the database's source, ecosystems, advisory counts and age."""
    from pulsecheck.stages.deps.db import DatabaseError, default_path
    from pulsecheck.stages.deps.db import status as db_status
    from pulsecheck.stages.deps.stage import STALE_DAYS

    target = db or default_path()
    try:
        rows = db_status(target)
    except DatabaseError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"database: {target}")
    if not rows:
        raise _fail(f"{target}: the database is empty")
    for row in rows:
        age = row.age_days()
        stale = "  STALE" if age > STALE_DAYS else ""
        typer.echo(f"  {row.ecosystem:12} {row.advisories:7d} advisories  imported "
                   f"{row.imported_at:%Y-%m-%d %H:%M}Z ({age:.1f} days ago){stale}  from {one_line(row.source)}")


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
