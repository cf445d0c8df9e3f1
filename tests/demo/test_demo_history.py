"""The demo repo's git history: history-only secrets, a secret in the tree, reproducible commits."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from pulsecheck.demo import fakes, gitrepo
from pulsecheck.demo.runner import app_source


def _build(tmp: Path, fixed: bool) -> Path:
    repo = tmp / ("fixed" if fixed else "vuln")
    values = fakes.generate()
    gitrepo.copy_app(app_source(fixed), repo, values)
    gitrepo.build_history(repo, values, fixed)
    return repo


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def test_fake_secrets_are_format_valid_and_not_documented_examples() -> None:
    values = fakes.generate()
    assert re.fullmatch(r"AKIA[A-Z2-7]{16}", values.aws_access_key_id)
    assert "EXAMPLE" not in values.aws_access_key_id
    assert re.fullmatch(r"[A-Za-z0-9+/]{40}", values.aws_secret_access_key)
    assert re.fullmatch(r"sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}", values.openai_api_key)
    assert fakes.generate() == values and fakes.generate("other") != values


def test_vulnerable_history_holds_deleted_secrets_and_tree_keeps_one(tmp_path: Path) -> None:
    repo = _build(tmp_path, fixed=False)
    values = fakes.generate()
    assert not (repo / "deploy").exists()
    assert not (repo / "VULNERABILITIES.md").exists()
    assert values.openai_api_key in (repo / ".env").read_text(encoding="utf-8")
    history = _git(repo, "log", "-p", "--all")
    for secret in (values.aws_access_key_id, values.aws_secret_access_key, values.db_password):
        assert secret in history
    assert len(_git(repo, "log", "--format=%H", "--", "deploy/production.env").split()) == 2
    assert _git(repo, "status", "--porcelain") == ""
    authors = set(_git(repo, "log", "--format=%an <%ae> %aI").splitlines())
    assert all(a.startswith("Sam Rivera <sam.rivera@northwind.example> 2024-") for a in authors)


def test_history_is_reproducible_and_fixed_twin_has_no_values(tmp_path: Path) -> None:
    first = _build(tmp_path / "a", fixed=False)
    second = _build(tmp_path / "b", fixed=False)
    assert _git(first, "rev-parse", "HEAD") == _git(second, "rev-parse", "HEAD")
    fixed = _build(tmp_path, fixed=True)
    values = fakes.generate()
    history = _git(fixed, "log", "-p", "--all")
    assert "deploy/production.env" in history
    for secret in (values.aws_access_key_id, values.aws_secret_access_key, values.db_password,
                   values.openai_api_key):
        assert secret not in history
