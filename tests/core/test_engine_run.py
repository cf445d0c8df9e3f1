"""engine.run with test-double stages: one stage raising never sinks another; exit codes."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from pulsecheck import engine
from pulsecheck.model import Confidence, Errored, FileLocation, Finding, Rule, Severity, Targets
from pulsecheck.settings import Settings
from pulsecheck.stages.interface import StageContext

CRASH = Rule(id="sast.crash-test", stage="sast", title="crash", severity=Severity.MEDIUM, cwe=("CWE-89",),
             owasp=("A03:2021",))
CLEAN = Rule(id="secrets.test-key", stage="secrets", title="key", severity=Severity.HIGH,
             confidence=Confidence.HIGH, cwe=("CWE-798",), owasp=("A07:2021",))


class RaisingStage:
    """Yields one finding, then fails like a buggy parser would."""

    name = "sast"

    def applies(self, targets: Targets) -> bool:
        return True

    def rules(self) -> Sequence[Rule]:
        return [CRASH]

    def run(self, ctx: StageContext) -> Iterator[Finding]:
        yield Finding.from_rule(CRASH, message="before the crash", location=FileLocation(path="a.py", line=3))
        raise RuntimeError("parser exploded")


class CleanStage:
    name = "secrets"

    def __init__(self, severity: Severity = Severity.HIGH) -> None:
        self.severity = severity

    def applies(self, targets: Targets) -> bool:
        return True

    def rules(self) -> Sequence[Rule]:
        return [CLEAN]

    def run(self, ctx: StageContext) -> Iterator[Finding]:
        yield Finding.from_rule(CLEAN, message="key", location=FileLocation(path="b.py", line=1),
                                severity=self.severity)


def test_raising_stage_is_errored_and_keeps_its_findings_and_the_others(tmp_path: Path) -> None:
    settings = Settings(stages=("sast", "secrets"))
    report = engine.run(Targets(path=str(tmp_path)), settings,
                        stages={"sast": RaisingStage(), "secrets": CleanStage()})
    status = {r.name: r.status for r in report.stages}
    assert status == {"sast": "errored", "secrets": "completed"}
    errored = next(r for r in report.stages if r.name == "sast")
    assert isinstance(errored.outcome, Errored)
    assert "RuntimeError: parser exploded" in errored.outcome.reason
    assert [f.message for f in errored.outcome.findings] == ["before the crash"]
    assert {f.rule_id for f in report.findings} == {"sast.crash-test", "secrets.test-key"}
    key = next(f for f in report.findings if f.rule_id == "secrets.test-key")
    assert "164.312(a)(1)" in key.hipaa and "Art. 32" in key.gdpr  # mapped by the engine
    assert set(report.rules) == {"sast.crash-test", "secrets.test-key"}
    assert engine.exit_code(report, settings) == 2


def test_exit_codes_zero_and_one(tmp_path: Path) -> None:
    targets = Targets(path=str(tmp_path))
    settings = Settings(stages=("secrets",), fail_on=Severity.HIGH)
    failing = engine.run(targets, settings, stages={"secrets": CleanStage(Severity.HIGH)})
    assert engine.exit_code(failing, settings) == 1
    passing = engine.run(targets, settings, stages={"secrets": CleanStage(Severity.MEDIUM)})
    assert len(passing.findings) == 1
    assert engine.exit_code(passing, settings) == 0


def test_engine_applies_inline_suppressions_and_reports_reasonless_ones(tmp_path: Path) -> None:
    (tmp_path / "b.py").write_text("K = 'x'  # pulsecheck: ignore[secrets.test-key]\n", encoding="utf-8")
    settings = Settings(stages=("secrets",))
    report = engine.run(Targets(path=str(tmp_path)), settings, stages={"secrets": CleanStage()})
    assert sorted(f.rule_id for f in report.findings) == ["core.suppression-without-reason", "secrets.test-key"]
    assert report.suppressed == 0
    assert report.rules["core.suppression-without-reason"].severity is Severity.LOW

    (tmp_path / "b.py").write_text("K = 'x'  # pulsecheck: ignore[secrets.test-key] fake key\n", encoding="utf-8")
    report = engine.run(Targets(path=str(tmp_path)), settings, stages={"secrets": CleanStage()})
    assert report.findings == () and report.suppressed == 1
    assert engine.exit_code(report, settings) == 0
