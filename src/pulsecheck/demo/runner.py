"""``pulsecheck demo``: audit the embedded clinic app end to end on this machine, offline.

Steps: copy the app (vulnerable or fixed twin) to a scratch directory, give it a git history,
start it over HTTP and HTTPS on free 127.0.0.1 ports, run every stage against the copy and
the two servers only, stop the servers (always), write the reports, and check the result
against the app's own ground truth (``VULNERABILITIES.md``).
"""

from __future__ import annotations

import os
import secrets
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from pulsecheck import engine
from pulsecheck.demo import fakes, gitrepo, truth
from pulsecheck.demo.gitrepo import DemoError
from pulsecheck.demo.servers import LOOPBACK, DemoServers, ServerSpec, free_port
from pulsecheck.demo.tls import accepts_tls10, write_self_signed
from pulsecheck.model import Report, Targets
from pulsecheck.observer import Observer
from pulsecheck.reporters import render
from pulsecheck.reporters.interface import OutputFormat
from pulsecheck.settings import Settings
from pulsecheck.stages.dast.demo import demo_options as dast_demo_options
from pulsecheck.targets import Identity, UrlTarget

PACKAGE_DIR = Path(__file__).resolve().parent
OSV_DATA = PACKAGE_DIR / "data" / "osv"
REPORT_FORMATS = (OutputFormat.HTML, OutputFormat.JSON, OutputFormat.SARIF)
DEFAULT_OUTPUT = Path("pulsecheck-demo-report")
STAGE_TIMEOUT_S = 90.0
DEMO_USERS = {"clinician": "dr.okafor@northwind.example", "patient": "amina831@example.org"}


@dataclass
class DemoResult:
    fixed: bool
    report: Report
    check: truth.Check
    ports: dict[str, int]
    urls: tuple[str, ...]
    hosts: tuple[str, ...]
    tls10: bool
    written: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    server_pids: list[int] = field(default_factory=list)
    duration_s: float = 0.0
    exit_code: int = 0


def app_source(fixed: bool) -> Path:
    """The demo app shipped with pulsecheck (package data first, then the source checkout)."""
    name = "clinic-fixed" if fixed else "clinic"
    for candidate in (PACKAGE_DIR / "apps" / name, PACKAGE_DIR.parents[2] / "examples" / name):
        if (candidate / "app" / "main.py").is_file():
            return candidate
    raise DemoError(f"demo app '{name}' not found (looked in {PACKAGE_DIR / 'apps'} and the source checkout)")


def ground_truth_file() -> Path:
    path = app_source(fixed=False) / "VULNERABILITIES.md"
    if not path.is_file():
        raise DemoError(f"{path}: the demo's ground truth is missing")
    return path


@contextmanager
def _loopback_without_proxy() -> Iterator[None]:
    """Keep every HTTP client in this process off any configured proxy for 127.0.0.1."""
    saved = {k: os.environ.get(k) for k in ("NO_PROXY", "no_proxy")}
    for key, old in saved.items():
        os.environ[key] = ",".join(x for x in (old, LOOPBACK, "localhost") if x)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def _deps_options(work: Path, problems: list[str]) -> dict[str, Any]:
    """Import the advisories bundled with the demo into a fresh database for the deps stage."""
    try:
        from pulsecheck.stages.deps.db import import_path
    except ImportError:
        return {}
    db_path = work / "osv.sqlite"
    try:
        import_path(OSV_DATA, db_path)
    except Exception as exc:  # noqa: BLE001 - the audit still runs; deps reports the missing DB
        problems.append(f"demo advisory data could not be imported: {exc}")
    return {"db": str(db_path)}


def _login(base_url: str, email: str, password: str) -> str | None:
    try:
        with httpx.Client(trust_env=False, timeout=5.0) as client:
            response = client.post(f"{base_url}/api/auth/login", json={"email": email, "password": password})
        token = response.json().get("access_token") if response.status_code == 200 else None
        return str(token) if token else None
    except (httpx.HTTPError, ValueError):
        return None


def _identities(base_url: str, password: str) -> tuple[Identity, ...]:
    """Two demo users, logged in, so DAST can test authenticated and cross-user access."""
    out = []
    for name, email in DEMO_USERS.items():
        token = _login(base_url, email, password)
        if token:
            out.append(Identity.bearer(name, token))
    return tuple(out)


def _write_reports(report: Report, output: Path, problems: list[str]) -> list[Path]:
    written: list[Path] = []
    output.mkdir(parents=True, exist_ok=True)
    for fmt in REPORT_FORMATS:
        target = output / f"pulsecheck-report.{fmt.extension}"
        try:
            target.write_text(render(report, fmt), encoding="utf-8")
        except Exception as exc:  # noqa: BLE001 - one broken format must not lose the others
            problems.append(f"{fmt.value} report not written: {type(exc).__name__}: {exc}")
            continue
        written.append(target)
    return written


def run_demo(fixed: bool = False, output: Path = DEFAULT_OUTPUT, observer: Observer | None = None,
             stages: tuple[str, ...] | None = None) -> DemoResult:
    """Run the whole demo; the servers are stopped before this returns or raises."""
    started = time.monotonic()
    planted, allowed = truth.load(ground_truth_file())
    source = app_source(fixed)
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="pulsecheck-demo-") as tmp:
        work = Path(tmp)
        repo = work / "northwind-clinic"
        secret_values = fakes.generate()
        gitrepo.copy_app(source, repo, secret_values)
        gitrepo.build_history(repo, secret_values, fixed)
        cert = write_self_signed(work)
        ports = {"http": free_port(), "https": free_port()}
        specs = [ServerSpec("http", ports["http"]),
                 ServerSpec("https", ports["https"], tls=cert, legacy_tls=not fixed)]
        password = secrets.token_urlsafe(12)
        app_env = {"CLINIC_DEMO_PASSWORD": password, "CLINIC_JWT_SECRET": secrets.token_urlsafe(48),
                   "CLINIC_LLM_BASE_URL": f"{specs[0].url}/llm/v1",
                   "CLINIC_ALLOWED_ORIGINS": "https://portal.northwind.example"}
        urls = tuple(spec.url for spec in specs)
        hosts = tuple(f"{LOOPBACK}:{spec.port}" for spec in specs)
        with DemoServers(repo, work, specs, app_env) as servers, _loopback_without_proxy():
            tls10 = accepts_tls10(ports["https"])
            options = {"deps": _deps_options(work, problems),
                       "dast": dast_demo_options(work, DEMO_USERS["clinician"], password)}
            settings = Settings(stage_options=options, stage_timeout_s=STAGE_TIMEOUT_S,
                                stages=stages or Settings().stages)
            people = _identities(specs[0].url, password)
            web = tuple(UrlTarget(url, identities=people) for url in urls)
            report = engine.run(Targets(path=str(repo), urls=urls, hosts=hosts, web=web), settings, observer)
            pids = servers.pids
    ran = [r.name for r in report.stages if r.status in ("completed", "partial", "errored")]
    if fixed:
        check = truth.check_fixed(report.findings, allowed, ports)
    else:
        check = truth.check_vulnerable(report.findings, planted, ran, ports, ("tls10",) if tls10 else ())
    result = DemoResult(fixed=fixed, report=report, check=check, ports=ports, urls=urls, hosts=hosts,
                        tls10=tls10, problems=problems, server_pids=pids)
    result.written = _write_reports(report, output, problems)
    result.exit_code = demo_exit_code(result, settings)
    result.duration_s = time.monotonic() - started
    return result


def demo_exit_code(result: DemoResult, settings: Settings) -> int:
    """2 a stage errored or scanned only part; 1 the ground truth was not met; 0 as documented.

    The demo is expected to find issues, so unlike ``pulsecheck audit`` findings alone do not
    fail it: on the vulnerable app, 0 means every planted issue of every stage that ran was
    reported; on the fixed twin, 0 means nothing above low beyond what VULNERABILITIES.md explains.
    """
    if engine.exit_code(result.report, settings) == 2:
        return 2
    return 0 if result.check.ok else 1
