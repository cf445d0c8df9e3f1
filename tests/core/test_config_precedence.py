"""One order everywhere: flags > PULSECHECK_* environment > the repository's config > the user's
own config > defaults, and a flag the user did not give never overrides anything."""

from __future__ import annotations

from pathlib import Path

import pytest

from pulsecheck.config import load_settings
from pulsecheck.model import Severity


def _sources(tmp_path: Path, repo_toml: str, user_toml: str) -> tuple[Path, dict[str, str]]:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "pulsecheck.toml").write_text(repo_toml, encoding="utf-8")
    user = tmp_path / "home" / "config.toml"
    user.parent.mkdir()
    user.write_text(user_toml, encoding="utf-8")
    return repo, {"PULSECHECK_USER_CONFIG": str(user)}


@pytest.mark.parametrize(
    ("flags", "env", "repo_toml", "user_toml", "expected"),
    [
        ({}, {}, "", "", Severity.HIGH),
        ({}, {}, "", 'fail_on = "info"\n', Severity.INFO),
        ({}, {}, 'fail_on = "low"\n', 'fail_on = "info"\n', Severity.LOW),
        ({}, {"PULSECHECK_FAIL_ON": "medium"}, 'fail_on = "low"\n', 'fail_on = "info"\n', Severity.MEDIUM),
        ({"fail_on": "critical"}, {"PULSECHECK_FAIL_ON": "medium"}, 'fail_on = "low"\n', "", Severity.CRITICAL),
        ({"fail_on": None}, {}, 'fail_on = "low"\n', "", Severity.LOW),  # a flag not given does not count
    ],
)
def test_fail_on_precedence(tmp_path: Path, flags: dict[str, object], env: dict[str, str], repo_toml: str,
                            user_toml: str, expected: Severity) -> None:
    repo, user_env = _sources(tmp_path, repo_toml, user_toml)
    assert load_settings(flags, None, repo, env={**user_env, **env}).fail_on is expected


def test_command_default_applies_only_when_no_source_sets_the_value(tmp_path: Path) -> None:
    repo, env = _sources(tmp_path, "", "")
    low = {"fail_on": "low"}  # what `secrets scan` passes as its own default
    assert load_settings({}, None, repo, env=env, defaults=low).fail_on is Severity.LOW
    (repo / "pulsecheck.toml").write_text('fail_on = "critical"\n', encoding="utf-8")
    assert load_settings({}, None, repo, env=env, defaults=low).fail_on is Severity.CRITICAL


def test_exclude_precedence(tmp_path: Path) -> None:
    repo, env = _sources(tmp_path, 'exclude = ["from-repo/**"]\n', 'exclude = ["from-user/**"]\n')
    assert load_settings({}, None, repo, env=env).exclude == ("from-repo/**",)
    (repo / "pulsecheck.toml").unlink()
    assert load_settings({}, None, repo, env=env).exclude == ("from-user/**",)
    env_set = {**env, "PULSECHECK_EXCLUDE": "from-env/**"}
    assert load_settings({}, None, repo, env=env_set).exclude == ("from-env/**",)
    assert load_settings({"exclude": ["from-flag/**"]}, None, repo, env=env_set).exclude == ("from-flag/**",)


def test_stage_options_merge_key_by_key_across_sources(tmp_path: Path) -> None:
    repo, env = _sources(tmp_path, "[stages.phi]\nhistory = false\n",
                         '[stages.phi]\nmax_bytes = 1000\nexclude = ["a/**"]\n')
    phi = load_settings({}, None, repo, env=env).options_for("phi")
    assert (phi.history, phi.max_bytes, phi.exclude) == (False, 1000, ("a/**",))


def test_database_environment_beats_config_and_a_flag_beats_both(tmp_path: Path) -> None:
    repo, env = _sources(tmp_path, "", '[stages.deps]\ndb = "/user/osv.sqlite"\n')
    assert load_settings({}, None, repo, env=env).options_for("deps").db == "/user/osv.sqlite"
    with_env = {**env, "PULSECHECK_DB": "/ci/osv.sqlite"}
    assert load_settings({}, None, repo, env=with_env).options_for("deps").db == "/ci/osv.sqlite"
    flagged = load_settings({}, None, repo, env=with_env, stage_flags={"deps": {"db": "/flag/osv.sqlite"}})
    assert flagged.options_for("deps").db == "/flag/osv.sqlite"


def test_repository_database_never_beats_the_environment_nor_applies_alone(tmp_path: Path) -> None:
    """E3: a repository's ``db`` used to win over PULSECHECK_DB; now it is not taken at all."""
    repo, env = _sources(tmp_path, '[stages.deps]\ndb = "/elsewhere/osv.sqlite"\n', "")
    alone = load_settings({}, None, repo, env=env)
    assert alone.options_for("deps").db is None
    assert any("stages.deps.db ignored" in w for w in alone.warnings)
    ci = load_settings({}, None, repo, env={**env, "PULSECHECK_DB": "/ci/osv.sqlite"})
    assert ci.options_for("deps").db == "/ci/osv.sqlite"


def test_repository_may_lower_the_stage_timeout_not_raise_it(tmp_path: Path) -> None:
    repo, env = _sources(tmp_path, "stage_timeout = 60\n", "")
    assert load_settings({}, None, repo, env=env).stage_timeout_s == 60.0
    (repo / "pulsecheck.toml").write_text("stage_timeout = 100000\n", encoding="utf-8")
    raised = load_settings({}, None, repo, env=env)
    assert raised.stage_timeout_s == 900.0
    assert any("stage_timeout ignored" in w for w in raised.warnings)
    user_raised = load_settings({}, None, repo, env={**env, "PULSECHECK_STAGE_TIMEOUT": "3600"})
    assert user_raised.stage_timeout_s == 3600.0
