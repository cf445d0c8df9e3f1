"""The demo app end to end for this stage: DAST-01..11 found on the vulnerable clinic, nothing
above low (beyond what VULNERABILITIES.md explains) on the fixed twin."""

from __future__ import annotations

from pathlib import Path

from pulsecheck.demo.runner import run_demo


def test_demo_vulnerable_and_fixed(tmp_path: Path) -> None:
    result = run_demo(output=tmp_path / "vulnerable", stages=("profile", "dast"))
    dast = next(r for r in result.report.stages if r.name == "dast")
    assert dast.status == "completed", getattr(dast.outcome, "gaps", ())
    assert [e.id for e in result.check.missed if e.stage == "dast"] == []
    assert {e.id for e in result.check.found if e.stage == "dast"} == {f"DAST-{n:02d}" for n in range(1, 12)}
    fixed = run_demo(fixed=True, output=tmp_path / "fixed", stages=("profile", "dast"))
    assert [(f.rule_id, f.location.display()) for f in fixed.check.unexpected if f.stage == "dast"] == []
    assert next(r for r in fixed.report.stages if r.name == "dast").status == "completed"
