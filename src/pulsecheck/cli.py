"""Command line: parse flags -> Settings -> engine -> reporters -> exit code. Nothing more.

Extra command groups (``secrets``, ``db``, ``sbom``, ``demo``...) live in
:mod:`pulsecheck.commands`; every module there exposes ``register(app)``.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated

import typer

import pulsecheck.commands as commands_pkg
from pulsecheck import __version__, engine
from pulsecheck.config import ConfigError, load_settings
from pulsecheck.model import Report, Rule, Targets
from pulsecheck.observer import Observer, PlainObserver
from pulsecheck.report_files import default_output_refusal
from pulsecheck.reporters import render
from pulsecheck.reporters.interface import OutputFormat
from pulsecheck.settings import ALL_STAGES, Settings
from pulsecheck.targets import HostTarget
from pulsecheck.textsafe import one_line

app = typer.Typer(
    name="pulsecheck",
    help="Security audit of healthcare software, mapped to HIPAA and GDPR.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
rules_app = typer.Typer(help="List and explain the rules.", no_args_is_help=True)
baseline_app = typer.Typer(help="Accept current findings so that only new ones are reported.",
                           no_args_is_help=True)
app.add_typer(rules_app, name="rules")
app.add_typer(baseline_app, name="baseline")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"pulsecheck {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    """pulsecheck: one command for a health app's security audit."""


def fail(message: str) -> typer.Exit:
    """Print a one-line usage error and return the exit to raise (code 2)."""
    typer.echo(f"pulsecheck: error: {one_line(message)}", err=True)
    return typer.Exit(2)


def make_observer(quiet: bool = False) -> Observer:
    if quiet:
        return Observer()
    if sys.stderr.isatty() and not os.environ.get("CI"):
        from pulsecheck.rich_observer import RichObserver

        return RichObserver()
    return PlainObserver()


def build_settings(path: Path | None, config: Path | None, *, no_repo_config: bool = False,
                   stage_flags: Mapping[str, Mapping[str, object]] | None = None,
                   defaults: Mapping[str, object] | None = None, **flags: object) -> Settings:
    """Settings from the flags the user gave (None: not given, so config and environment apply)."""
    try:
        return load_settings(flags={k: v for k, v in flags.items() if v not in (None, [], ())},
                             config_file=config, repo=path, stage_flags=stage_flags, defaults=defaults,
                             no_repo_config=no_repo_config)
    except ConfigError as exc:
        raise fail(str(exc)) from None


NoRepoConfigOpt = Annotated[bool, typer.Option(
    "--no-repo-config", help="Ignore the scanned repository's own config (third-party code, pull requests "
                             "from forks). Also PULSECHECK_NO_REPO_CONFIG=1.")]


def write_outputs(report: Report, formats: list[OutputFormat], output: str | None) -> list[Path]:
    """Write each format; the terminal summary always goes to stderr. Returns files written.

    Files are written atomically and never through a symlink planted in the scanned repository
    (:mod:`pulsecheck.safeio`); see :mod:`pulsecheck.report_files` for where they go. A format
    that cannot be written does not stop the others; the command then exits 2.
    """
    from pulsecheck.report_files import default_output_refusal, target_for
    from pulsecheck.safeio import write_atomic

    repo = Path(report.targets.path) if report.targets.path else None
    refusal = default_output_refusal(repo, formats, output)
    if refusal:
        raise fail(refusal)
    written: list[Path] = []
    errors: list[str] = []
    files = [f for f in formats if f is not OutputFormat.TERMINAL]
    for fmt in files:
        if fmt.binary:  # PDF: printed by Chromium; a missing Chromium is one line, the other formats go on
            from pulsecheck.reporters import render_bytes
            from pulsecheck.reporters.pdf import PdfUnavailable

            try:
                data: str | bytes = render_bytes(report, fmt)
            except PdfUnavailable as exc:
                errors.append(str(exc))
                continue
        else:
            data = render(report, fmt)
        if output == "-":
            if isinstance(data, bytes):
                sys.stdout.flush()
                sys.stdout.buffer.write(data)
            else:
                sys.stdout.write(data if data.endswith("\n") else data + "\n")
            continue
        target = target_for(fmt, output, len(files) > 1)
        try:
            write_atomic(target, data, repo=repo)
        except OSError as exc:
            errors.append(f"{target}: report not written ({exc.strerror or exc})")
            continue
        written.append(target)
    if errors:
        for target in written:
            typer.echo(f"report written: {one_line(str(target))}", err=True)
        raise fail("; ".join(errors))
    return written


def audit_stage_flags(*, plan: bool, active: bool, allow_destructive: bool, openapi: str | None,
                      har: Path | None, auth: list[str] | None, auth_b: list[str] | None, login: Path | None,
                      login_b: Path | None, ports: str | None) -> dict[str, dict[str, object]]:
    """The audit flags that are stage options (``[stages.dast]``, ``[stages.recon]``); only the
    flags given, so config files still apply to the rest."""
    dast: dict[str, object] = {}
    recon: dict[str, object] = {}
    if plan:
        dast["plan"] = recon["plan"] = True
    if active:
        dast["active"] = True
    if allow_destructive:
        dast["allow_destructive"] = True
    for key, value in (("openapi", openapi), ("har", str(har) if har else None),
                       ("login", str(login) if login else None), ("login_b", str(login_b) if login_b else None)):
        if value:
            dast[key] = value
    if auth:
        dast["auth"] = tuple(auth)
    if auth_b:
        dast["auth_b"] = tuple(auth_b)
    if ports:
        recon["ports"] = ports
    return {name: flags for name, flags in (("dast", dast), ("recon", recon)) if flags}


FormatOpt = Annotated[list[OutputFormat] | None, typer.Option(
    "--format", "-f", help="Output format; repeat for several.", envvar="PULSECHECK_FORMAT")]


@app.command()
def audit(
    path: Annotated[Path | None, typer.Argument(help="Repository to audit.")] = None,
    url: Annotated[list[str] | None, typer.Option("--url", help="Running app/API to scan (DAST).")] = None,
    host: Annotated[list[str] | None, typer.Option("--host", help="Host in scope (recon).")] = None,
    stage: Annotated[list[str] | None, typer.Option("--stage", "-s", help="Run only these stages.")] = None,
    fmt: FormatOpt = None,
    output: Annotated[str | None, typer.Option("--output", "-o", help="File, directory or - for stdout.",
                                               envvar="PULSECHECK_OUTPUT")] = None,
    fail_on: Annotated[str | None, typer.Option("--fail-on", help="Lowest severity that fails.")] = None,
    baseline: Annotated[Path | None, typer.Option("--baseline", help="Report only findings not in it.")] = None,
    config: Annotated[Path | None, typer.Option("--config", help="pulsecheck.toml to use.",
                                                envvar="PULSECHECK_CONFIG")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
    no_repo_config: NoRepoConfigOpt = False,
    plan: Annotated[bool, typer.Option("--plan", help="List what DAST and recon would send; send nothing.")] = False,
    active: Annotated[bool, typer.Option("--active", help="DAST: also run active (attack) checks.")] = False,
    allow_destructive: Annotated[bool, typer.Option(
        "--allow-destructive", help="DAST: also send DELETE and operations the spec marks destructive.")] = False,
    openapi: Annotated[str | None, typer.Option("--openapi", help="DAST: OpenAPI/Swagger spec (file or URL).")] = None,
    har: Annotated[Path | None, typer.Option("--har", help="DAST: HAR recording to seed requests.")] = None,
    auth: Annotated[list[str] | None, typer.Option(
        "--auth", help="DAST identity A: 'Header: value' or 'Cookie: name=value' (repeatable).")] = None,
    auth_b: Annotated[list[str] | None, typer.Option("--auth-b", help="DAST identity B, as --auth.")] = None,
    login: Annotated[Path | None, typer.Option("--login", help="DAST identity A: login recipe (TOML).")] = None,
    login_b: Annotated[Path | None, typer.Option("--login-b", help="DAST identity B: login recipe.")] = None,
    ports: Annotated[str | None, typer.Option("--ports", help="Recon: ports ('top1000', 'all', '22,80,8000-8100').")] = None,
    store: Annotated[str | None, typer.Option(
        "--store", help="History store: sqlite:///FILE, a file path or postgresql://... (default: "
                        "./.pulsecheck/history.sqlite; PULSECHECK_STORE, 'off' for none).")] = None,
    no_store: Annotated[bool, typer.Option("--no-store", help="Do not record this audit in the history store.")] = False,
    since: Annotated[str | None, typer.Option(
        "--since", help="Secrets: scan only the commits in REV..HEAD (a pull request: origin/main).")] = None,
) -> None:
    """Audit a repository and, when asked, its running deployment and hosts."""
    if path is None and not url and not host:
        raise fail("nothing to audit: give a PATH, --url or --host")
    if path is not None and not path.is_dir():
        raise fail(f"{path}: not a directory")
    for name in stage or []:
        if name not in ALL_STAGES:
            raise fail(f"--stage {name}: unknown stage (choose from {', '.join(ALL_STAGES)})")
    if baseline is not None and not baseline.is_file():
        raise fail(f"{baseline}: baseline file not found")
    stage_flags = audit_stage_flags(plan=plan, active=active, allow_destructive=allow_destructive,
                                    openapi=openapi, har=har, auth=auth, auth_b=auth_b, login=login,
                                    login_b=login_b, ports=ports)
    if since:
        stage_flags.setdefault("secrets", {})["since"] = since
    settings = build_settings(path, config, no_repo_config=no_repo_config, stages=stage, fail_on=fail_on,
                              baseline=str(baseline) if baseline else None, stage_flags=stage_flags)
    for name in host or []:
        try:
            HostTarget.parse(name)
        except ValueError as exc:
            raise fail(f"--host {exc}") from None
    formats = list(fmt or [OutputFormat.TERMINAL])
    refusal = default_output_refusal(path.resolve() if path else None, formats, output)
    if refusal:  # before the audit, not after minutes of scanning
        raise fail(refusal)
    if OutputFormat.PDF in formats:
        from pulsecheck.reporters.pdf import missing_message

        if (missing := missing_message()) is not None:
            raise fail(missing)
    targets = Targets(path=str(path.resolve()) if path else None, urls=tuple(url or ()), hosts=tuple(host or ()))
    report = engine.run(targets, settings, make_observer(quiet))
    from pulsecheck.store import record_for_audit, store_url

    # a --plan run sends nothing: recorded, its empty DAST/recon results would read as fixes
    report, store_warning = record_for_audit(report, store_url(store, no_store or plan))
    from pulsecheck.checklist import attach_status

    report = attach_status(report)  # the repository's pulsecheck-checklist.yaml, with this audit's evidence
    if store_warning:
        typer.echo(f"pulsecheck: warning: {one_line(store_warning)}", err=True)
    written = write_outputs(report, formats, output)
    if not quiet:
        typer.echo(render(report, OutputFormat.TERMINAL), err=True)
        for target in written:
            typer.echo(f"report written: {one_line(str(target))}", err=True)
    raise typer.Exit(engine.exit_code(report, settings))


@rules_app.command("list")
def rules_list(
    stage: Annotated[str | None, typer.Option("--stage", help="Only this stage's rules.")] = None,
) -> None:
    """List every rule: id, severity, CWE and title."""
    from pulsecheck.core_rules import CORE_RULES

    for name, rules in {**_rule_sets(), "core": CORE_RULES}.items():
        if stage and name != stage:
            continue
        for rule in rules:
            typer.echo(f"{rule.id:45} {rule.severity.value:8} {','.join(rule.cwe):18} {rule.title}")


def _rule_sets() -> dict[str, Sequence[Rule]]:
    """Each loadable stage's rules; a stage that cannot load or list its rules gets one line on stderr."""
    from pulsecheck.stages.registry import discover

    found = discover()
    out: dict[str, Sequence[Rule]] = {}
    for name, reason in found.broken.items():
        typer.echo(f"pulsecheck: stage '{name}' unavailable: {one_line(reason)}", err=True)
    for name, st in found.stages.items():
        try:
            out[name] = tuple(st.rules())
        except Exception as exc:  # noqa: BLE001 - one stage's broken rules must not hide the others
            typer.echo(f"pulsecheck: stage '{name}' rules unavailable: {type(exc).__name__}: "
                       f"{one_line(str(exc))}", err=True)
    return out


@rules_app.command("show")
def rules_show(rule_id: Annotated[str, typer.Argument(help="Rule id, e.g. secrets.github-pat")]) -> None:
    """Explain one rule: what it finds, why it matters, how to fix it."""
    from pulsecheck.compliance.mapper import controls_for
    from pulsecheck.core_rules import CORE_RULES

    for rules in [*_rule_sets().values(), CORE_RULES]:
        for rule in rules:
            if rule.id == rule_id:
                hipaa, gdpr = controls_for(rule.cwe)
                lines = [
                    f"{rule.id}: {rule.title}",
                    f"stage: {rule.stage}   severity: {rule.severity.value}   confidence: {rule.confidence.value}",
                    f"CWE: {', '.join(rule.cwe) or '-'}   OWASP: {', '.join(rule.owasp) or '-'}",
                    f"HIPAA: {', '.join(hipaa) or '-'}   GDPR: {', '.join(gdpr) or '-'}",
                    "",
                    rule.description or rule.title,
                ]
                if rule.remediation:
                    lines += ["", f"Remediation: {rule.remediation}"]
                lines += _rule_examples(rule)
                if rule.references:
                    lines += ["", "References:"] + [f"  {ref}" for ref in rule.references]
                typer.echo("\n".join(lines))
                return
    raise fail(f"{rule_id}: no such rule (see 'pulsecheck rules list')")


def _rule_examples(rule: Rule) -> list[str]:
    """A vulnerable and a fixed example, when the rule's stage has them (``stage.explain(id)``
    returning ``{"bad": ..., "good": ...}``)."""
    from pulsecheck.stages.registry import discover

    st = discover().stages.get(rule.stage)
    explain = getattr(st, "explain", None)
    try:
        details = explain(rule.id) if callable(explain) else None
    except Exception:  # noqa: BLE001 - examples are extras: the rule is still shown
        details = None
    out: list[str] = []
    for key, label in (("bad", "Vulnerable example:"), ("good", "Fixed example:")):
        text = details.get(key) if isinstance(details, Mapping) else None
        if text:
            out += ["", label] + [f"    {line}" for line in str(text).splitlines()]
    return out


@baseline_app.command("create")
def baseline_create(
    path: Annotated[Path, typer.Argument(help="Repository to audit.")] = Path("."),
    output: Annotated[Path, typer.Option("--output", "-o", help="Baseline file to write.")] = Path(
        ".pulsecheck-baseline.json"),
    reason: Annotated[str, typer.Option("--reason", help="Why these findings are accepted.")] = "",
    stage: Annotated[list[str] | None, typer.Option("--stage", "-s")] = None,
    config: Annotated[Path | None, typer.Option("--config")] = None,
    no_repo_config: NoRepoConfigOpt = False,
) -> None:
    """Audit PATH and record its findings' fingerprints (never secret values) as accepted."""
    from pulsecheck.suppress import write_baseline

    if not path.is_dir():
        raise fail(f"{path}: not a directory")
    # The new baseline must list every current finding, including those an old one accepts.
    settings = build_settings(path, config, no_repo_config=no_repo_config, stages=stage)
    settings = settings.model_copy(update={"baseline": None, "effects": tuple(
        e for e in settings.effects if not (e.kind == "other" and e.value == settings.baseline))})
    report = engine.run(Targets(path=str(path.resolve())), settings, make_observer())
    try:
        write_baseline(report, output, reason=reason)
    except OSError as exc:
        raise fail(f"{output}: baseline not written ({exc.strerror or exc})") from None
    typer.echo(f"baseline of {len(report.findings)} finding(s) written to {one_line(str(output))}", err=True)


def _register_command_modules() -> None:
    for info in pkgutil.iter_modules(commands_pkg.__path__):
        module = importlib.import_module(f"{commands_pkg.__name__}.{info.name}")
        register = getattr(module, "register", None)
        if callable(register):
            register(app)


_register_command_modules()


def main() -> None:
    try:
        app()
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
        if any(t.name.startswith("stage-") and t.is_alive() for t in threading.enumerate()):
            # A stage that would not stop after its time limit (its processes are already
            # killed) must not keep the process alive: the report is written, leave now.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
        raise
