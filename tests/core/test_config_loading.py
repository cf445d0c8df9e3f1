"""Settings precedence (flag > env > file > default) and one clear error per bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from pulsecheck.config import ConfigError, load_settings
from pulsecheck.model import Severity
from pulsecheck.settings import ALL_STAGES
from pulsecheck.stages.deps.options import DepsOptions
from pulsecheck.stages.phi.options import PhiOptions
from pulsecheck.stages.secrets.options import SecretsOptions


def _repo(tmp_path: Path, toml: str, name: str = "pulsecheck.toml") -> Path:
    repo = tmp_path / "repo"
    repo.mkdir(exist_ok=True)
    (repo / name).write_text(toml, encoding="utf-8")
    return repo


def test_defaults_without_any_source(tmp_path: Path) -> None:
    s = load_settings({}, None, tmp_path, env={})
    assert s.stages == ALL_STAGES
    assert s.fail_on is Severity.HIGH
    assert s.baseline is None and s.exclude == ()


def test_precedence_flag_over_env_over_file_over_default(tmp_path: Path) -> None:
    repo = _repo(tmp_path, 'fail_on = "low"\nstages = ["sast", "secrets"]\nexclude = ["vendor/*"]\n'
                           "stage_timeout = 30\n")
    file_only = load_settings({}, None, repo, env={})
    assert file_only.fail_on is Severity.LOW
    assert file_only.stages == ("sast", "secrets")
    assert file_only.exclude == ("vendor/*",)
    assert file_only.stage_timeout_s == 30.0

    env = {"PULSECHECK_FAIL_ON": "medium", "PULSECHECK_STAGES": "deps, iac",
           "PULSECHECK_STAGE_TIMEOUT": "12.5", "PULSECHECK_EXCLUDE": "a/*,b/*"}
    with_env = load_settings({}, None, repo, env=env)
    assert with_env.fail_on is Severity.MEDIUM
    assert with_env.stages == ("deps", "iac")
    assert with_env.stage_timeout_s == 12.5
    assert with_env.exclude == ("a/*", "b/*")

    with_flags = load_settings({"fail_on": "critical", "stages": ["secrets"]}, None, repo, env=env)
    assert with_flags.fail_on is Severity.CRITICAL
    assert with_flags.stages == ("secrets",)
    assert with_flags.stage_timeout_s == 12.5  # no flag for it: env still wins over file


def test_pyproject_tool_table_and_explicit_config_file(tmp_path: Path) -> None:
    repo = _repo(tmp_path, '[project]\nname = "x"\n[tool.pulsecheck]\nfail_on = "info"\n'
                           '[tool.pulsecheck.rules]\ndisable = ["sast.*"]\n'
                           '[tool.pulsecheck.rules.severity]\n"secrets.github-pat" = "low"\n',
                 name="pyproject.toml")
    s = load_settings({}, None, repo, env={})
    assert s.fail_on is Severity.INFO
    assert s.rule_disabled("sast.sql-injection") and not s.rule_disabled("secrets.x")
    assert s.severity_overrides == {"secrets.github-pat": Severity.LOW}

    # pulsecheck.toml in the repo wins over pyproject; --config wins over both.
    (repo / "pulsecheck.toml").write_text('fail_on = "medium"\n', encoding="utf-8")
    assert load_settings({}, None, repo, env={}).fail_on is Severity.MEDIUM
    other = tmp_path / "ci.toml"
    other.write_text('fail_on = "critical"\n', encoding="utf-8")
    assert load_settings({}, other, repo, env={}).fail_on is Severity.CRITICAL


def test_stage_tables_give_typed_options_and_can_switch_a_stage_off(tmp_path: Path) -> None:
    repo = _repo(tmp_path, '[stages.dast]\nenabled = false\n[stages.phi]\nmax_bytes = 512\n'
                           '[stages.secrets]\ngitleaks_config = "rules/gitleaks.toml"\n')
    s = load_settings({}, None, repo, env={})
    assert "dast" not in s.stages and "sast" in s.stages
    phi = s.options_for("phi")
    assert isinstance(phi, PhiOptions) and phi.max_bytes == 512 and phi.history is True
    secrets = s.options_for("secrets")
    assert isinstance(secrets, SecretsOptions)
    assert secrets.gitleaks_config == str((repo / "rules" / "gitleaks.toml").resolve())

    enabled = _repo(tmp_path, '[stages]\nenabled = ["secrets"]\n[stages.secrets]\nhistory = false\n')
    s2 = load_settings({}, None, enabled, env={})
    assert s2.stages == ("secrets",)
    assert s2.options_for("secrets") == SecretsOptions(history=False)
    assert s2.options_for("deps") == DepsOptions()  # no table: the model's defaults


@pytest.mark.parametrize(
    ("toml", "key", "problem"),
    [
        ('fail_on = "urgent"\n', "fail_on", "not a severity"),
        ("fail_on = 3\n", "fail_on", "not a severity"),
        ('colour = "red"\n', "colour", "unknown key"),
        ('stages = ["sast", "fuzz"]\n', "stages", "unknown stage 'fuzz'"),
        ('exclude = "vendor"\n', "exclude", "must be a list"),
        ("stage_timeout = -1\n", "stage_timeout", "positive number"),
        ("stage_timeout = true\n", "stage_timeout", "positive number"),
        ("[stages.fuzz]\nx = 1\n", "stages.fuzz", "unknown stage"),
        ("[stages.sast]\nenabled = 1\n", "stages.sast.enabled", "true or false"),
        ("stage_timeout = inf\n", "stage_timeout", "finite"),
        ("stage_timeout = nan\n", "stage_timeout", "positive number"),
        ('[stages.phi]\nworkers = "many"\n', "stages.phi.workers", "must be a valid integer"),
        ("[stages.phi]\nworkers = 0\n", "stages.phi.workers", "greater than or equal to 1"),
        ("[stages.phi]\nworkers = 500\n", "stages.phi.workers", "less than or equal to 64"),
        ('[stages.profile]\nmax_bytes = "big"\n', "stages.profile.max_bytes", "must be a valid integer"),
        ('[stages.deps]\ndbb = "x"\n', "stages.deps.dbb", "unknown option (expected one of: db,"),
        ("[stages.secrets]\nhistroy = false\n", "stages.secrets.histroy", "unknown option"),
        ('[stages.secrets]\nhistory = "yes"\n', "stages.secrets.history", "must be a valid boolean"),
        ("[stages.secrets]\njobs = 48.5\n", "stages.secrets.jobs", "must be a valid integer"),
        ('[stages.phi]\nexclude = "docs/**"\n', "stages.phi.exclude", "not a string"),
        ('[stages.profile]\nexclude = ["ok", ""]\n', "stages.profile.exclude", "non-empty strings"),
        ('[stages.secrets.allowlist]\nregexes = ["(a)\\\\1"]\n', "stages.secrets.allowlist.regexes",
         "not a linear-time (RE2) regex"),
        ('[stages.secrets.allowlist]\nregexes = ["(?=x)y"]\n', "stages.secrets.allowlist.regexes", "RE2"),
        ("[stages.secrets.allowlist]\npath = []\n", "stages.secrets.allowlist.path", "unknown option"),
        ('[stages.deps]\npypi_url = 3\n', "stages.deps.pypi_url", "must be a valid string"),
        ("[stages.sast]\nmax_file_kb = 512\n", "stages.sast.max_file_kb", "unknown option"),
        ("[stages.phi]\nhistory = 1\nmax_bytes = 0\n", "stages.phi.history", "(+1 more)"),
        ('[rules]\nenable = ["x"]\n', "rules.enable", "unknown key"),
        ('[rules.severity]\n"sast.x" = "huge"\n', 'rules.severity."sast.x"', "not a severity"),
        ("[rules]\ndisable = [1]\n", "rules.disable", "must be a list"),
    ],
)
def test_invalid_file_names_file_key_and_problem(tmp_path: Path, toml: str, key: str, problem: str) -> None:
    repo = _repo(tmp_path, toml)
    with pytest.raises(ConfigError) as info:
        load_settings({}, None, repo, env={})
    message = str(info.value)
    assert str(repo / "pulsecheck.toml") in message
    assert f": {key}" in message
    assert problem in message
    assert "\n" not in message


def test_pyproject_errors_name_the_tool_table(tmp_path: Path) -> None:
    repo = _repo(tmp_path, '[tool.pulsecheck]\nfail_on = "nope"\n', name="pyproject.toml")
    with pytest.raises(ConfigError, match=r"pyproject\.toml: tool\.pulsecheck\.fail_on: 'nope'"):
        load_settings({}, None, repo, env={})


def test_invalid_toml_names_file_and_line(tmp_path: Path) -> None:
    repo = _repo(tmp_path, 'fail_on = "low"\nstages = [\n  "sast",\n  oops\n]\n')
    with pytest.raises(ConfigError) as info:
        load_settings({}, None, repo, env={})
    assert str(info.value).startswith(f"{repo / 'pulsecheck.toml'}: line 4: invalid TOML")


def test_missing_config_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings({}, tmp_path / "nope.toml", tmp_path, env={})


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({"PULSECHECK_FAIL_ON": "loud"}, "PULSECHECK_FAIL_ON: 'loud' is not a severity"),
        ({"PULSECHECK_STAGES": "sast,nope"}, "PULSECHECK_STAGES: unknown stage 'nope'"),
        ({"PULSECHECK_STAGE_TIMEOUT": "soon"}, "PULSECHECK_STAGE_TIMEOUT: 'soon' is not a number"),
        ({"PULSECHECK_STAGE_TIMEOUT": "0"}, "PULSECHECK_STAGE_TIMEOUT: 0.0 must be a positive"),
    ],
)
def test_invalid_environment_names_the_variable(tmp_path: Path, env: dict[str, str], needle: str) -> None:
    with pytest.raises(ConfigError, match=needle):
        load_settings({}, None, tmp_path, env=env)


def test_invalid_flag_names_the_flag(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="--fail-on: 'severe' is not a severity"):
        load_settings({"fail_on": "severe"}, None, tmp_path, env={})


@pytest.mark.parametrize(
    "toml",
    [
        'baseline = "../outside.json"\n',
        'baseline = "/etc/passwd"\n',
        '[stages.secrets]\ngitleaks_config = "../../etc/shadow"\n',
        '[stages.secrets]\ngitleaks_config = "/etc/gitleaks.toml"\n',
    ],
)
def test_config_path_outside_repo_is_refused(tmp_path: Path, toml: str) -> None:
    repo = _repo(tmp_path, toml)
    (tmp_path / "outside.json").write_text('{"schema_version": 1, "entries": []}', encoding="utf-8")
    with pytest.raises(ConfigError, match="resolves outside the repository") as info:
        load_settings({}, None, repo, env={})
    assert "\n" not in str(info.value)


def test_paths_in_the_users_own_config_may_point_anywhere(tmp_path: Path) -> None:
    repo = _repo(tmp_path, 'fail_on = "low"\n')
    user = tmp_path / "home" / "ci.toml"
    user.parent.mkdir()
    user.write_text('[stages.secrets]\ngitleaks_config = "../rules/gitleaks.toml"\n'
                    '[stages.deps]\ndb = "/var/cache/osv.sqlite"\n', encoding="utf-8")
    s = load_settings({}, user, repo, env={})
    assert s.options_for("secrets").gitleaks_config == str(tmp_path / "rules" / "gitleaks.toml")
    assert s.options_for("deps").db == "/var/cache/osv.sqlite"
    assert s.warnings == ()
    # The same file in the user config directory, below the repository's config.
    env = {"PULSECHECK_USER_CONFIG": str(user)}
    s2 = load_settings({}, None, repo, env=env)
    assert s2.options_for("deps").db == "/var/cache/osv.sqlite"
    assert s2.fail_on is Severity.LOW


def test_symlink_escaping_the_repo_is_refused(tmp_path: Path) -> None:
    repo = _repo(tmp_path, 'baseline = "link/baseline.json"\n')
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "baseline.json").write_text('{"schema_version": 1, "entries": []}', encoding="utf-8")
    (repo / "link").symlink_to(outside)
    with pytest.raises(ConfigError, match="baseline: 'link/baseline.json' resolves outside"):
        load_settings({}, None, repo, env={})


def test_baseline_in_config_is_resolved_and_validated(tmp_path: Path) -> None:
    repo = _repo(tmp_path, 'baseline = ".pulsecheck-baseline.json"\n')
    with pytest.raises(ConfigError, match="baseline file not found"):
        load_settings({}, None, repo, env={})
    (repo / ".pulsecheck-baseline.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\.pulsecheck-baseline\.json: line 1: baseline is not valid JSON"):
        load_settings({}, None, repo, env={})
    (repo / ".pulsecheck-baseline.json").write_text('{"schema_version": 1, "entries": []}', encoding="utf-8")
    s = load_settings({}, None, repo, env={})
    assert s.baseline == str((repo / ".pulsecheck-baseline.json").resolve())


def test_baseline_precedence_flag_over_env_over_file(tmp_path: Path) -> None:
    repo = _repo(tmp_path, 'baseline = "in-file.json"\n')
    for name in ("in-file.json", "from-env.json", "from-flag.json"):
        (repo / name).write_text('{"schema_version": 1, "entries": []}', encoding="utf-8")
    env = {"PULSECHECK_BASELINE": str(repo / "from-env.json")}
    assert load_settings({}, None, repo, env={}).baseline == str((repo / "in-file.json").resolve())
    assert load_settings({}, None, repo, env=env).baseline == str(repo / "from-env.json")
    flagged = load_settings({"baseline": str(repo / "from-flag.json")}, None, repo, env=env)
    assert flagged.baseline == str(repo / "from-flag.json")
