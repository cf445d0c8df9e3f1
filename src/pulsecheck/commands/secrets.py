"""``pulsecheck secrets scan``: the secrets stage on its own, for CI and pre-commit.

    pulsecheck secrets scan [PATH]              working tree + full history of all refs
    pulsecheck secrets scan --since origin/main only the commits of a pull request
    pulsecheck secrets scan --staged            only what is about to be committed (hook)
    pulsecheck secrets scan --dir exported-logs/  any directory, no git

It runs through the engine, so config files, baselines, inline ignores and every output
format work as in ``pulsecheck audit``. Exit code: 0 clean, 1 a secret at or above
``--fail-on`` (default: ``fail_on`` from the environment or config, else low, i.e. any), 2 usage
error or an incomplete scan. The command-line options are stage options with the highest
precedence; options not given leave the config's values alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pulsecheck.textsafe import one_line

secrets_app = typer.Typer(help="Find leaked keys and passwords (working tree and git history).",
                          no_args_is_help=True)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"pulsecheck: error: {one_line(message)}", err=True)
    return typer.Exit(2)


@secrets_app.command("scan")
def scan(
    path: Annotated[Path, typer.Argument(help="Repository (default: current directory).")] = Path("."),
    since: Annotated[str | None, typer.Option("--since", help="Scan only commits in REV..HEAD.")] = None,
    staged: Annotated[bool, typer.Option("--staged", help="Scan only staged changes (pre-commit).")] = False,
    no_history: Annotated[bool, typer.Option("--no-history", help="Working tree only.")] = False,
    directory: Annotated[Path | None, typer.Option("--dir", help="Scan a plain directory (no git).")] = None,
    gitleaks_config: Annotated[Path | None, typer.Option("--gitleaks-config",
                                                         help="Also load rules from a gitleaks TOML.")] = None,
    fmt: Annotated[list[str] | None, typer.Option("--format", "-f", help="Output format; repeatable.",
                                                  envvar="PULSECHECK_FORMAT")] = None,
    output: Annotated[str | None, typer.Option("--output", "-o", help="File, directory or - for stdout.")] = None,
    fail_on: Annotated[str | None, typer.Option(
        "--fail-on", help="Lowest severity that fails (default: config, else low).")] = None,
    baseline: Annotated[Path | None, typer.Option("--baseline", help="Report only findings not in it.")] = None,
    config: Annotated[Path | None, typer.Option("--config", help="pulsecheck.toml to use.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
    no_repo_config: Annotated[bool, typer.Option(
        "--no-repo-config", help="Ignore the scanned repository's own config.")] = False,
) -> None:
    """Scan for secrets; with no option, the working tree and every commit of every ref."""
    from pulsecheck import engine
    from pulsecheck.cli import build_settings, make_observer, write_outputs
    from pulsecheck.model import Targets
    from pulsecheck.reporters import render
    from pulsecheck.reporters.interface import OutputFormat
    from pulsecheck.stages.secrets import STAGE

    root = directory if directory is not None else path
    if not root.is_dir():
        raise _fail(f"{root}: not a directory")
    if staged and (since or directory is not None):
        raise _fail("--staged cannot be combined with --since or --dir")
    if gitleaks_config is not None and not gitleaks_config.is_file():
        raise _fail(f"{gitleaks_config}: gitleaks config not found")
    if baseline is not None and not baseline.is_file():
        raise _fail(f"{baseline}: baseline file not found")
    try:
        formats = [OutputFormat(f) for f in (fmt or ["terminal"])]
    except ValueError:
        raise _fail(f"--format: choose from {', '.join(f.value for f in OutputFormat)}") from None
    options: dict[str, object] = {}
    if since:
        options["since"] = since
    if staged:
        options.update(staged=True, history=False)
    if no_history or directory is not None:
        options["history"] = False
    if directory is not None:
        options["respect_gitignore"] = False
    if gitleaks_config is not None:
        options["gitleaks_config"] = str(gitleaks_config.resolve())
    settings = build_settings(root, config, no_repo_config=no_repo_config, stage_flags={"secrets": options},
                              defaults={"fail_on": "low"}, stages=["secrets"], fail_on=fail_on,
                              baseline=str(baseline) if baseline else None)
    report = engine.run(Targets(path=str(root.resolve())), settings, make_observer(quiet), stages={"secrets": STAGE})
    written = write_outputs(report, formats, output)
    if OutputFormat.TERMINAL in formats or not quiet:
        typer.echo(render(report, OutputFormat.TERMINAL), err=True)
    for target in written:
        if not quiet:
            typer.echo(f"report written: {one_line(str(target))}", err=True)
    raise typer.Exit(engine.exit_code(report, settings))


def register(app: typer.Typer) -> None:
    app.add_typer(secrets_app, name="secrets")
