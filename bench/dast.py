"""DAST benchmark: speed and politeness on the demo app, classes found side by side with Wapiti
and sqlmap on the test bed.

    .venv/bin/python bench/dast.py [--rate 10] [--no-tools]

1. Full active scan of the demo clinic app (HTTP, two logged-in identities): requests sent,
   achieved requests per second (first to last request) against the configured rate (must be
   within 10% of it, never above), wall time, and which planted DAST-xx issues were found.
2. The test bed's FastAPI vulnerable and fixed twins (tests/fixtures/dast/api_bed.py): the
   vulnerability classes pulsecheck, Wapiti (Debian package ``wapiti``) and sqlmap (``sqlmap``)
   each report, and their wall time. Wapiti's ``ssrf`` and ``wapp`` modules are left out: they
   contact outside services. The tools are installed with apt-get when missing and we are root.

Everything runs on 127.0.0.1; nothing is sent anywhere else.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

# bench/ holds scripts named like stdlib modules (secrets.py): keep it off the import path
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import httpx  # noqa: E402
import uvicorn  # noqa: E402

from pulsecheck import engine  # noqa: E402
from pulsecheck.demo import fakes, gitrepo, truth  # noqa: E402
from pulsecheck.demo.runner import DEMO_USERS, app_source, ground_truth_file  # noqa: E402
from pulsecheck.demo.servers import DemoServers, ServerSpec, free_port  # noqa: E402
from pulsecheck.model import Report, Severity, Targets  # noqa: E402
from pulsecheck.settings import Settings  # noqa: E402
from pulsecheck.targets import Identity, UrlTarget  # noqa: E402

# Classes of the test bed's vulnerable twin, and how each tool names them.
BED_CLASSES = {
    "sql-injection": {"pulsecheck": ("dast.sql-injection",), "wapiti": ("SQL Injection", "Blind SQL Injection"),
                      "sqlmap": ("sqli",)},
    "xss": {"pulsecheck": ("dast.xss-reflected",), "wapiti": ("Cross Site Scripting",)},
    "path-traversal": {"pulsecheck": ("dast.path-traversal",), "wapiti": ("Path Traversal",)},
    "open-redirect": {"pulsecheck": ("dast.open-redirect",), "wapiti": ("Open Redirect",)},
    "ssrf": {"pulsecheck": ("dast.ssrf",), "wapiti": ("Server Side Request Forgery",)},
    "bola": {"pulsecheck": ("dast.bola",)},
    "mass-assignment": {"pulsecheck": ("dast.mass-assignment",)},
    "jwt-alg-none": {"pulsecheck": ("dast.jwt-alg-none",)},
    "jwt-weak-key": {"pulsecheck": ("dast.jwt-weak-hmac-key",)},
    "nosql-injection": {"pulsecheck": ("dast.nosql-injection",)},
    "user-enumeration": {"pulsecheck": ("dast.user-enumeration",)},
    "exposed-env/git": {"pulsecheck": ("dast.exposed-env", "dast.exposed-git"), "wapiti": ("Backup file",)},
    "stack-trace": {"pulsecheck": ("dast.stack-trace",)},
    "cors": {"pulsecheck": ("dast.cors-reflected-origin-credentials",)},
    "cookie-flags": {"pulsecheck": ("dast.cookie-no-httponly", "dast.cookie-no-secure"),
                     "wapiti": ("HttpOnly Flag cookie", "Secure Flag cookie")},
    "security-headers": {"pulsecheck": ("dast.missing-csp", "dast.missing-frame-options",
                                        "dast.missing-content-type-options"),
                         "wapiti": ("Content Security Policy Configuration", "HTTP Secure Headers",
                                    "Clickjacking Protection")},
    "phi-unauthenticated": {"pulsecheck": ("dast.phi-unauthenticated",)},
    "fhir": {"pulsecheck": ("dast.fhir-unauthenticated-read", "dast.fhir-compartment-leak")},
}


def ensure_tools() -> list[str]:
    notes = []
    missing = [t for t in ("wapiti", "sqlmap") if shutil.which(t) is None]
    if missing and os.geteuid() == 0:
        r = subprocess.run(["apt-get", "install", "-y", *missing], capture_output=True, text=True, timeout=900)
        if r.returncode != 0:
            notes.append(f"apt-get install {' '.join(missing)} failed: {r.stderr.strip()[-200:]}")
    elif missing:
        notes.append(f"{', '.join(missing)} not installed and not root: skipped")
    return notes


def run_stage(url: str, identities: tuple[Identity, ...], **options: Any) -> tuple[Report, float]:
    settings = Settings(stage_options={"dast": options}, stages=("dast",), stage_timeout_s=600)
    started = time.monotonic()
    report = engine.run(Targets(urls=(url,), web=(UrlTarget(url, identities=identities),)), settings, None)
    return report, time.monotonic() - started


def dast_facts(report: Report) -> dict[str, Any]:
    result = next(r for r in report.stages if r.name == "dast")
    return dict(getattr(result.outcome, "facts", {}).get("targets", [{}])[0])


def demo_scan(rate: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-dast-") as tmp:
        work = Path(tmp)
        repo = work / "clinic"
        values = fakes.generate()
        gitrepo.copy_app(app_source(False), repo, values)
        gitrepo.build_history(repo, values, False)
        port = free_port()
        password = "bench-" + os.urandom(6).hex()
        env = {"CLINIC_DEMO_PASSWORD": password, "CLINIC_JWT_SECRET": os.urandom(24).hex(),
               "CLINIC_LLM_BASE_URL": f"http://127.0.0.1:{port}/llm/v1",
               "CLINIC_ALLOWED_ORIGINS": "https://portal.northwind.example"}
        with DemoServers(repo, work, [ServerSpec("http", port)], env):
            url = f"http://127.0.0.1:{port}"
            ids = []
            for name, email in DEMO_USERS.items():
                token = httpx.post(f"{url}/api/auth/login", json={"email": email, "password": password},
                                   trust_env=False).json()["access_token"]
                ids.append(Identity.bearer(name, token))
            from pulsecheck.stages.dast.demo import demo_options

            opts = {**demo_options(work, DEMO_USERS["clinician"], password), "per_second": rate,
                    "max_seconds": 300.0, "verify_tls": True}
            report, wall = run_stage(url, tuple(ids), **opts)
    planted, _ = truth.load(ground_truth_file())
    dast_rows = [p for p in planted if p.stage == "dast"]
    check = truth.check_vulnerable(report.findings, dast_rows, ["dast"], {"http": port})
    facts = dast_facts(report)
    return {"requests": facts.get("requests"), "rps": facts.get("rps"), "configured_rps": rate,
            "rate_ok": facts.get("rps", 0) <= rate * 1.10 and facts.get("rps", 0) >= rate * 0.90,
            "wall_s": round(wall, 1), "found": [e.id for e in check.found], "missed": [e.id for e in check.missed],
            "findings": len(report.findings)}


class Bed:
    def __init__(self, vulnerable: bool) -> None:
        from fixtures.dast import api_bed

        self.files = Path(tempfile.mkdtemp(prefix="bench-bed-"))
        (self.files / "readme.txt").write_text("readme")
        app, self.tokens = api_bed.make_app(vulnerable, self.files)
        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="error",
                                                    lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Bed:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.should_exit = True
        self.thread.join(5)
        shutil.rmtree(self.files, ignore_errors=True)


def pulsecheck_bed(bed: Bed) -> tuple[set[str], float, int]:
    ids = tuple(Identity.bearer(n, t) for n, t in bed.tokens.items())
    report, wall = run_stage(bed.url, ids, active=True, per_second=50.0)
    rules = {f.rule_id for f in report.findings if f.severity >= Severity.LOW}
    above_low = sum(1 for f in report.findings if f.severity > Severity.LOW)
    return {c for c, names in BED_CLASSES.items() if rules & set(names["pulsecheck"])}, wall, above_low


def wapiti_bed(bed: Bed) -> tuple[set[str], float, str]:
    out = Path(tempfile.mkdtemp(prefix="bench-wapiti-")) / "report.json"
    modules = "backup,blindsql,cookieflags,crlf,csp,exec,file,http_headers,redirect,sql,xss,permanentxss"
    cmd = ["wapiti", "-u", f"{bed.url}/", "--scope", "folder", "-m", modules, "--flush-session", "-f", "json",
           "-o", str(out), "--max-scan-time", "240", "-H", f"Authorization: Bearer {bed.tokens['alice']}",
           "--verify-ssl", "0"]
    started = time.monotonic()
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env={**os.environ, "NO_PROXY": "*"})
    wall = time.monotonic() - started
    try:
        doc = json.loads(out.read_text())
    except (OSError, ValueError):
        return set(), wall, f"no report (exit {r.returncode}): {r.stderr.strip()[-200:]}"
    names = {k for k, v in (doc.get("vulnerabilities") or {}).items() if v}
    names |= {k for k, v in (doc.get("anomalies") or {}).items() if v}
    return {c for c, m in BED_CLASSES.items() if names & set(m.get("wapiti", ()))}, wall, ""


def sqlmap_bed(bed: Bed) -> tuple[set[str], float, str]:
    tmp = Path(tempfile.mkdtemp(prefix="bench-sqlmap-"))
    cmd = ["sqlmap", "-u", f"{bed.url}/api/search?q=a", "--headers", f"Authorization: Bearer {bed.tokens['alice']}",
           "--batch", "--level", "1", "--risk", "1", "--output-dir", str(tmp), "--disable-coloring",
           "--ignore-proxy", "--skip-waf"]
    started = time.monotonic()
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    wall = time.monotonic() - started
    vulnerable = re.search(r"parameter '?q'? (?:is|appears to be) .*injectable|Parameter: q \(GET\)", r.stdout) is not None
    return ({"sql-injection"} if vulnerable else set()), wall, ""


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--no-tools", action="store_true")
    args = parser.parse_args()
    out: dict[str, Any] = {"notes": [] if args.no_tools else ensure_tools()}
    out["demo"] = demo_scan(args.rate)
    print(json.dumps({"demo": out["demo"]}), flush=True)
    table: dict[str, dict[str, Any]] = {}
    for twin in ("vulnerable", "fixed"):
        row: dict[str, Any] = {}
        with Bed(twin == "vulnerable") as bed:
            classes, wall, above_low = pulsecheck_bed(bed)
            row["pulsecheck"] = {"classes": sorted(classes), "wall_s": round(wall, 1), "above_low": above_low}
        if not args.no_tools and shutil.which("wapiti"):
            with Bed(twin == "vulnerable") as bed:
                classes, wall, problem = wapiti_bed(bed)
                row["wapiti"] = {"classes": sorted(classes), "wall_s": round(wall, 1), **({"problem": problem}
                                                                                       if problem else {})}
        if not args.no_tools and shutil.which("sqlmap"):
            with Bed(twin == "vulnerable") as bed:
                classes, wall, _ = sqlmap_bed(bed)
                row["sqlmap"] = {"classes": sorted(classes), "wall_s": round(wall, 1)}
        table[twin] = row
        print(json.dumps({twin: row}), flush=True)
    out["bed"] = table
    total = len(BED_CLASSES)
    for tool in ("pulsecheck", "wapiti", "sqlmap"):
        if tool in table["vulnerable"]:
            found = len(table["vulnerable"][tool]["classes"])
            fixed_fp = len(table["fixed"][tool]["classes"])
            print(f"{tool:10s} vulnerable twin: {found}/{total} classes in {table['vulnerable'][tool]['wall_s']} s; "
                  f"fixed twin: {fixed_fp} classes reported")
    d = out["demo"]
    print(f"demo full active scan: {d['requests']} requests, {d['rps']} rps (configured {d['configured_rps']}, "
          f"within 10%: {d['rate_ok']}), {d['wall_s']} s, found {len(d['found'])}/{len(d['found']) + len(d['missed'])}"
          f" planted DAST issues")
    for note in out["notes"]:
        print("note:", note)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
