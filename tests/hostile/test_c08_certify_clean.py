"""Class 8: a repository cannot certify itself clean without a trace in the report.

Its config disables every rule and excludes everything; the report must still show the finding,
or list what the repository's config hid, with its source.
"""

from __future__ import annotations

from pathlib import Path

from .kit import FAKE_KEY, pulsecheck, write


def test_coverage_narrowed_by_repository_config_is_reported(tmp_path: Path) -> None:
    repo = write(tmp_path / "repo", {
        "settings.py": f"AWS_ACCESS_KEY_ID = '{FAKE_KEY}'\n",
        "pulsecheck.toml": 'exclude = ["*"]\n[rules]\ndisable = ["*"]\n',
    })
    out = tmp_path / "report.json"
    run = pulsecheck("audit", str(repo), "--stage", "secrets", "-f", "json", "-o", str(out), cwd=tmp_path,
                     report=out)
    assert run.report is not None
    effects = run.report.get("config_effects") or []
    assert run.report["findings"] or (effects and all(e.get("source") for e in effects)), effects
    assert run.returncode != 0 or effects


def test_no_repo_config_ignores_it(tmp_path: Path) -> None:
    repo = write(tmp_path / "repo", {
        "settings.py": f"AWS_ACCESS_KEY_ID = '{FAKE_KEY}'\n",
        "pulsecheck.toml": 'exclude = ["*"]\n[rules]\ndisable = ["*"]\n',
    })
    out = tmp_path / "report.json"
    run = pulsecheck("audit", str(repo), "--no-repo-config", "--stage", "secrets", "-f", "json", "-o", str(out),
                     cwd=tmp_path, report=out)
    assert run.report is not None and run.report["findings"], run.stderr[-1000:]

