"""The CLI surfaces config and baseline errors as one line with exit code 2."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from pulsecheck.cli import app


def test_bad_config_file_stops_the_audit_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "pulsecheck.toml").write_text('[rules.severity]\n"sast.x" = "extreme"\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["audit", str(tmp_path), "--quiet"])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines == [f'pulsecheck: error: {tmp_path / "pulsecheck.toml"}: rules.severity."sast.x": '
                     "'extreme' is not a severity (choose from info, low, medium, high, critical)"]


def test_malformed_baseline_flag_stops_the_audit(tmp_path: Path) -> None:
    baseline = tmp_path / "b.json"
    baseline.write_text('{"schema_version": 1}', encoding="utf-8")
    result = CliRunner().invoke(app, ["audit", str(tmp_path), "--quiet", "--baseline", str(baseline)])
    assert result.exit_code == 2
    assert f"{baseline}: not a pulsecheck baseline" in result.output


def test_core_rules_are_listed_and_explained() -> None:
    listed = CliRunner().invoke(app, ["rules", "list", "--stage", "core"])
    assert listed.exit_code == 0 and "core.suppression-without-reason" in listed.output
    shown = CliRunner().invoke(app, ["rules", "show", "core.suppression-without-reason"])
    assert shown.exit_code == 0 and "without a reason" in shown.output
