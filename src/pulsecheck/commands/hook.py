"""``pulsecheck hook sast FILE...``: the SAST stage on just the files being committed (pre-commit).

pre-commit runs hooks from the repository root with unstaged changes stashed, so the files it
passes hold exactly what is staged. They are copied (regular files only, never through a
symlink, each at most 2 MB, paths kept) into a scratch directory and audited there with the
sast stage alone: seconds, not a full audit, and nothing is recorded in the history store.
Exit code as ``pulsecheck audit``: 0 clean, 1 a finding at or above ``--fail-on`` (default:
config, else high), 2 usage error or an incomplete scan. Secrets have their own hook,
``pulsecheck secrets scan --staged`` (see ``.pre-commit-hooks.yaml``).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from pulsecheck.textsafe import one_line

hook_app = typer.Typer(help="pre-commit entry points: scan only the files being committed.", no_args_is_help=True)
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_FILES = 5000


def _fail(message: str) -> typer.Exit:
    typer.echo(f"pulsecheck: error: {one_line(message)}", err=True)
    return typer.Exit(2)


@hook_app.command("sast")
def sast(
    files: Annotated[list[Path] | None, typer.Argument(help="Files to scan (pre-commit passes the staged ones).")] = None,
    fail_on: Annotated[str | None, typer.Option("--fail-on", help="Lowest severity that fails.")] = None,
    config: Annotated[Path | None, typer.Option("--config", help="pulsecheck.toml to use.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only findings, no progress.")] = False,
) -> None:
    """SAST on the given files only (what is being committed)."""
    from pulsecheck import engine
    from pulsecheck.cli import build_settings, make_observer
    from pulsecheck.model import Targets
    from pulsecheck.reporters import render
    from pulsecheck.reporters.interface import OutputFormat
    from pulsecheck.saferead import ReadRefused, read_capped

    root = Path.cwd().resolve()
    chosen: list[tuple[str, bytes]] = []
    skipped: list[str] = []
    for name in (files or [])[:MAX_FILES]:
        path = (root / name) if not name.is_absolute() else name
        try:
            rel = Path(os.path.abspath(path)).relative_to(root).as_posix()
        except ValueError:
            skipped.append(f"{name}: outside the repository")
            continue
        try:
            chosen.append((rel, read_capped(root / rel, MAX_FILE_BYTES)))
        except ReadRefused as exc:
            skipped.append(f"{rel}: {exc}")
    for line in skipped:
        typer.echo(f"pulsecheck: note: {one_line(line)}", err=True)
    if not chosen:
        raise typer.Exit(0)
    if config is None and (root / "pulsecheck.toml").is_file():
        config = root / "pulsecheck.toml"
    with tempfile.TemporaryDirectory(prefix="pulsecheck-hook-") as tmp:
        work = Path(tmp)
        for rel, data in chosen:
            target = work / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        settings = build_settings(work, config, stages=["sast"], fail_on=fail_on)
        report = engine.run(Targets(path=str(work)), settings, make_observer(True))
        if report.findings or not quiet:
            typer.echo(render(report, OutputFormat.TERMINAL), err=True)
    raise typer.Exit(engine.exit_code(report, settings))


def register(app: typer.Typer) -> None:
    app.add_typer(hook_app, name="hook")
