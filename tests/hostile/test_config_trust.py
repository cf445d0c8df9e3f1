"""Classes 3, 8 and 9 of issue 10, from the configuration side: what a scanned repository's own
config may and may not do.

* It cannot turn on network access: ``outdated = true`` with a registry URL is ignored with a
  warning in the report, and no request reaches a listener on 127.0.0.1. The same table in the
  user's own config does reach it (so the silence is not the listener's).
* What narrows the audit is applied but listed in the report with its source.
* ``--no-repo-config`` (or ``PULSECHECK_NO_REPO_CONFIG=1``) ignores the repository's config.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pulsecheck.config import load_settings

from .conftest import Listener
from .kit import pulsecheck, write

NETWORK = '[stages.deps]\noutdated = true\npypi_url = "{url}"\nnpm_url = "{url}"\n'


def test_repository_config_cannot_turn_on_the_outdated_check(tmp_path: Path, listener: Listener,
                                                              empty_db: dict[str, str]) -> None:
    repo = write(tmp_path / "repo", {"requirements.txt": "jinja2==3.1.4\nprivate-internal-lib==0.1\n",
                                     "pulsecheck.toml": NETWORK.format(url=listener.url)})
    out = tmp_path / "report.json"
    run = pulsecheck("audit", str(repo), "--stage", "deps", "-f", "json", "-o", str(out), cwd=tmp_path,
                     report=out, env=empty_db)
    assert listener.requests == []
    assert run.report is not None, run.stderr
    ignored = [w for w in run.report["warnings"] if "ignored" in w]
    assert {w.split(": ")[1].split(" ")[0] for w in ignored} == {
        "stages.deps.outdated", "stages.deps.pypi_url", "stages.deps.npm_url"}
    assert all(f"{repo / 'pulsecheck.toml'} (repository)" in w for w in ignored)


def test_the_users_own_config_may_turn_it_on(tmp_path: Path, listener: Listener,
                                             empty_db: dict[str, str]) -> None:
    repo = write(tmp_path / "repo", {"requirements.txt": "jinja2==3.1.4\n"})
    user = write(tmp_path / "me", {"pulsecheck.toml": NETWORK.format(url=listener.url)}) / "pulsecheck.toml"
    out = tmp_path / "report.json"
    run = pulsecheck("audit", str(repo), "--stage", "deps", "--config", str(user), "-f", "json", "-o", str(out),
                     cwd=tmp_path, report=out, env=empty_db)
    assert listener.requests, run.stderr[-2000:]
    assert run.report is not None and not [w for w in run.report["warnings"] if "ignored" in w]


def test_user_only_options_from_the_repository_are_ignored_with_a_warning(tmp_path: Path) -> None:
    repo = write(tmp_path / "repo", {"pulsecheck.toml": "[stages.phi]\nworkers = 64\n[stages.secrets]\njobs = 48\n"
                                                        '[stages.deps]\ndb = "tools/osv.sqlite"\n'})
    s = load_settings({}, None, repo, env={"PULSECHECK_USER_CONFIG": ""})
    assert s.options_for("phi").workers is None and s.options_for("secrets").jobs is None
    assert s.options_for("deps").db is None  # a repository-shipped (empty) database is not used
    assert len(s.warnings) == 3 and all("(repository): stages." in w for w in s.warnings)


def _self_certifying(tmp_path: Path) -> Path:
    return write(tmp_path / "repo", {
        ".env": "DB_PASSWORD=Xk39fjsl2PaB1cQz\n",  # a generic password: high
        "pulsecheck.toml": '[rules]\ndisable = ["*"]\n',
    })


def test_disabled_rules_are_applied_and_reported_with_what_they_hid(tmp_path: Path) -> None:
    repo = _self_certifying(tmp_path)
    out = tmp_path / "report.json"
    run = pulsecheck("audit", str(repo), "--stage", "secrets", "-f", "json", "-o", str(out), cwd=tmp_path,
                     report=out)
    assert run.report is not None, run.stderr
    assert run.report["findings"] == []
    effects = run.report["config_effects"]
    assert [(e["kind"], e["setting"], e["value"], e["source"]) for e in effects] == [
        ("disabled-rule", "rules.disable", "*", f"{repo / 'pulsecheck.toml'} (repository)")]
    assert effects[0]["hidden"] >= 1


@pytest.mark.parametrize("how", [("--no-repo-config",), ()])
def test_no_repo_config_ignores_the_repositorys_config(tmp_path: Path, how: tuple[str, ...]) -> None:
    repo = _self_certifying(tmp_path)
    out = tmp_path / "report.json"
    env = {} if how else {"PULSECHECK_NO_REPO_CONFIG": "1"}
    run = pulsecheck("audit", str(repo), "--stage", "secrets", *how, "-f", "json", "-o", str(out), cwd=tmp_path,
                     report=out, env=env)
    assert run.returncode == 1, run.stderr[-2000:]
    assert run.report is not None and run.report["config_effects"] == []
    assert [f["rule_id"] for f in run.report["findings"]] == ["secrets.generic-password"]


def test_every_narrowing_setting_is_an_effect_with_its_source(tmp_path: Path) -> None:
    repo = write(tmp_path / "repo", {"pulsecheck.toml": (
        'exclude = ["*"]\nstages = ["secrets", "deps"]\n'
        '[rules]\ndisable = ["*"]\n[rules.severity]\n"secrets.generic-password" = "info"\n')})
    user = write(tmp_path / "me", {"config.toml": '[stages.secrets.allowlist]\nregexes = [".*"]\n'
                                                  'stopwords = ["example"]\n'}) / "config.toml"
    env = {"PULSECHECK_USER_CONFIG": str(user), "PULSECHECK_EXCLUDE": "vendor/**"}
    s = load_settings({}, None, repo, env=env)
    here = f"{repo / 'pulsecheck.toml'} (repository)"
    got = {(e.kind, e.setting, e.value, e.source) for e in s.effects}
    assert got == {
        ("exclude", "PULSECHECK_EXCLUDE", "vendor/**", "environment PULSECHECK_EXCLUDE"),
        ("disabled-rule", "rules.disable", "*", here),
        ("severity", "rules.severity", "secrets.generic-password = info", here),
        ("stage-disabled", "stages", "profile", here),
        ("stage-disabled", "stages", "phi", here),
        ("stage-disabled", "stages", "iac", here),
        ("stage-disabled", "stages", "sast", here),
        ("stage-disabled", "stages", "dast", here),
        ("stage-disabled", "stages", "recon", here),
        ("allowlist", "stages.secrets.allowlist.regexes", ".*", f"{user} (user)"),
        ("allowlist", "stages.secrets.allowlist.stopwords", "example", f"{user} (user)"),
    }
