"""The stage end to end: history findings, one finding per secret, bad input, partial scans."""

from __future__ import annotations

import os
import random
import subprocess
import threading
from pathlib import Path

from sources.gitutil import ENV, commit_files, git, init

from pulsecheck import engine
from pulsecheck.model import Targets
from pulsecheck.runtime import Runtime
from pulsecheck.settings import Settings
from pulsecheck.sources.history import History
from pulsecheck.stages.secrets import STAGE
from pulsecheck.stages.secrets.history import scan_history
from pulsecheck.stages.secrets.matcher import Scanner
from pulsecheck.stages.secrets.rules import builtin_rules

from .fakes import POOL

RNG = random.Random(99)
KEY = "AKIA" + "".join(RNG.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16))
PASSWORD = "".join(RNG.choice(POOL) for _ in range(14)) + "#9"


def run(path: Path, **options: object):  # type: ignore[no-untyped-def]
    settings = Settings(stages=("secrets",), stage_options={"secrets": dict(options)})
    report = engine.run(Targets(path=str(path)), settings, stages={"secrets": STAGE})
    return report, report.stages[0]


def history_repo(tmp_path: Path) -> tuple[Path, str, str]:
    repo = init(tmp_path / "repo")
    added = commit_files(repo, {"deploy/prod.env": f"AWS_ACCESS_KEY_ID={KEY}\n"}, "add deploy",
                         "2024-03-01T10:00:00+00:00")
    commit_files(repo, {"copy/prod.env": f"# copy\nAWS_ACCESS_KEY_ID={KEY}\n"}, "copy it", "2024-03-02T10:00:00+00:00")
    git(repo, "rm", "-q", "-r", "deploy", "copy")
    git(repo, "commit", "-q", "-m", "remove", date="2024-03-03T10:00:00+00:00")
    commit_files(repo, {"app/settings.py": f'DB_PASSWORD = "{PASSWORD}"\n'}, "settings", "2024-03-04T10:00:00+00:00")
    return repo, added, git(repo, "rev-parse", "HEAD")


def test_history_only_secret_is_one_finding_with_its_occurrences(tmp_path: Path) -> None:
    repo, added, _ = history_repo(tmp_path)
    report, result = run(repo)
    assert result.status == "completed"
    by_rule = {f.rule_id: f for f in report.findings}
    aws = by_rule["secrets.aws-access-key-id"]
    assert (aws.location.path, aws.location.line, aws.location.commit) == ("deploy/prod.env", 1, added)
    assert aws.properties["in_worktree"] is False and aws.properties["occurrence_count"] == 2
    assert {o["path"] for o in aws.properties["occurrences"]} == {"deploy/prod.env", "copy/prod.env"}
    assert aws.properties["author"] == "Ana Test <ana@clinic.example>" and "history only" in aws.message
    assert aws.evidence == "AKIA…REDACTED" and KEY not in aws.message
    pw = by_rule["secrets.generic-password"]
    assert (pw.location.path, pw.location.line, pw.location.commit) == ("app/settings.py", 1, None)
    assert pw.properties["occurrence_count"] == 2  # working tree + the commit that added it


def test_no_history_option_and_since(tmp_path: Path) -> None:
    repo, added, head = history_repo(tmp_path)
    report, _ = run(repo, history=False)
    assert [f.rule_id for f in report.findings] == ["secrets.generic-password"]
    report, _ = run(repo, since=added, worktree=False)  # the copy commit re-adds the key
    assert sorted(f.rule_id for f in report.findings) == ["secrets.aws-access-key-id", "secrets.generic-password"]
    report, _ = run(repo, since=git(repo, "rev-parse", "HEAD~1"), worktree=False)
    assert [f.rule_id for f in report.findings] == ["secrets.generic-password"]
    assert report.findings[0].location.commit == head


def test_parallel_workers_agree_with_serial(tmp_path: Path) -> None:
    """One segment is scanned in-process, many in pool workers: the same occurrences."""
    repo, _, _ = history_repo(tmp_path)
    scanner = Scanner(builtin_rules())
    got = []
    for n, segment_bytes in enumerate((1 << 20, 64)):
        runtime = Runtime(cpus=2)
        history = History(repo, tmp_path / f"h{n}", runtime.sources, segment_bytes=segment_bytes)
        gaps: list[str] = []
        found, size = scan_history(history, scanner, runtime.for_stage("secrets", tmp_path, threading.Event()),
                                   workers=2, cancel=threading.Event(), on_gap=gaps.append, on_note=gaps.append)
        assert gaps == [] and size > 0
        got.append(sorted((o.commit, o.path, o.line, o.secret) for o in found))
        assert (len(list(history.segments())) > 1) == (n == 1)
    assert got[0] == got[1] and len(got[0]) == 3


def test_bad_input_repo_scans_with_every_skip_reported(tmp_path: Path) -> None:
    repo, _, _ = history_repo(tmp_path)
    outside = tmp_path / "outside.env"
    outside.write_text(f"AWS_ACCESS_KEY_ID={KEY[:-2]}QQ\n")
    (repo / "link_out.env").symlink_to(outside)
    (repo / "loop1").symlink_to(repo / "loop2")
    (repo / "loop2").symlink_to(repo / "loop1")
    with (repo / "sparse.log").open("wb") as fh:
        fh.truncate(2 * 1024**3)
    (repo / "tool.bin").write_bytes(b"\x00\x01" + f"password={PASSWORD}".encode())
    weird = os.fsdecode(b"conf\xff.env")
    (repo / weird).write_text(f"SECRET_TOKEN={PASSWORD}x\n")
    report, result = run(repo)
    assert result.status == "completed"
    notes = "\n".join(result.outcome.notes)  # type: ignore[union-attr]
    for name in ("link_out.env", "loop1", "loop2", "sparse.log", "tool.bin"):
        assert name in notes
    paths = {f.location.path for f in report.findings}
    assert "conf\\xff.env" in paths and "link_out.env" not in paths
    assert not any(f.location.path == "tool.bin" for f in report.findings)


def test_shallow_clone_is_partial_never_clean(tmp_path: Path) -> None:
    repo, _, _ = history_repo(tmp_path)
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo}", str(clone)], env=ENV, check=True)
    report, result = run(clone)
    assert result.status == "partial"
    assert any("shallow" in g for g in result.outcome.gaps)  # type: ignore[union-attr]
    assert engine.exit_code(report, Settings(stages=("secrets",))) == 2


def test_plain_directory_without_git(tmp_path: Path) -> None:
    (tmp_path / "export.log").write_text(f"2024 INFO connected postgresql://svc:{PASSWORD}@db.internal/emr\n")
    report, result = run(tmp_path)
    assert result.status == "completed"
    assert [f.rule_id for f in report.findings] == ["secrets.postgres-uri-password"]
    assert any("not a git repository" in n for n in result.outcome.notes)  # type: ignore[union-attr]
