"""A bad configuration stops the CLI before anything is scanned: exit 2, one line naming the file
and the key, no report written. A path in the user's own config may point anywhere."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from pulsecheck.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No PULSECHECK_* from the developer's shell, no user config file."""
    import os

    for name in [n for n in os.environ if n.startswith("PULSECHECK_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("PULSECHECK_USER_CONFIG", "")
    monkeypatch.setenv("CI", "1")


def _repo(tmp_path: Path, toml: str) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "pulsecheck.toml").write_text(toml, encoding="utf-8")
    (repo / "app.py").write_text('AWS_KEY = "AKIAQWERTYUIOPASDFGH"\n', encoding="utf-8")
    return repo


@pytest.mark.parametrize(
    ("toml", "key", "problem"),
    [
        ('[stages.phi]\nworkers = "many"\n', "stages.phi.workers", "must be a valid integer"),
        ("[stages.secrets]\nhistroy = false\n", "stages.secrets.histroy", "unknown option"),
        ("[stages.secret]\nhistory = false\n", "stages.secret", "unknown stage"),
        ("[stages.secrets]\njobs = 500\n", "stages.secrets.jobs", "less than or equal to 64"),
        ("stage_timeout = inf\n", "stage_timeout", "finite"),
        ('exclude = "docs/**"\n', "exclude", "must be a list"),
        ('[stages.profile]\nexclude = "docs/**"\n', "stages.profile.exclude", "not a string"),
        ('[stages.secrets]\ngitleaks_config = "../outside.toml"\n', "stages.secrets.gitleaks_config",
         "resolves outside the repository"),
        ('[stages.secrets.allowlist]\nregexes = ["(x+)+\\\\1"]\n', "stages.secrets.allowlist.regexes",
         "not a linear-time (RE2) regex"),
        ('[stages.dast]\npolicy = "x"\n', "stages.dast.policy", "unknown option"),
    ],
)
def test_bad_config_exits_2_with_one_line_and_nothing_scanned(tmp_path: Path, toml: str, key: str,
                                                              problem: str) -> None:
    repo = _repo(tmp_path, toml)
    out = tmp_path / "report.json"
    result = runner.invoke(app, ["audit", str(repo), "-f", "json", "-o", str(out)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr  # no stage started: nothing was scanned
    assert lines[0].startswith(f"pulsecheck: error: {repo / 'pulsecheck.toml'}: {key}")
    assert problem in lines[0]
    assert not out.exists()


def test_bad_environment_value_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = _repo(tmp_path, "")
    monkeypatch.setenv("PULSECHECK_STAGE_TIMEOUT", "inf")
    result = runner.invoke(app, ["audit", str(repo), "-f", "json", "-o", str(tmp_path / "r.json")])
    assert result.exit_code == 2
    assert "PULSECHECK_STAGE_TIMEOUT: inf must be a finite number of seconds" in result.stderr
    assert not (tmp_path / "r.json").exists()


def test_path_outside_the_repo_from_the_users_config_is_accepted(tmp_path: Path) -> None:
    repo = _repo(tmp_path, "")
    rules = tmp_path / "shared" / "gitleaks.toml"
    rules.parent.mkdir()
    rules.write_text('[[rules]]\nid = "corp-token"\nregex = \'\'\'corp_[a-z0-9]{24}\'\'\'\n', encoding="utf-8")
    user = tmp_path / "me" / "pulsecheck.toml"
    user.parent.mkdir()
    user.write_text('[stages.secrets]\nhistory = false\ngitleaks_config = "../shared/gitleaks.toml"\n',
                    encoding="utf-8")
    (repo / "settings.py").write_text('TOKEN = "corp_' + "k3j9x0q2m5n8b1v4c7z6l0p2" + '"\n', encoding="utf-8")
    out = tmp_path / "report.json"
    result = runner.invoke(app, ["audit", str(repo), "--stage", "secrets", "--config", str(user),
                                 "-f", "json", "-o", str(out)])
    assert result.exit_code == 1, result.stderr
    assert "corp-token" in out.read_text(encoding="utf-8")


def test_config_inside_the_repo_with_no_repo_config_is_refused(tmp_path: Path) -> None:
    repo = _repo(tmp_path, 'fail_on = "critical"\n')
    result = runner.invoke(app, ["audit", str(repo), "--config", str(repo / "pulsecheck.toml"),
                                 "--no-repo-config", "-f", "json", "-o", str(tmp_path / "r.json")])
    assert result.exit_code == 2
    assert "--no-repo-config" in result.stderr
    assert not (tmp_path / "r.json").exists()


def test_secrets_scan_takes_fail_on_from_the_repository_config(tmp_path: Path) -> None:
    """E1: ``secrets scan`` used to default ``--fail-on`` to low, beating ``fail_on`` in pulsecheck.toml."""
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / ".env").write_text("DB_PASSWORD=Xk39fjsl2PaB1cQz\n", encoding="utf-8")  # generic password: high
    found = runner.invoke(app, ["secrets", "scan", str(repo), "--no-history", "-q"])
    assert found.exit_code == 1, found.stderr  # the command's own default: low
    (repo / "pulsecheck.toml").write_text('fail_on = "critical"\n', encoding="utf-8")
    assert runner.invoke(app, ["secrets", "scan", str(repo), "--no-history", "-q"]).exit_code == 0
    flagged = runner.invoke(app, ["secrets", "scan", str(repo), "--no-history", "-q", "--fail-on", "high"])
    assert flagged.exit_code == 1
