"""The demo's planted secrets, gitleaks configs, and ``pulsecheck secrets scan`` as a hook."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sources.gitutil import commit_files, git, init

from pulsecheck import engine
from pulsecheck.demo import fakes, gitrepo
from pulsecheck.demo.runner import app_source
from pulsecheck.model import Targets
from pulsecheck.settings import Settings
from pulsecheck.stages.secrets import STAGE
from pulsecheck.stages.secrets.gitleaks import go_to_python, load_gitleaks_config
from pulsecheck.stages.secrets.matcher import Scanner
from pulsecheck.stages.secrets.rules import RuleError

PULSECHECK = str(Path(sys.executable).parent / "pulsecheck")


def demo_findings(tmp_path: Path, fixed: bool) -> list:  # type: ignore[type-arg]
    repo = tmp_path / ("fixed" if fixed else "clinic")
    values = fakes.generate()
    gitrepo.copy_app(app_source(fixed), repo, values)
    gitrepo.build_history(repo, values, fixed)
    report = engine.run(Targets(path=str(repo)), Settings(stages=("secrets",)), stages={"secrets": STAGE})
    assert report.stages[0].status == "completed"
    return list(report.findings)


def test_demo_planted_secrets_and_fixed_twin(tmp_path: Path) -> None:
    found = {(f.rule_id, f.location.path, f.location.commit is not None) for f in demo_findings(tmp_path, False)}
    assert ("secrets.openai-api-key", ".env", False) in found
    for rule in ("secrets.aws-access-key-id", "secrets.aws-secret-access-key", "secrets.postgres-uri-password"):
        assert (rule, "deploy/production.env", True) in found
    assert demo_findings(tmp_path, True) == []


def test_gitleaks_config_loads_and_detects(shared_dir: Path, tmp_path: Path) -> None:
    cfg = load_gitleaks_config(shared_dir / "secrets" / "gitleaks-v8.30.1-default-config.toml")
    assert len(cfg.rules) >= 200 and cfg.path_regexes and cfg.regexes
    assert all(r.id.startswith("secrets.gitleaks.") for r in cfg.rules)
    scanner = Scanner(cfg.rules)
    line = "token: glpat-" + "Ab3dE6gH9jK2mN5pQ8sT"
    assert "secrets.gitleaks.gitlab-pat" in {scanner.rules[h.rule].id for h in scanner.scan(line)}
    custom = tmp_path / "custom.toml"
    custom.write_text("[[rules]]\nid = 'acme-key'\nregex = '''acme_[[:alnum:]]{24}\\z'''\nkeywords = ['acme_']\n"
                      "[allowlist]\nstopwords = ['notreal']\n")
    loaded = load_gitleaks_config(custom)
    assert Scanner(loaded.rules).scan("key = acme_" + "Q7w9E2r4T6y8U1i3O5p7A9s2")
    bad = tmp_path / "bad.toml"
    bad.write_text("[[rules]\n")
    with pytest.raises(RuleError, match="bad.toml"):
        load_gitleaks_config(bad)
    assert go_to_python("(?i)a(?i)b[[:digit:]]\\z") == "(?i)ab[0-9]\\Z"


def test_cli_staged_hook_and_usage_errors(tmp_path: Path) -> None:
    repo = init(tmp_path / "r")
    commit_files(repo, {"README.md": "clinic\n"}, "init")
    (repo / "settings.py").write_text('STRIPE_KEY = "sk_live_' + "4eC39HqLyjWDarjtT1zdp7dc" + '"\n')
    git(repo, "add", "settings.py")
    hook = subprocess.run([PULSECHECK, "secrets", "scan", "--staged", "-q", "-f", "json", "-o", "-"], cwd=repo,
                          capture_output=True, text=True, check=False)
    assert hook.returncode == 1, hook.stderr
    findings = json.loads(hook.stdout)["findings"]
    assert [(f["rule_id"], f["location"]["path"], f["location"]["line"]) for f in findings] == [
        ("secrets.stripe-live-secret-key", "settings.py", 1)]
    assert "4eC39HqLyjWDarjt" not in hook.stdout + hook.stderr
    git(repo, "reset", "-q")
    clean = subprocess.run([PULSECHECK, "secrets", "scan", "--staged", "-q"], cwd=repo, capture_output=True,
                           text=True, check=False)
    assert clean.returncode == 0, clean.stderr
    missing = subprocess.run([PULSECHECK, "secrets", "scan", ".", "--gitleaks-config", "nope.toml"], cwd=repo,
                             capture_output=True, text=True, check=False)
    assert missing.returncode == 2 and "nope.toml" in missing.stderr and len(missing.stderr.splitlines()) == 1
    hooks = (Path(__file__).resolve().parents[3] / ".pre-commit-hooks.yaml").read_text()
    assert "pulsecheck secrets scan --staged" in hooks
