"""``pulsecheck audit`` records into the store; ``history`` and ``diff`` read it, keyed by the
repository's remote and branch (run from inside the checkout, as in CI)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

CLI = Path(sys.executable).parent / "pulsecheck"
GIT = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
       "GIT_COMMITTER_EMAIL": "t@example.org", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
KEY = 'AWS_SECRET_ACCESS_KEY = "kR3m9qLx2vTb8Wn4Yp6Zc1Hs5Jd7Fg0Ae9Ui2Ko3"\n'
STRIPE = 'STRIPE = "sk_live_51HqLyjWDarjtT1zdp7dcXk3Vc9Q2ePq6rRtY8uIoPaSdFgHjKlZx"\n'


def _run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("PULSECHECK_")}
    return subprocess.run([str(CLI), *args], cwd=cwd, env={**base, **GIT, "CI": "1", **(env or {})},
                          capture_output=True, text=True, timeout=300)


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, env={**os.environ, **GIT}, check=True, capture_output=True)


def test_audits_recorded_then_history_and_diff_from_inside_the_checkout(tmp_path: Path) -> None:
    repo = tmp_path / "clinic"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "remote", "add", "origin", "https://bot:ghp_T0k3n@github.com/acme/clinic.git")
    (repo / "a.py").write_text(KEY)
    (repo / "b.py").write_text(STRIPE)
    store = f"sqlite:///{tmp_path / 'shared' / 'history.sqlite'}"
    env = {"PULSECHECK_STORE": store}
    first = _run("audit", ".", "--stage", "secrets", "-f", "json", "-o", str(tmp_path / "r1.json"), "-q", cwd=repo,
                 env=env)
    assert first.returncode == 1 and "history not recorded" not in first.stderr, first.stderr[-800:]
    (repo / "b.py").write_text("import os\nSTRIPE = os.environ['STRIPE']\n")
    second = _run("audit", ".", "--stage", "secrets", "-f", "json", "-o", str(tmp_path / "r2.json"), "-q", cwd=repo,
                  env=env)
    assert second.returncode in (0, 1), second.stderr[-800:]
    r1, r2 = (json.loads((tmp_path / n).read_text()) for n in ("r1.json", "r2.json"))
    assert [p["run_id"] for p in r2["history"]["trend"]] == [r1["run"]["run_id"], r2["run"]["run_id"]]
    removed = {f["fingerprint"] for f in r1["findings"]} - {f["fingerprint"] for f in r2["findings"]}
    assert removed and all(r2["history"]["first_seen"][f["fingerprint"]] <= r2["finished_at"]
                           for f in r2["findings"])

    listing = _run("history", "--format", "json", cwd=repo, env=env)
    data = json.loads(listing.stdout)
    assert data["repository"] == "github.com/acme/clinic" and "T0k3n" not in listing.stdout
    assert [r["run_id"] for r in data["runs"]] == [r2["run"]["run_id"], r1["run"]["run_id"]]
    assert all(r["branch"] == "main" for r in data["runs"])

    (repo / "src").mkdir()
    below = json.loads(_run("history", "--format", "json", cwd=repo / "src", env=env).stdout)
    assert below["repository"] == "github.com/acme/clinic" and len(below["runs"]) == 2  # from a sub-directory too

    diff = json.loads(_run("diff", "--format", "json", cwd=repo, env=env).stdout)
    assert {f["fingerprint"] for f in diff["fixed"]} == removed and diff["new"] == []
    text = _run("diff", cwd=repo, env=env).stdout
    assert f"fixed ({len(removed)}):" in text and "b.py" in text

    # another branch has no pair of audits yet: a clear one-line error, exit 2
    _git(repo, "checkout", "-qb", "feature")
    lonely = _run("diff", cwd=repo, env=env)
    assert lonely.returncode == 2 and "diff needs two" in lonely.stderr
    missing = _run("history", "--store", str(tmp_path / "nowhere.sqlite"), cwd=repo)
    assert missing.returncode == 2 and "no store there yet" in missing.stderr


def test_an_unreachable_postgresql_store_is_a_warning_not_a_lost_report(tmp_path: Path) -> None:
    repo = tmp_path / "r"
    repo.mkdir()
    (repo / "a.py").write_text("x = 1\n")
    out = tmp_path / "r.json"
    run = _run("audit", str(repo), "--stage", "profile", "--store", "postgresql://u:s3cret@127.0.0.1:1/db",
               "-f", "json", "-o", str(out), "-q", cwd=tmp_path)
    assert run.returncode in (0, 1, 2) and out.is_file()
    warning = [line for line in run.stderr.splitlines() if "history not recorded" in line]
    assert len(warning) == 1 and "s3cret" not in run.stderr
    assert "history" not in json.loads(out.read_text())
