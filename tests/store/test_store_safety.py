"""A scanned repository may plant symlinks or a database where the default store goes."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from pulsecheck.store import StoreError, open_store
from pulsecheck.store.identity import identify, normalise_remote

CLI = Path(sys.executable).parent / "pulsecheck"


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "app.py").write_text("print('hi')\n")
    return repo


def _audit(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULSECHECK_")}
    return subprocess.run([str(CLI), "audit", ".", "--stage", "profile", *args], cwd=cwd, env={**env, "CI": "1"},
                          capture_output=True, text=True, timeout=300)


def test_planted_store_directory_symlink_is_refused_and_the_report_still_written(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    (repo / ".pulsecheck").symlink_to(outside)
    out = tmp_path / "report.json"
    run = _audit(repo, "-f", "json", "-o", str(out))
    assert "history not recorded" in run.stderr and "symlink" in run.stderr, run.stderr[-800:]
    assert json.loads(out.read_text())["findings"] is not None  # the report is not lost
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize("sidecar", ["history.sqlite", "history.sqlite-wal", "history.sqlite-journal"])
def test_planted_database_file_symlinks_are_refused(tmp_path: Path, sidecar: str) -> None:
    repo = _repo(tmp_path)
    victim = tmp_path / "victim"
    victim.write_text("keep me\n")
    (repo / ".pulsecheck").mkdir()
    (repo / ".pulsecheck" / sidecar).symlink_to(victim)
    with pytest.raises(StoreError, match="symlink inside the scanned repository"):
        open_store(f"sqlite:///{repo / '.pulsecheck' / 'history.sqlite'}", repo=str(repo))
    assert victim.read_text() == "keep me\n"


def test_planted_database_with_a_trigger_is_not_opened(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    (repo / ".pulsecheck").mkdir()
    planted = repo / ".pulsecheck" / "history.sqlite"
    with sqlite3.connect(planted) as db:
        db.execute("CREATE TABLE alembic_version (version_num TEXT)")
        db.execute("INSERT INTO alembic_version VALUES ('0002')")
        db.execute("CREATE TABLE runs (id INTEGER)")
        db.execute("CREATE TRIGGER t AFTER INSERT ON runs BEGIN DELETE FROM runs; END")
    with pytest.raises(StoreError, match="trigger"):
        open_store(f"sqlite:///{planted}", repo=str(repo))


def test_some_other_sqlite_file_is_not_taken_for_a_store(tmp_path: Path) -> None:
    other = tmp_path / "app.db"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE patients (id INTEGER)")
    with pytest.raises(StoreError, match="not a pulsecheck store"):
        open_store(f"sqlite:///{other}")


def test_default_store_in_the_working_directory_is_git_ignored(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    run = _audit(repo, "-o", "-", "-f", "json")
    assert "history not recorded" not in run.stderr, run.stderr[-500:]
    assert (repo / ".pulsecheck" / "history.sqlite").is_file()
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=repo,
                            capture_output=True, text=True, check=True).stdout
    assert ".pulsecheck" not in status
    again = json.loads(_audit(repo, "-o", "-", "-f", "json").stdout)
    assert len(again["history"]["trend"]) == 2


def test_no_store_and_env_off_record_nothing(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    _audit(repo, "--no-store", "-o", "-", "-f", "json")
    assert not (repo / ".pulsecheck").exists()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULSECHECK_")}
    subprocess.run([str(CLI), "audit", ".", "--stage", "profile", "-o", "-", "-f", "json"], cwd=repo,
                   env={**env, "PULSECHECK_STORE": "off"}, capture_output=True, timeout=300, check=False)
    assert not (repo / ".pulsecheck").exists()


def test_identity_reads_remote_and_branch_without_git(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    subprocess.run(["git", "init", "-q", "-b", "release/2.0"], cwd=repo, check=True)
    subprocess.run(["git", "remote", "add", "origin", "https://ci-bot:ghp_s3cr3t@GitHub.com/Org/App.git/"],
                   cwd=repo, check=True)
    who = identify(str(repo), env={})
    assert who == type(who)("github.com/Org/App", "release/2.0")
    assert "s3cr3t" not in who.key
    assert identify(str(repo), env={"PULSECHECK_REPO_ID": "mono/svc-a", "PULSECHECK_BRANCH": "x"}).key == "mono/svc-a"
    # a HEAD that is a symlink to somewhere else is not read
    head = repo / ".git" / "HEAD"
    head.unlink()
    (tmp_path / "elsewhere").write_text("ref: refs/heads/planted\n")
    head.symlink_to(tmp_path / "elsewhere")
    assert identify(str(repo), env={"GITHUB_REF_NAME": "ci-branch"}).branch == "ci-branch"


@pytest.mark.parametrize(("url", "key"), [
    ("git@github.com:org/app.git", "github.com/org/app"),
    ("ssh://git@gitlab.example.com:2222/grp/sub/app.git", "gitlab.example.com:2222/grp/sub/app"),
    ("https://oauth2:glpat-xyz@gitlab.com/grp/app?x=1#f", "gitlab.com/grp/app"),
    ("file:///srv/git/app.git/", "/srv/git/app.git"),
    ("/srv/git/app", "/srv/git/app"),
])
def test_remote_urls_are_normalised_without_credentials(url: str, key: str) -> None:
    assert normalise_remote(url) == key
