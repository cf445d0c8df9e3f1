"""Class 12: the stage timeout bounds the process, Ctrl-C stops the audit and still writes
the partial report, and reports are written atomically (see test_c02 for kill mid-write and two
writers). Wall-clock bounds are measured in bench/hostile.py; here only outcomes are asserted.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from .kit import CLI, pulsecheck, write


def _big_tree(tmp_path: Path) -> Path:
    line = "Jane Roe,123-45-6789,jane@example.org,555-0100\n"
    return write(tmp_path / "repo", {f"exports/p{i}.csv": "name,ssn,email,phone\n" + line * 400_000
                                     for i in range(8)})


@pytest.mark.timeout(300)
def test_stage_timeout_ends_the_process_with_a_report(tmp_path: Path) -> None:
    repo = _big_tree(tmp_path)
    out = tmp_path / "report.json"
    run = pulsecheck("audit", str(repo), "--stage", "phi", "-f", "json", "-o", str(out), cwd=tmp_path,
                     report=out, env={"PULSECHECK_STAGE_TIMEOUT": "1"}, timeout=120)
    assert run.report is not None, run.stderr[-1000:]
    assert run.stage("phi")["status"] in ("errored", "partial") and run.returncode == 2


@pytest.mark.timeout(300)
def test_ctrl_c_stops_and_writes_the_partial_report(tmp_path: Path) -> None:
    repo = _big_tree(tmp_path)
    out = tmp_path / "report.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULSECHECK_")} | {"CI": "1"}
    proc = subprocess.Popen([str(CLI), "audit", str(repo), "--stage", "phi", "-f", "json", "-o", str(out)],
                            cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    assert proc.stderr is not None
    for line in proc.stderr:  # Ctrl-C while the stage is scanning, not before or after
        if b"[phi] started" in line:
            break
    time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGINT)
    proc.wait(timeout=60)
    assert proc.returncode != 0
    report = json.loads(out.read_text())
    phi = next(s for s in report["stages"] if s["name"] == "phi")
    assert phi["status"] == "errored" and "interrupted" in (phi.get("error") or ""), phi
