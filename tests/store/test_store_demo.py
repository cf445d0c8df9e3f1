"""Two audits of the demo, then of its fixed twin: ``diff`` lists exactly the fixed findings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pulsecheck.demo import fakes
from pulsecheck.demo.runner import DemoResult, run_demo
from pulsecheck.store import RepoIdentity, open_store

STAGES = ("profile", "phi", "secrets", "deps", "iac")
CLI = Path(sys.executable).parent / "pulsecheck"
# Both demo runs copy the app to a temporary .../northwind-clinic (deleted when run_demo returns,
# and without a remote): they are keyed by that repository name, as PULSECHECK_REPO_ID would.
CLINIC = RepoIdentity("northwind-clinic", "main")


@pytest.fixture(scope="module")
def demo_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoResult, DemoResult]:
    out = tmp_path_factory.mktemp("demo-out")
    vulnerable = run_demo(stages=STAGES, output=out / "vulnerable")
    fixed = run_demo(fixed=True, stages=STAGES, output=out / "fixed")
    return vulnerable, fixed


def test_diff_of_demo_then_fixed_twin_lists_exactly_the_fixed_findings(
        demo_runs: tuple[DemoResult, DemoResult], tmp_path: Path) -> None:
    vulnerable, fixed = demo_runs
    url = f"sqlite:///{tmp_path / 'history.sqlite'}"
    with open_store(url) as store:
        a = store.record(vulnerable.report, CLINIC)
        b = store.record(fixed.report, CLINIC)
        diff = store.diff(a, b)
    before = {f.fingerprint for f in vulnerable.report.findings}
    after = {f.fingerprint for f in fixed.report.findings}
    assert before - after, "the fixed twin fixed nothing?"
    assert {f.fingerprint for f in diff.fixed} == before - after and diff.not_rechecked == ()
    assert {f.fingerprint for f in diff.new} == after - before
    assert {f.fingerprint for f in diff.unchanged} == before & after
    # what the fixed twin fixed is the planted issues of these stages, e.g. the committed key and PHI export
    fixed_rules = {f.rule_id for f in diff.fixed}
    assert {"phi", "secrets", "deps", "iac"} <= {r.split(".")[0] for r in fixed_rules}

    env = {k: v for k, v in os.environ.items() if not k.startswith("PULSECHECK_")}
    proc = subprocess.run([str(CLI), "diff", "--store", url, "--repo", CLINIC.key, "--branch", CLINIC.branch,
                           "--format", "json"], capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["a"]["run_id"] == vulnerable.report.run_id and data["b"]["run_id"] == fixed.report.run_id
    assert {f["fingerprint"] for f in data["fixed"]} == before - after
    text = subprocess.run([str(CLI), "diff", a.run_id[:8], b.run_id[:8], "--store", url], capture_output=True,
                          text=True, env=env, timeout=120, cwd=tmp_path)
    assert text.returncode == 0 and f"fixed ({len(before - after)}):" in text.stdout
    listing = subprocess.run([str(CLI), "history", "--store", url, "--all"], capture_output=True, text=True,
                             env=env, timeout=120, cwd=tmp_path)
    assert a.run_id[:10] in listing.stdout and b.run_id[:10] in listing.stdout


def test_store_holds_no_secret_values(demo_runs: tuple[DemoResult, DemoResult], tmp_path: Path) -> None:
    """Only what the redacted JSON report holds: the demo's planted secret values never reach the file."""
    vulnerable, _fixed = demo_runs
    assert any(f.stage == "secrets" for f in vulnerable.report.findings)
    with open_store(f"sqlite:///{tmp_path / 'history.sqlite'}") as store:
        store.record(vulnerable.report, CLINIC)
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("history.sqlite"))
    planted = fakes.generate()  # the values the demo wrote into the app (deterministic)
    for value in (planted.aws_access_key_id, planted.aws_secret_access_key, planted.db_password,
                  planted.openai_api_key):
        assert value.encode() not in raw
