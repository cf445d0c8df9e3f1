"""``--format pdf``: the HTML report printed by the installed Chromium has every section, the
CLI writes it, and without Chromium the user gets one clear line before any scanning.

Skipped with a reason when Chromium (or pdftotext, to read the PDF back) is missing; under CI
(``CI`` set) a missing program is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pulsecheck.cli import app
from pulsecheck.model import Report
from pulsecheck.reporters import render_bytes
from pulsecheck.reporters.interface import OutputFormat
from pulsecheck.reporters.pdf import find_chromium

SECTIONS = ("Executive summary", "Top risks", "Application profile and data map", "Data map",
            "Third-party processors and agreements", "Findings", "HIPAA Security Rule safeguards", "GDPR articles",
            "OWASP Top 10 (2021) coverage", "OWASP checklist", "History", "Stages",
            "Command, configuration and version")


def _need(program: str | None, what: str) -> str:
    if program is None:
        if os.environ.get("CI"):
            pytest.fail(f"{what} is not installed but CI is set: scripts/system-deps.sh must install it")
        pytest.skip(f"{what} not installed: PDF tests skipped")
    return program


def _pdf_text(data: bytes, tmp_path: Path) -> str:
    pdftotext = _need(shutil.which("pdftotext"), "pdftotext (Debian: poppler-utils)")
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(data)
    out = subprocess.run([pdftotext, "-layout", str(pdf), "-"], capture_output=True, check=True, timeout=60)
    return out.stdout.decode("utf-8", "replace")


@pytest.fixture(scope="module")
def demo_report() -> Report:
    _need(find_chromium(), "chromium")
    from pulsecheck.demo.runner import run_demo

    return run_demo(stages=("profile", "phi", "secrets", "deps", "iac")).report


def test_printed_pdf_of_the_demo_has_every_section(demo_report: Report, tmp_path: Path) -> None:
    data = render_bytes(demo_report, OutputFormat.PDF)
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    text = _pdf_text(data, tmp_path)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    start, missing = 0, []
    for heading in SECTIONS:  # each heading on a line of its own, after the one before it
        found = next((i for i in range(start, len(lines)) if lines[i] == heading), None)
        if found is None:
            missing.append(heading)
        else:
            start = found + 1
    assert not missing, f"sections missing or out of order in the PDF: {missing}"
    assert "Patient portal" in text and "Identity and medical data are stored together" in text
    assert "secrets.aws-access-key-id" in text  # the findings themselves are printed
    assert "Findings by severity" in text and "Critical" in text
    # printed, what each rule means and each finding's details are unfolded (on screen they fold)
    assert "Remediation" in text and "Revoke and rotate the credential" in text
    assert "lines (3): 2, 4, 6" in text


def test_cli_writes_a_pdf(tmp_path: Path) -> None:
    _need(find_chromium(), "chromium")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "app.py").write_text("print('hello')\n")
    out = tmp_path / "out" / "report.pdf"
    result = CliRunner().invoke(app, ["audit", str(repo), "--stage", "profile", "--format", "pdf", "--format",
                                      "json", "--output", str(tmp_path / "out" / "report"), "--quiet"])
    assert result.exit_code in (0, 1), result.output
    assert out.read_bytes().startswith(b"%PDF-")
    assert (tmp_path / "out" / "report.json").is_file()
    assert "Executive summary" in _pdf_text(out.read_bytes(), tmp_path)


def test_without_chromium_pdf_is_one_clear_line_before_the_audit(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))  # a PATH with no browser on it
    monkeypatch.delenv("PULSECHECK_CHROMIUM", raising=False)
    result = CliRunner().invoke(app, ["audit", str(repo), "--stage", "profile", "--format", "pdf",
                                      "--output", str(tmp_path / "r.pdf"), "--quiet"])
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "needs Chromium" in lines[0] and "apt-get install chromium" in lines[0]
    assert not (tmp_path / "r.pdf").exists()

    monkeypatch.setenv("PULSECHECK_CHROMIUM", str(tmp_path / "no-such-chromium"))
    result = CliRunner().invoke(app, ["audit", str(repo), "--format", "pdf", "--output", str(tmp_path / "r.pdf")])
    assert result.exit_code == 2 and "PULSECHECK_CHROMIUM" in result.stderr and "not an executable" in result.stderr


def test_printed_notes_stay_collapsed_and_counted(tmp_path: Path) -> None:
    _need(find_chromium(), "chromium")
    from datetime import UTC, datetime

    from pulsecheck.model import Completed, StageResult, Targets

    notes = tuple(f"skipped NOTE{i}.bin (binary)" for i in range(300))
    report = Report(targets=Targets(path="/r"), started_at=datetime(2026, 1, 1, tzinfo=UTC),
                    finished_at=datetime(2026, 1, 1, tzinfo=UTC), stages=(StageResult("phi", Completed(
                        findings=(), notes=notes), 1.0),), findings=())
    text = _pdf_text(render_bytes(report, OutputFormat.PDF), tmp_path)
    assert "phi: 300 note(s)" in text and "NOTE1" not in text
