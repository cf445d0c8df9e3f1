"""The CLI end to end through typer's runner: flags, formats, exit codes."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pulsecheck import __version__, engine
from pulsecheck.cli import app
from pulsecheck.model import Confidence, FileLocation, Finding, Rule, Severity, Targets
from pulsecheck.reporters.interface import TEXT_FORMATS, OutputFormat
from pulsecheck.settings import Settings
from pulsecheck.stages.interface import StageContext

runner = CliRunner()


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.stdout


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["audit", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "not a directory" in result.stderr


def test_unknown_stage_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["audit", str(tmp_path), "--stage", "nosuch"])
    assert result.exit_code == 2
    assert "unknown stage" in result.stderr


@pytest.mark.parametrize("fmt", [f for f in TEXT_FORMATS if f is not OutputFormat.TERMINAL])
def test_every_format_is_written(tmp_path: Path, fmt: OutputFormat) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "app.py").write_text("print('hello')\n")
    out = tmp_path / f"report.{fmt.extension}"
    result = runner.invoke(app, ["audit", str(repo), "--stage", "profile", "--format", fmt.value,
                                 "--output", str(out), "--quiet"])
    assert result.exit_code in (0, 1), result.output
    text = out.read_text()
    assert text.strip()
    if fmt in (OutputFormat.JSON, OutputFormat.SARIF):
        json.loads(text)


class _Planted:
    """A test double stage that reports one high finding per file."""

    name = "secrets"
    rule = Rule(id="secrets.test-double", stage="secrets", title="double", severity=Severity.HIGH,
                confidence=Confidence.HIGH, cwe=("CWE-798",), owasp=("A07:2021",))

    def applies(self, targets: Targets) -> bool:
        return targets.path is not None

    def rules(self) -> Sequence[Rule]:
        return [self.rule]

    def run(self, ctx: StageContext) -> Iterator[Finding]:
        assert ctx.repo is not None
        for p in sorted(ctx.repo.iterdir()):
            yield Finding.from_rule(self.rule, message="m", location=FileLocation(path=p.name, line=1))


def test_fail_on_threshold_sets_exit_code(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x\n")
    report = engine.run(Targets(path=str(tmp_path)), Settings(stages=("secrets",)),
                        stages={"secrets": _Planted()})
    assert [f.rule_id for f in report.findings] == ["secrets.test-double"]
    assert "164.312(a)(1)" in report.findings[0].hipaa
    assert engine.exit_code(report, Settings(fail_on=Severity.HIGH)) == 1
    assert engine.exit_code(report, Settings(fail_on=Severity.CRITICAL)) == 0
