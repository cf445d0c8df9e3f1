"""``pulsecheck deps fix --dry-run PATH`` and ``pulsecheck sbom PATH``."""

from __future__ import annotations

import enum
import sys
from pathlib import Path
from typing import Annotated

import typer

from pulsecheck.textsafe import one_line

deps_app = typer.Typer(help="Dependency upgrade plans.", no_args_is_help=True)


class SbomFormat(enum.StrEnum):
    CYCLONEDX_JSON = "cyclonedx-json"
    SPDX_JSON = "spdx-json"


def _fail(message: str) -> typer.Exit:
    typer.echo(f"pulsecheck: error: {one_line(message)}", err=True)
    return typer.Exit(2)


def _scan(path: Path) -> list[object]:
    from pulsecheck.stages.deps.parsers import scan

    if not path.is_dir():
        raise _fail(f"{path}: not a directory")
    result = scan(path.resolve())
    for problem in result.problems:
        typer.echo(f"pulsecheck: note: {one_line(problem)}", err=True)
    return list(result.packages)


@deps_app.command("fix")
def fix(
    path: Annotated[Path, typer.Argument(help="Repository.")] = Path("."),
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the upgrade set; change nothing.")] = False,
    db: Annotated[Path | None, typer.Option("--db", envvar="PULSECHECK_DB")] = None,
) -> None:
    """Print, per manifest, the upgrades that close every known advisory."""
    from pulsecheck.stages.deps import plan
    from pulsecheck.stages.deps.db import DatabaseError, connect, default_path
    from pulsecheck.stages.deps.match import Matcher
    from pulsecheck.stages.deps.package import Package

    if not dry_run:
        raise _fail("only --dry-run is supported: pulsecheck never rewrites your manifests itself")
    packages = [p for p in _scan(path) if isinstance(p, Package) and p.version]
    try:
        conn = connect(db or default_path())
    except DatabaseError as exc:
        raise _fail(str(exc)) from None
    try:
        vulns = Matcher(conn).match(packages)
    finally:
        conn.close()
    typer.echo(plan.render(plan.plan(vulns)))


def sbom(
    path: Annotated[Path, typer.Argument(help="Repository.")] = Path("."),
    fmt: Annotated[SbomFormat, typer.Option("--format", "-f", help="SBOM format.")] = SbomFormat.CYCLONEDX_JSON,
    output: Annotated[str | None, typer.Option("--output", "-o", help="File, or - for stdout.")] = None,
) -> None:
    """Write a CycloneDX or SPDX bill of materials of the packages the lockfiles pin."""
    from pulsecheck.safeio import write_atomic
    from pulsecheck.stages.deps.package import Package
    from pulsecheck.stages.deps.sbom import cyclonedx_json, spdx_json

    packages = [p for p in _scan(path) if isinstance(p, Package)]
    name = path.resolve().name or "project"
    text = cyclonedx_json(packages, name) if fmt is SbomFormat.CYCLONEDX_JSON else spdx_json(packages, name)
    if output in (None, "-"):
        sys.stdout.write(text + "\n")
        return
    try:
        write_atomic(output, text + "\n", repo=path)
    except OSError as exc:
        raise _fail(f"{output}: SBOM not written ({exc.strerror or exc})") from None
    typer.echo(f"SBOM written: {one_line(output)}", err=True)


def register(app: typer.Typer) -> None:
    app.add_typer(deps_app, name="deps")
    app.command("sbom")(sbom)
