"""Reading a history: line numbers, merges, staged changes, and every way it can be incomplete."""

from __future__ import annotations

import subprocess
from pathlib import Path

from pulsecheck.sources.git_history import iter_history, iter_staged
from pulsecheck.sources.history import History
from pulsecheck.sources.patch import locate, parse_patch, read_segment, unquote_path

from .gitutil import ENV, commit_files, git, init


def chunks(repo: Path, **kw: object) -> tuple[list, list[str]]:  # type: ignore[type-arg]
    gaps: list[str] = []
    return list(iter_history(repo, on_gap=gaps.append, **kw)), gaps  # type: ignore[arg-type]


def test_added_lines_with_their_commit_and_line(tmp_path: Path) -> None:
    repo = init(tmp_path / "r")
    first = commit_files(repo, {"a.py": "one\ntwo\nthree\n"}, "first", "2024-01-01T00:00:00+00:00")
    second = commit_files(repo, {"a.py": "one\nNEW\ntwo\nthree\nLAST\n", "b b.txt": "x\n"}, "second",
                          "2024-02-01T00:00:00+00:00")
    got, gaps = chunks(repo)
    assert gaps == []
    by = {(c.commit, c.path): c for c in got}
    assert by[(second, "a.py")].lines == [(2, "NEW"), (5, "LAST")]
    assert by[(second, "b b.txt")].lines == [(1, "x")]
    assert by[(first, "a.py")].lines == [(1, "one"), (2, "two"), (3, "three")]
    assert by[(second, "a.py")].author == "Ana Test <ana@clinic.example>"
    assert by[(second, "a.py")].date.startswith("2024-02-01")
    text = "".join(read_segment(s.path) for s in History(repo, repo.parent / "h").segments())
    for chunk in parse_patch(text):  # the lazy locator agrees with the full parser
        for lineno, body in chunk.lines:
            start = text.index(f"\n+{body}\n", text.index(chunk.commit or "")) + 1
            place = locate(text, start)
            assert place is not None and (place.commit, place.path, place.line) == (chunk.commit, chunk.path, lineno)


def test_since_range_and_bad_revision(tmp_path: Path) -> None:
    repo = init(tmp_path / "r")
    base = commit_files(repo, {"a.txt": "old\n"}, "base")
    head = commit_files(repo, {"a.txt": "old\nnew\n"}, "head")
    got, gaps = chunks(repo, since=base)
    assert [(c.commit, c.lines) for c in got] == [(head, [(2, "new")])] and gaps == []
    got, gaps = chunks(repo, since="no-such-branch")
    assert got == [] and "no-such-branch" in gaps[0]


def test_merge_content_and_all_refs(tmp_path: Path) -> None:
    repo = init(tmp_path / "r")
    commit_files(repo, {"a.txt": "base\n"}, "base")
    git(repo, "checkout", "-q", "-b", "feature")
    commit_files(repo, {"f.txt": "feature\n"}, "feature")
    git(repo, "checkout", "-q", "main")
    commit_files(repo, {"m.txt": "main\n"}, "main")
    git(repo, "merge", "-q", "--no-commit", "feature")
    (repo / "evil.txt").write_text("only in the merge\n")
    git(repo, "add", "evil.txt")
    git(repo, "commit", "-q", "-m", "merge")
    git(repo, "checkout", "-q", "-b", "side", "HEAD~1")
    commit_files(repo, {"side.txt": "unmerged branch\n"}, "side")
    git(repo, "checkout", "-q", "main")
    lines = {body for c in chunks(repo)[0] for _, body in c.lines}
    assert {"only in the merge", "unmerged branch", "feature", "main"} <= lines


def test_staged_changes(tmp_path: Path) -> None:
    repo = init(tmp_path / "r")
    commit_files(repo, {"a.txt": "one\n"}, "base")
    (repo / "a.txt").write_text("one\nstaged\n")
    git(repo, "add", "a.txt")
    (repo / "a.txt").write_text("one\nstaged\nnot staged\n")
    got = list(iter_staged(repo))
    assert [(c.commit, c.path, c.lines) for c in got] == [(None, "a.txt", [(2, "staged")])]


def test_shallow_clone_is_a_gap(tmp_path: Path) -> None:
    repo = init(tmp_path / "r")
    for i in range(3):
        commit_files(repo, {"a.txt": f"v{i}\n"}, f"c{i}")
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo}", str(clone)], env=ENV, check=True)
    got, gaps = chunks(clone)
    assert {c.commit for c in got} == {git(clone, "rev-parse", "HEAD")}
    assert any("shallow" in g for g in gaps)


def test_missing_object_is_a_gap(tmp_path: Path) -> None:
    repo = init(tmp_path / "r")
    commit_files(repo, {"a.txt": "one\n"}, "c1")
    commit_files(repo, {"a.txt": "one\ntwo\n"}, "c2")
    blob = git(repo, "rev-parse", "HEAD:a.txt")
    obj = repo / ".git" / "objects" / blob[:2] / blob[2:]
    obj.chmod(0o644)
    obj.unlink()
    got, gaps = chunks(repo)
    assert len(gaps) == 1 and "1 files in other commits could not be read" in gaps[0]
    assert [(c.path, c.lines) for c in got] == [("a.txt", [(1, "one")])]


def test_hostile_repo_config_runs_nothing(tmp_path: Path) -> None:
    repo = init(tmp_path / "r")
    marker = tmp_path / "pwned"
    script = tmp_path / "evil.sh"
    script.write_text(f"#!/bin/sh\ntouch {marker}\ncat \"$1\" 2>/dev/null\n")
    script.chmod(0o755)
    (repo / ".gitattributes").write_text("*.txt diff=evil\n")
    git(repo, "config", "diff.external", str(script))
    git(repo, "config", "diff.evil.textconv", str(script))
    git(repo, "config", "diff.evil.command", str(script))
    git(repo, "config", "core.fsmonitor", str(script))
    git(repo, "config", "core.pager", str(script))
    commit_files(repo, {"a.txt": "one\n"}, "c1")
    commit_files(repo, {"a.txt": "one\ntwo\n"}, "c2")
    marker.unlink(missing_ok=True)
    got, gaps = chunks(repo)
    assert not marker.exists()
    assert any(c.lines == [(2, "two")] for c in got)
    list(iter_staged(repo))
    assert not marker.exists()


def test_quoted_paths() -> None:
    assert unquote_path('"b/tab\\there"') == "b/tab\there"
    assert unquote_path('"b/caf\\303\\251"') == "b/café"
    assert unquote_path("b/plain") == "b/plain"
