"""Class 5: when git refuses the repository, history is partial (exit 2), never clean; a
``.git`` file pointing at another repository never brings that one's history into the report."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from .kit import FAKE_KEY, commit, git_repo, pulsecheck


def test_a_gitfile_pointing_elsewhere_is_not_followed(tmp_path: Path) -> None:
    other = git_repo(tmp_path / "other", {"a.txt": "a\n"})
    commit(other, {"leak.py": f"KEY = '{FAKE_KEY}'\n"}, "leak")
    commit(other, {"leak.py": "KEY = None\n"}, "scrub")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "app.py").write_text("print('hi')\n")
    (repo / ".git").write_text(f"gitdir: {other / '.git'}\n")
    out = tmp_path / "report.json"
    run = pulsecheck("audit", str(repo), "--stage", "secrets", "-f", "json", "-o", str(out), cwd=tmp_path,
                     report=out)
    assert run.report is not None
    assert not [f for f in run.report["findings"] if f["location"].get("path") == "leak.py"], \
        "another repository's history appeared in this report"
    assert run.stage("secrets")["status"] == "partial" and run.returncode == 2


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give the checkout another owner")
def test_dubious_ownership_is_partial_not_clean(tmp_path: Path) -> None:
    repo = git_repo(tmp_path / "repo", {"app.py": "x = 1\n"})
    commit(repo, {"settings.py": f"AWS_ACCESS_KEY_ID = '{FAKE_KEY}'\n"}, "add key")
    commit(repo, {"settings.py": "AWS_ACCESS_KEY_ID = None\n"}, "remove key")
    for path in [repo, *repo.rglob("*")]:
        os.lchown(path, 65534, 65534)  # as a CI checkout by another uid
    out = tmp_path / "report.json"
    run = pulsecheck("audit", str(repo), "--stage", "secrets", "-f", "json", "-o", str(out), cwd=tmp_path,
                     report=out)
    found = [f for f in run.report["findings"] if f["location"].get("commit")] if run.report else []
    assert found or (run.stage("secrets")["status"] == "partial" and run.returncode == 2)
    shutil.rmtree(repo, ignore_errors=True)
