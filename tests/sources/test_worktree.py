"""Walking hostile trees: loops, escapes, huge sparse files, binaries, undecodable names."""

from __future__ import annotations

import os
from pathlib import Path

from pulsecheck.sources.worktree import iter_files, read_text

from .gitutil import commit_files, init


def walk(root: Path, **kw: object) -> tuple[list[str], dict[str, str]]:
    skipped: dict[str, str] = {}
    paths = [sf.path for sf in iter_files(root, on_skip=lambda p, r: skipped.__setitem__(p, r), **kw)]  # type: ignore[arg-type]
    return paths, skipped


def test_bad_inputs_are_skipped_and_reported(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "src").mkdir(parents=True)
    (root / "src" / "ok.py").write_text("x = 1\n")
    outside = tmp_path / "outside.txt"
    outside.write_text("AWS outside the repo\n")
    (root / "escape.txt").symlink_to(outside)
    (root / "loop_a").symlink_to(root / "loop_b")
    (root / "loop_b").symlink_to(root / "loop_a")
    (root / "src" / "self").symlink_to(root / "src")
    with (root / "huge.log").open("wb") as fh:
        fh.truncate(2 * 1024**3)  # 2 GB sparse: must never be read
    (root / "blob.bin").write_bytes(b"\x7fELF\x00\x00password=hunter22\x00")
    name = os.fsdecode(b"caf\xe9.env")
    (root / name).write_text("TOKEN=1\n")
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text("[core]\n")
    paths, skipped = walk(root, respect_gitignore=False)
    assert paths == ["caf\udce9.env", "src/ok.py"]
    assert skipped["escape.txt"].startswith("symlink")
    assert skipped["loop_a"].startswith("symlink") and skipped["loop_b"].startswith("symlink")
    assert skipped["src/self"].startswith("symlink")
    assert skipped["huge.log"].startswith("larger than")
    assert skipped["blob.bin"] == "binary"
    assert read_text(next(iter_files(root, respect_gitignore=False))) == "TOKEN=1\n"


def test_gitignore_respected_only_when_asked(tmp_path: Path) -> None:
    repo = init(tmp_path / "r")
    commit_files(repo, {".gitignore": "secret.env\nbuild/\n", "app.py": "x = 1\n"}, "init")
    (repo / "secret.env").write_text("A=1\n")
    (repo / "build").mkdir()
    (repo / "build" / "out.js").write_text("b\n")
    (repo / "new.py").write_text("untracked but not ignored\n")
    assert walk(repo)[0] == [".gitignore", "app.py", "new.py"]
    assert walk(repo, respect_gitignore=False)[0] == [".gitignore", "app.py", "build/out.js", "new.py", "secret.env"]


def test_exclude_and_size_limit(tmp_path: Path) -> None:
    (tmp_path / "vendor").mkdir()
    (tmp_path / "vendor" / "lib.js").write_text("v\n")
    (tmp_path / "big.txt").write_text("a" * 2000)
    (tmp_path / "small.txt").write_text("b\n")
    paths, skipped = walk(tmp_path, exclude=["vendor/*"], max_bytes=1000, respect_gitignore=False)
    assert paths == ["small.txt"] and "big.txt" in skipped
