"""HTML report size and render time: the demo's report and a synthetic 5,000-finding audit.

    .venv/bin/python bench/report_html.py [--demo-pickle PATH] [--before REF]

``--before REF`` renders the same reports with html.py and its templates as of git REF too
(interleaved, so a busy machine slows both alike), for before/after numbers. Best of 5, wall
clock and process CPU time (the CPU time is the steadier one on a shared machine).

The synthetic report has 5,000 findings over 5 stages and 60 rules with 20,000 occurrences,
HIPAA/GDPR mappings on every finding, data-flow paths and HTTP exchanges on some, the way a
large real audit looks. Prints bytes and the best of 3 render times for each.
"""

from __future__ import annotations

import argparse
import importlib.util
import pickle
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from pulsecheck.model import (
    Completed,
    Confidence,
    FileLocation,
    Finding,
    Occurrence,
    Report,
    SafeguardStatus,
    Severity,
    StageResult,
    Targets,
    UrlLocation,
)
from pulsecheck.reporters import html

_SEVS = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO)
_STAGES = ("phi", "secrets", "deps", "iac", "sast")


def synthetic(n: int = 5000, occurrences: int = 20_000) -> Report:
    per = occurrences // n
    findings = []
    for i in range(n):
        stage = _STAGES[i % len(_STAGES)]
        rule = f"{stage}.rule-{i % 12}"
        props: dict[str, object] = {}
        loc: FileLocation | UrlLocation = FileLocation(f"src/module_{i % 211}/file_{i}.py", 10 + i % 50)
        if stage == "sast" and i % 2:
            props["flow"] = [{"path": f"src/api/views_{i}.py", "line": 12, "column": 4, "note": "request.json['ssn']"},
                             {"path": f"src/services/s_{i}.py", "line": 40, "column": None, "note": "passed to log"},
                             {"path": f"src/log_{i}.py", "line": 7, "column": 8, "note": "logger.info(...)"}]
        if stage == "iac" and i % 4 == 0:
            loc = UrlLocation(f"http://127.0.0.1:8000/api/patients/{i}", "GET", route="/api/patients/{id}")
            props["http"] = {"request": "GET /api/patients/2 HTTP/1.1\nHost: 127.0.0.1\nAuthorization: [REDACTED]",
                             "response": "HTTP/1.1 200 OK\ncontent-type: application/json\n\n{\"ssn\": \"[REDACTED]\"}",
                             "curl": "curl -H 'Authorization: [REDACTED]' http://127.0.0.1:8000/api/patients/2"}
        findings.append(Finding(
            rule_id=rule, stage=stage, title=f"Rule {i % 12} of {stage}", severity=_SEVS[i % 5],
            confidence=Confidence.MEDIUM, message=f"Issue {i} found in src/module_{i % 211}/file_{i}.py near a call",
            location=loc, evidence=f"value ...{i:06d} (redacted)", identity=f"id-{i}", cwe=("CWE-359",),
            hipaa=("164.312(a)(1)", "164.312(e)(1)"), gdpr=("Art. 5", "Art. 32"), properties=props,
            remediation="Fix it the documented way.",
            occurrences=[Occurrence(line=j + 1) for j in range(per)]))
    compliance = (
        SafeguardStatus("164.312(a)(1)", "Access control", "", "gap", tuple(f.fingerprint for f in findings), n),
        SafeguardStatus("164.312(e)(1)", "Transmission security", "", "gap", tuple(f.fingerprint for f in findings), n),
        SafeguardStatus("164.312(b)", "Audit controls", "", "not-assessed"),
    )
    stages = tuple(StageResult(s, Completed(findings=tuple(f for f in findings if f.stage == s),
                                            notes=tuple(f"skipped file_{k}.bin (binary)" for k in range(300))), 1.0)
                   for s in _STAGES)
    return Report(targets=Targets(path="/srv/repo"), started_at=datetime(2026, 1, 1, tzinfo=UTC),
                  finished_at=datetime(2026, 1, 1, 0, 5, tzinfo=UTC), stages=stages, findings=tuple(findings),
                  compliance=compliance, tool_version="bench")


def _old_renderer(ref: str) -> Callable[[Report], str]:
    """``render`` of html.py as of ``ref``, reading that commit's templates."""
    work = Path(tempfile.mkdtemp(prefix="pulsecheck-bench-html-"))
    (work / "templates").mkdir()
    for name in ("report.css", "report.js", "report.html.j2"):
        (work / "templates" / name).write_bytes(subprocess.run(
            ["git", "show", f"{ref}:src/pulsecheck/reporters/templates/{name}"], capture_output=True, check=True).stdout)
    source = subprocess.run(["git", "show", f"{ref}:src/pulsecheck/reporters/html.py"], capture_output=True,
                            check=True).stdout
    (work / "old_html.py").write_bytes(source)
    spec = importlib.util.spec_from_file_location("old_html", work / "old_html.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["old_html"] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    module._TEMPLATES = work / "templates"
    render: Callable[[Report], str] = module.render
    return render


def measure(name: str, report: Report, before: Callable[[Report], str] | None = None) -> None:
    renderers = {"after": html.render, **({"before": before} if before else {})}
    best = dict.fromkeys(renderers, float("inf"))
    cpu = dict.fromkeys(renderers, float("inf"))
    size = dict.fromkeys(renderers, 0)
    for _ in range(5):
        for label, render in renderers.items():
            t, c = time.perf_counter(), time.process_time()
            page = render(report)
            best[label] = min(best[label], time.perf_counter() - t)
            cpu[label] = min(cpu[label], time.process_time() - c)
            size[label] = len(page.encode())
    for label in renderers:
        print(f"{name:28} {label:6} findings={len(report.findings):5}  bytes={size[label]:9,}  "
              f"render={best[label] * 1000:7.1f} ms wall, {cpu[label] * 1000:7.1f} ms CPU")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--demo-pickle", help="a pickled demo Report (else the demo runs: profile phi secrets deps iac)")
    ap.add_argument("--before", help="also render with html.py as of this git ref")
    args = ap.parse_args()
    before = _old_renderer(args.before) if args.before else None
    if args.demo_pickle:
        with open(args.demo_pickle, "rb") as fh:
            demo: Report = pickle.load(fh)  # noqa: S301 - a file this benchmark's own run wrote
    else:
        from pulsecheck.demo.runner import run_demo

        demo = run_demo(stages=("profile", "phi", "secrets", "deps", "iac")).report
    measure("demo", demo, before)
    measure("synthetic 5,000 / 20,000 occ", synthetic(), before)


if __name__ == "__main__":
    main()
