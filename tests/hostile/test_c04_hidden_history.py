"""Class 4: a committed ``.gitattributes`` must not hide history from the secret scan.

A key committed and then removed, with ``* -diff`` and ``*.py binary`` committed first: the
history-only secret is found, or the secrets stage says it could not read history (partial).
"""

from __future__ import annotations

from pathlib import Path

from .kit import FAKE_KEY, commit, git_repo, pulsecheck


def test_gitattributes_cannot_hide_a_history_only_secret(tmp_path: Path) -> None:
    repo = git_repo(tmp_path / "repo", {".gitattributes": "* -diff\n*.py binary\n", "app.py": "x = 1\n"})
    commit(repo, {"settings.py": f"AWS_ACCESS_KEY_ID = '{FAKE_KEY}'\n"}, "add key")
    commit(repo, {"settings.py": "AWS_ACCESS_KEY_ID = None\n"}, "remove key")
    out = tmp_path / "report.json"
    run = pulsecheck("audit", str(repo), "--stage", "secrets", "-f", "json", "-o", str(out), cwd=tmp_path,
                     report=out)
    found = [f for f in run.report["findings"] if f["location"].get("commit")] if run.report else []
    assert found or run.stage("secrets")["status"] == "partial", run.stderr[-1000:]
    assert run.returncode != 0
