"""``pulsecheck demo [--fixed] [--output DIR]``: audit the embedded clinic app end to end."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pulsecheck.textsafe import one_line


def _summary(result: object) -> list[str]:
    from pulsecheck.demo.runner import DemoResult

    assert isinstance(result, DemoResult)
    check = result.check
    lines = [f"demo target: {'fixed twin' if result.fixed else 'vulnerable clinic app'} at "
             f"{', '.join(result.urls)} (stopped); TLS 1.0 offered: {'yes' if result.tls10 else 'no'}"]
    if result.fixed:
        lines.append(f"ground truth: {len(check.unexpected)} finding(s) above low not explained "
                     "by VULNERABILITIES.md")
        lines += [f"  unexpected: {f.rule_id} at {f.location.display()}" for f in check.unexpected]
    else:
        total = len(check.found) + len(check.missed)
        lines.append(f"ground truth: {len(check.found)}/{total} planted issues found in the stages that ran"
                     f" ({len(check.not_applicable)} planted for stages not available or not applicable)")
        lines += [f"  missed: {e.id} {e.stage} {e.location} ({e.what})" for e in check.missed]
    lines += [f"warning: {p}" for p in result.problems]
    lines += [f"report written: {path}" for path in result.written]
    lines.append(f"demo finished in {result.duration_s:.1f}s, exit code {result.exit_code}")
    return [one_line(line) if not line.startswith("  ") else "  " + one_line(line) for line in lines]


def demo(
    fixed: Annotated[bool, typer.Option("--fixed", help="Audit the fixed twin instead (precision check).")] = False,
    output: Annotated[Path, typer.Option("--output", "-o", help="Directory for the HTML, JSON and SARIF reports.",
                                         envvar="PULSECHECK_DEMO_OUTPUT")] = Path("pulsecheck-demo-report"),
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
) -> None:
    """Audit a built-in vulnerable clinic app (copied, given a git history, served on 127.0.0.1).

    Exit code: 0 the demo behaved as documented (vulnerable: every planted issue of every
    available stage reported; --fixed: nothing above low beyond the documented exceptions),
    1 it did not, 2 a stage errored or scanned only part, or the demo could not start.
    """
    import importlib.util

    from pulsecheck.cli import fail, make_observer
    from pulsecheck.demo.gitrepo import DemoError

    missing = [m for m in ("fastapi", "uvicorn", "sqlalchemy", "jwt", "cryptography")
               if importlib.util.find_spec(m) is None]
    if missing:
        raise fail(f"demo: the demo app needs the 'demo' extra ({', '.join(missing)} not installed): "
                   "pip install 'pulsecheck[demo]', or run 'bash scripts/demo' which installs it")
    from pulsecheck.demo.runner import run_demo
    from pulsecheck.reporters import render
    from pulsecheck.reporters.interface import OutputFormat

    try:
        result = run_demo(fixed=fixed, output=output, observer=make_observer(quiet))
    except DemoError as exc:
        raise fail(f"demo: {exc}") from None
    try:
        typer.echo(render(result.report, OutputFormat.TERMINAL), err=True)
    except Exception as exc:  # noqa: BLE001 - the files are written; say why the summary is not
        typer.echo(f"terminal summary unavailable: {one_line(str(exc))}", err=True)
    for line in _summary(result):
        typer.echo(line, err=True)
    raise typer.Exit(result.exit_code)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
