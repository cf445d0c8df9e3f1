"""The audit's one history pass: hostile git, missing objects, bounded segments, shared by stages."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from pulsecheck import engine
from pulsecheck.model import Report, Targets
from pulsecheck.runtime import Runtime
from pulsecheck.settings import Settings
from pulsecheck.sources.history import History
from pulsecheck.sources.patch import drop_binary, parse_patch, read_segment
from pulsecheck.sources.tree import FileIndex
from pulsecheck.stages.phi.history import history_findings
from pulsecheck.stages.secrets.history import scan_history
from pulsecheck.stages.secrets.matcher import Scanner
from pulsecheck.stages.secrets.rules import builtin_rules

from .gitutil import ENV, commit_files, git, init

RNG = random.Random(7)
KEY = "AKIA" + "".join(RNG.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16))
SSNS = ["412-38-5521", "523-71-0843", "601-24-9937"]  # real-looking, not the famous samples
SETTINGS_BOTH = {"secrets": {}, "phi": {"history": True}}


def audit(repo: Path, *stages: str, exclude: tuple[str, ...] = ()) -> Report:
    options = {s: SETTINGS_BOTH[s] for s in stages}
    return engine.run(Targets(path=str(repo)), Settings(stages=stages, stage_options=options, exclude=exclude))


def history_of(repo: Path, scratch: Path, **kw: int) -> tuple[History, list[tuple[str | None, str, list]]]:  # type: ignore[type-arg]
    history = History(repo, scratch, **kw)  # type: ignore[arg-type]
    chunks = [(c.commit, c.path, c.lines) for s in history.segments()
              for c in parse_patch(drop_binary(read_segment(s.path))[0])]
    return history, chunks


def secret_repo(tmp_path: Path) -> Path:
    repo = init(tmp_path / "repo")
    commit_files(repo, {"deploy/settings.py": f'AWS_ACCESS_KEY_ID = "{KEY}"\n'}, "add")
    commit_files(repo, {"deploy/settings.py": 'AWS_ACCESS_KEY_ID = os.environ["KEY"]\n'}, "scrub")
    return repo


def test_scrubbed_ssns_in_a_file_that_still_exists_are_a_finding(tmp_path: Path) -> None:
    repo = init(tmp_path / "repo")
    rows = "".join(f"Patient {i}, ssn {s}\n" for i, s in enumerate(SSNS))
    commit_files(repo, {"notes/intake.txt": "intake notes\n" + rows}, "notes")
    commit_files(repo, {"notes/intake.txt": "intake notes\n" + "".join(f"Patient {i}, ssn REDACTED\n"
                                                                          for i in range(3))}, "scrub")
    commit_files(repo, {"notes/kept.txt": f"still here: ssn {SSNS[0]}\n"}, "kept")
    report = audit(repo, "phi")
    assert report.stages[0].status == "completed"
    ssn = [f for f in report.findings if f.rule_id == "phi.ssn-in-file"]
    scrubbed = [f for f in ssn if f.location.path == "notes/intake.txt"]  # type: ignore[union-attr]
    assert len(scrubbed) == 1 and scrubbed[0].location.commit  # type: ignore[union-attr]
    assert scrubbed[0].occurrence_count == 3 and [o.line for o in scrubbed[0].occurrences] == [2, 3, 4]
    kept = [f for f in ssn if f.location.path == "notes/kept.txt"]  # type: ignore[union-attr]
    assert len(kept) == 1 and kept[0].location.commit is None  # still in the tree: reported once, by the tree
    assert engine.exit_code(report, Settings(stages=("phi",))) == 1
    assert not any(s in str(f.to_json()) for f in report.findings for s in SSNS)


def test_gitattributes_cannot_hide_a_history_only_secret(tmp_path: Path) -> None:
    repo = secret_repo(tmp_path)
    commit_files(repo, {".gitattributes": "* -diff\n*.py binary\n"}, "hide")
    report = audit(repo, "secrets")
    found = [f for f in report.findings if f.rule_id == "secrets.aws-access-key-id"]
    assert len(found) == 1 and found[0].location.commit  # type: ignore[union-attr]


def test_binary_content_is_skipped_by_its_nul_bytes(tmp_path: Path) -> None:
    repo = init(tmp_path / "repo")
    (repo / "blob.bin").write_bytes(b"\x00\x01" + f"AWS_ACCESS_KEY_ID={KEY}\n".encode() + b"\x00")
    commit_files(repo, {"a.txt": "text\n"}, "one")
    history, chunks = history_of(repo, tmp_path / "h")
    assert {path for _, path, _ in chunks} == {"a.txt"}


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give the checkout to another uid")
def test_dubious_ownership_is_scanned_with_a_per_process_safe_directory(tmp_path: Path) -> None:
    repo = secret_repo(tmp_path)
    for dirpath, dirnames, filenames in os.walk(repo):
        for name in (*dirnames, *filenames):
            os.lchown(os.path.join(dirpath, name), 4242, 4242)
    os.lchown(repo, 4242, 4242)
    refused = subprocess.run(["git", "-C", str(repo), "log", "--oneline"], env=ENV, capture_output=True, check=False)
    assert b"dubious ownership" in refused.stderr
    report = audit(repo, "secrets")
    assert any(f.rule_id == "secrets.aws-access-key-id" and f.location.commit  # type: ignore[union-attr]
               for f in report.findings)
    assert not report.stages[0].outcome.gaps  # type: ignore[union-attr]


def test_gitfile_pointing_at_another_repository_is_a_gap_never_its_history(tmp_path: Path) -> None:
    other = secret_repo(tmp_path)  # another repository on the machine, with a key in its history
    target = tmp_path / "target"
    target.mkdir()
    (target / "app.py").write_text("print('hello')\n")
    (target / ".git").write_text(f"gitdir: {other / '.git'}\n")
    report = audit(target, "secrets")
    result = report.stages[0]
    assert result.status == "partial"
    assert any("outside the target" in g for g in result.outcome.gaps)  # type: ignore[union-attr]
    assert not any(f.location.commit for f in report.findings)  # type: ignore[union-attr]
    assert engine.exit_code(report, Settings(stages=("secrets",))) == 2


def test_linked_worktree_bare_and_core_worktree_layouts_are_scanned(tmp_path: Path) -> None:
    repo = secret_repo(tmp_path)
    git(repo, "worktree", "add", "-q", str(tmp_path / "linked"))
    bare = tmp_path / "mirror.git"
    subprocess.run(["git", "clone", "-q", "--mirror", str(repo), str(bare)], env=ENV, check=True)
    moved = tmp_path / "moved"
    shutil.copytree(repo, moved)
    git(moved, "config", "core.worktree", "/nonexistent/elsewhere")
    for target in (tmp_path / "linked", bare, moved):
        history, chunks = history_of(target, tmp_path / f"h-{target.name}")
        assert history.summary().gaps == () and any(KEY in body for _, _, lines in chunks for _, body in lines)


def test_missing_blob_skips_that_file_only_and_reports_counts_once(tmp_path: Path) -> None:
    repo = init(tmp_path / "repo")
    commit_files(repo, {"a.txt": "one\n"}, "c1")
    commit_files(repo, {"a.txt": "one\ntwo\n", "b.txt": "bee\n"}, "c2")
    commit_files(repo, {"c.txt": "sea\n"}, "c3")
    blob = git(repo, "rev-parse", "HEAD~1:a.txt")
    obj = repo / ".git" / "objects" / blob[:2] / blob[2:]
    obj.chmod(0o644)
    obj.unlink()
    history, chunks = history_of(repo, tmp_path / "h")
    bodies = {(path, body) for _, path, lines in chunks for _, body in lines}
    assert {("a.txt", "one"), ("b.txt", "bee"), ("c.txt", "sea")} <= bodies  # before, beside and after it
    assert ("a.txt", "two") not in bodies
    summary = history.summary()
    assert len(summary.gaps) == 1 and "0 of 3 commits and 1 files" in summary.gaps[0]
    report = audit(repo, "secrets")
    assert report.stages[0].status == "partial" and len(report.stages[0].outcome.gaps) == 1  # type: ignore[union-attr]


def test_exclude_is_shared_by_history(tmp_path: Path) -> None:
    repo = init(tmp_path / "repo")
    commit_files(repo, {"docs/setup.md": f"AWS_ACCESS_KEY_ID={KEY}\nssn {SSNS[1]}\n"}, "docs")
    git(repo, "rm", "-q", "-r", "docs")
    git(repo, "commit", "-q", "-m", "rm")
    assert {f.stage for f in audit(repo, "secrets", "phi").findings} == {"secrets", "phi"}
    assert audit(repo, "secrets", "phi", exclude=("docs",)).findings == ()


def test_one_git_log_pass_for_secrets_and_phi(tmp_path: Path) -> None:
    repo = init(tmp_path / "repo")
    for i in range(30):
        commit_files(repo, {f"f{i}.txt": f"ssn {SSNS[i % 3]}\n" + ("x = 1\n" * 50)}, f"c{i}")
    commit_files(repo, {"k.env": f"AWS_ACCESS_KEY_ID={KEY}\n"}, "key")
    runtime = Runtime(cpus=2)
    history = History(repo, tmp_path / "h", runtime.sources, segment_bytes=2048)
    cancel = threading.Event()
    got: dict[str, object] = {}

    def secrets() -> None:
        rt = runtime.for_stage("secrets", tmp_path, cancel)
        got["secrets"] = scan_history(history, Scanner(builtin_rules()), rt, workers=2, cancel=cancel,
                                      on_gap=print, on_note=print)[0]

    def phi() -> None:
        rt = runtime.for_stage("phi", tmp_path, cancel)
        got["phi"] = list(history_findings(history, FileIndex(repo), rt, exclude=(), workers=2, cancel=cancel,
                                           note=print, gap=print))

    threads = [threading.Thread(target=secrets), threading.Thread(target=phi)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert any(o.secret == KEY for o in got["secrets"])  # type: ignore[attr-defined]
    assert got["phi"] == []  # every SSN line is still in the tree: the tree scan reports them
    assert len(list(history.segments())) > 1
    assert history.git_processes == 3  # rev-parse (shallow?), rev-list, ONE git log


def test_a_huge_file_in_one_commit_is_cut_with_a_note_and_segments_stay_bounded(tmp_path: Path) -> None:
    repo = init(tmp_path / "repo")
    big = "".join(f"line {i} filler text for a big file\n" for i in range(20_000))  # ~700 KB
    commit_files(repo, {"big.txt": big, "small.txt": "after the big one\n"}, "big")
    commit_files(repo, {"later.txt": f"AWS_ACCESS_KEY_ID={KEY}\n"}, "later")
    history, chunks = history_of(repo, tmp_path / "h", segment_bytes=16 * 1024, file_cap=64 * 1024)
    sizes = [s.size for s in history.segments()]
    assert max(sizes) <= 64 * 1024 + 16 * 1024 + 1024  # the cap, plus at most one read slice
    assert any(path == "small.txt" for _, path, _ in chunks) and any(path == "later.txt" for _, path, _ in chunks)
    kept = [n for _, path, lines in chunks if path == "big.txt" for n, _ in lines]
    assert kept[0] == 1 and 1000 < len(kept) < 20_000 and kept == sorted(kept)
    summary = history.summary()
    assert summary.cut_files == 1 and "big.txt" in summary.notes[0] and summary.gaps == ()


def test_a_non_utf8_file_name_in_history_keeps_its_bytes(tmp_path: Path) -> None:
    """git prints such names C-quoted; we unquote them to the same surrogate-escaped name the tree uses."""
    repo = init(tmp_path / "repo")
    name = os.fsdecode(b"bad\xffsettings.py")
    commit_files(repo, {name: f'AWS_ACCESS_KEY_ID = "{KEY}"\n'}, "add")
    (repo / name).unlink()
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "gone")
    report = audit(repo, "secrets")
    paths = {f.location.path for f in report.findings}  # type: ignore[union-attr]
    assert paths == {"bad\\xffsettings.py"}, paths  # the secrets stage's display form, not U+FFFD
