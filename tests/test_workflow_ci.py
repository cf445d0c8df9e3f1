"""CI templates and pre-commit hooks: valid YAML, real commands and options, and the pull-request
recipe (--since, --baseline, --fail-on) doing what docs/CI.md says on a real repository."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml

from pulsecheck.cli import app

ROOT = Path(__file__).resolve().parents[1]
CLI = Path(sys.executable).parent / "pulsecheck"
GITHUB = ROOT / "ci" / "github" / "pulsecheck.yml"
GITLAB = ROOT / "ci" / "gitlab" / "pulsecheck.gitlab-ci.yml"
HOOKS = ROOT / ".pre-commit-hooks.yaml"
KEY = 'AWS_SECRET_ACCESS_KEY = "kR3m9qLx2vTb8Wn4Yp6Zc1Hs5Jd7Fg0Ae9Ui2Ko3"\nAWS_ACCESS_KEY_ID = "AKIAQ4NSBIEXNKXZ7H2P"\n'
GIT = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
       "GIT_COMMITTER_EMAIL": "t@example.org", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def _command(words: list[str]) -> Any:
    """The (click) command ``pulsecheck WORDS...`` names (fails the test when there is none)."""
    cmd: Any = typer.main.get_command(app)
    for word in words:
        if not hasattr(cmd, "commands") or word not in cmd.commands:
            break
        cmd = cmd.commands[word]
    assert not hasattr(cmd, "commands"), f"pulsecheck {' '.join(words)}: not a command"
    return cmd


def _options(cmd: Any) -> set[str]:
    return {o for p in cmd.params for o in getattr(p, "opts", [])}


def _invocations(script: str) -> list[tuple[Any, set[str]]]:
    """Each ``pulsecheck ...`` in a shell script with the options given to it (on its line or in
    a preceding ``set -- ...`` that it expands with "$@")."""
    out = []
    pending: set[str] = set()
    for line in script.replace("\\\n", " ").splitlines():
        line = line.strip()
        if line.startswith("set --"):
            pending |= set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", line[len("set --"):]))
            continue
        for m in re.finditer(r"(?:^|[;&|(]\s*|\s)pulsecheck\s+([^;&|)]*)", line):
            words = [w for w in shlex.split(m.group(1).replace("$(", " "), posix=True) if w]
            sub = [w for w in words if re.fullmatch(r"[a-z]+", w)][:2]
            cmd = _command(sub)
            given = {w.split("=")[0] for w in words if w.startswith("--")}
            if '"$@"' in m.group(1) or "$@" in words:
                given |= pending
            out.append((cmd, given))
    return out


def _scripts_github(doc: dict[str, Any]) -> list[str]:
    return [step["run"] for job in doc["jobs"].values() for step in job["steps"] if "run" in step]


def test_github_workflow_runs_the_audit_and_uploads_sarif() -> None:
    doc = yaml.safe_load(GITHUB.read_text())
    triggers = doc.get("on", doc.get(True))  # YAML 1.1 reads `on` as true
    assert {"push", "pull_request"} <= set(triggers)
    assert doc["permissions"]["security-events"] == "write"
    steps = doc["jobs"]["audit"]["steps"]
    upload = [s for s in steps if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif@")]
    assert len(upload) == 1 and upload[0]["if"] == "always()"
    sarif_file = upload[0]["with"]["sarif_file"]
    assert sarif_file.replace("${{ runner.temp }}", "$RUNNER_TEMP").endswith("/pulsecheck/pulsecheck-report.sarif")
    audits = [(c, o) for s in _scripts_github(doc) for c, o in _invocations(s) if c.name == "audit"]
    assert len(audits) == 2
    for cmd, given in audits:
        assert given <= _options(cmd), given - _options(cmd)
        assert "--format" in given and "--output" in given
    pr = [o for _c, o in audits if "--since" in o]
    assert pr and {"--no-repo-config", "--baseline"} <= pr[0]
    for script in _scripts_github(doc):
        for cmd, given in _invocations(script):
            assert given <= _options(cmd), (cmd.name, given - _options(cmd))


def test_gitlab_template_is_a_valid_job_with_real_commands() -> None:
    doc = yaml.safe_load(GITLAB.read_text())
    job = doc["pulsecheck"]
    assert job["stage"] == "test" and job["artifacts"]["when"] == "always"
    assert any("merge_request_event" in r["if"] for r in job["rules"])
    found = []
    for script in [*job["before_script"], *job["script"]]:
        for cmd, given in _invocations(script):
            assert given <= _options(cmd), (cmd.name, given - _options(cmd))
            found.append(cmd.name)
    assert {"update", "audit"} <= set(found)
    assert "pulsecheck-out/" in job["artifacts"]["paths"]


def test_pre_commit_hooks_point_at_real_commands() -> None:
    hooks = yaml.safe_load(HOOKS.read_text())
    assert {h["id"] for h in hooks} >= {"pulsecheck-secrets", "pulsecheck-sast"}
    for hook in hooks:
        assert {"id", "name", "entry", "language"} <= set(hook)
        assert hook["language"] == "python" and set(hook.get("stages", [])) <= {"pre-commit", "pre-push"}
        ((cmd, given),) = _invocations(hook["entry"])
        assert given <= _options(cmd), (hook["id"], given - _options(cmd))
    sast = next(h for h in hooks if h["id"] == "pulsecheck-sast")
    assert sast["pass_filenames"] is True and "python" in sast["types_or"]


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, env={**os.environ, **GIT}, check=True, capture_output=True,
                          text=True).stdout


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULSECHECK_")}
    return subprocess.run([str(CLI), *args], cwd=cwd, env={**env, **GIT, "CI": "1"}, capture_output=True, text=True,
                          timeout=300)


def test_the_pre_commit_entries_catch_what_is_staged(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / "views.py").write_text('import sqlite3\ndef f(request):\n    q = "SELECT * FROM p WHERE id=" + '
                                   'request.args["id"]\n    return sqlite3.connect("x").execute(q)\n')
    (repo / "ok.py").write_text("def add(a, b):\n    return a + b\n")
    (repo / "settings.py").write_text(KEY)
    _git(repo, "add", "views.py", "ok.py", "settings.py")
    hooks = {h["id"]: h for h in yaml.safe_load(HOOKS.read_text())}
    sast_entry = shlex.split(hooks["pulsecheck-sast"]["entry"])[1:]
    bad = _cli(*sast_entry, "views.py", "ok.py", cwd=repo)
    assert bad.returncode == 1 and "sast.python-sql-injection" in bad.stderr, bad.stderr[-1500:]
    assert _cli(*sast_entry, "ok.py", cwd=repo).returncode == 0
    secrets_entry = shlex.split(hooks["pulsecheck-secrets"]["entry"])[1:]
    leaked = _cli(*secrets_entry, cwd=repo)
    assert leaked.returncode == 1, leaked.stderr[-1500:]
    _git(repo, "rm", "-q", "--cached", "settings.py")
    assert _cli(*secrets_entry, cwd=repo).returncode == 0


@pytest.fixture
def pull_request(tmp_path: Path) -> tuple[Path, Path]:
    """main: one accepted (baselined) key in history; the pull request adds a new one."""
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    (repo / "old.py").write_text('STRIPE = "sk_live_51HqLyjWDarjtT1zdp7dcXk3Vc9Q2ePq6rRtY8uIoPaSdFgHjKlZx"\n')
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "base")
    baseline = tmp_path / "base-baseline.json"
    made = _cli("baseline", "create", str(repo), "--stage", "secrets", "-o", str(baseline), "--reason",
                "rotated, tracked in SEC-12", cwd=tmp_path)
    assert made.returncode == 0, made.stderr[-800:]
    _git(repo, "checkout", "-qb", "feature")
    (repo / "settings.py").write_text(KEY)
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "pr")
    return repo, baseline


def test_pull_request_recipe_reports_only_what_the_pull_request_adds(pull_request: tuple[Path, Path],
                                                                     tmp_path: Path) -> None:
    repo, baseline = pull_request
    out = tmp_path / "out"
    run = _cli("audit", ".", "--stage", "secrets", "--no-repo-config", "--since", "main", "--baseline",
               str(baseline), "--fail-on", "high", "--no-store", "-f", "sarif", "-f", "json", "-o", f"{out}/", "-q",
               cwd=repo)
    assert run.returncode == 1, run.stderr[-1000:]  # the new key fails the build
    report = json.loads((out / "pulsecheck-report.json").read_text())
    paths = {f["location"]["path"] for f in report["findings"]}
    assert paths == {"settings.py"}  # the baselined key in main's history is not reported again
    sarif = json.loads((out / "pulsecheck-report.sarif").read_text())
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]} \
        == {"settings.py"}
    # --since alone narrows the history scan to the pull request's commits
    since = _cli("audit", ".", "--stage", "secrets", "--since", "main", "--no-store", "-f", "json", "-o", "-", "-q",
                 cwd=tmp_path / "repo")
    commits = {f["location"].get("commit") for f in json.loads(since.stdout)["findings"]}
    base_commit = _git(repo, "rev-parse", "main").strip()
    assert base_commit not in commits
