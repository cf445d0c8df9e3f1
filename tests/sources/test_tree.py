"""The file index on hostile trees: loops, escapes, FIFOs, sparse files, deep trees, encodings."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from pulsecheck.sources.tree import FileIndex

from .gitutil import commit_files, init


def _kinds(index: FileIndex) -> dict[str, str]:
    return {e.path: e.kind for e in index.entries}


def test_bad_inputs_are_typed_and_skipped_once(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "src").mkdir(parents=True)
    (root / "src" / "ok.py").write_text("x = 1\n")
    outside = tmp_path / "outside.txt"
    outside.write_text("AWS outside the repo\n")
    (root / "escape.txt").symlink_to(outside)
    (root / "inside.txt").symlink_to(root / "src" / "ok.py")  # not followed even inside the root
    (root / "loop_a").symlink_to(root / "loop_b")
    (root / "loop_b").symlink_to(root / "loop_a")
    (root / "src" / "self").symlink_to(root / "src")
    with (root / "huge.log").open("wb") as fh:
        fh.truncate(3 * 1024**3)  # sparse 3 GB: never read
    (root / "blob.bin").write_bytes(b"\x7fELF\x00\x00password=hunter22\x00")
    os.mkfifo(root / "requirements.txt")
    name = os.fsdecode(b"caf\xe9.env")
    (root / name).write_text("TOKEN=1\n")
    (root / ".git").mkdir()  # not a work tree git accepts: walked, and .git never entered
    (root / ".git" / "config").write_text("[core]\n")
    index = FileIndex(root)
    kinds = _kinds(index)
    assert [e.path for e in index.files()] == ["caf\udce9.env", "src/ok.py"]
    assert kinds["escape.txt"] == kinds["inside.txt"] == kinds["loop_a"] == kinds["src/self"] == "symlink"
    assert kinds["huge.log"] == "oversize" and kinds["blob.bin"] == "binary"
    assert kinds["requirements.txt"] == "special"
    reasons = {s.path: s.reason for s in index.skipped}
    assert reasons["escape.txt"] == "symlink (not followed)" and reasons["blob.bin"] == "binary"
    assert "FIFO" in reasons["requirements.txt"]
    assert index.opens["huge.log"] == 0 and not any(".git" in p for p in kinds)
    entry = index.get("caf\udce9.env")
    assert entry is not None and index.text(entry) == "TOKEN=1\n"
    summary = index.skip_summary(first=2)
    assert summary is not None and summary.startswith(f"{len(index.skipped)} files not scanned")


def test_fifo_swapped_in_after_the_walk_does_not_block(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_text("line\n" * 100_000)  # over the whole-read size: read later
    index = FileIndex(tmp_path, cache_bytes=1024)  # no room to cache it at the walk: read later
    entry = index.get("big.txt")
    assert entry is not None and entry.kind == "text"
    (tmp_path / "big.txt").unlink()
    os.mkfifo(tmp_path / "big.txt")
    done: list[str | None] = []
    t = threading.Thread(target=lambda: done.append(index.text(entry)), daemon=True)
    t.start()
    t.join(10)
    assert done == [None]


def test_dev_zero_symlink_is_never_read(tmp_path: Path) -> None:
    (tmp_path / "package-lock.json").symlink_to("/dev/zero")
    index = FileIndex(tmp_path)
    assert _kinds(index) == {"package-lock.json": "symlink"} and index.opens["package-lock.json"] == 0


def test_deep_tree_does_not_recurse(tmp_path: Path) -> None:
    fd = os.open(tmp_path, os.O_RDONLY)
    for _ in range(1100):  # os.makedirs itself recurses
        os.mkdir("d", dir_fd=fd)
        fd, parent = os.open("d", os.O_RDONLY, dir_fd=fd), fd
        os.close(parent)
    with open(os.open("leaf.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd), "w") as fh:
        fh.write("x\n")
    os.close(fd)
    try:
        paths = [e.path for e in FileIndex(tmp_path).files()]
        assert len(paths) == 1 and paths[0].endswith("/d/leaf.txt") and paths[0].count("/") == 1100
    finally:  # shutil.rmtree (pytest's cleanup) recurses too: remove it bottom-up here
        deep = os.path.join(tmp_path, *["d"] * 1100)
        os.unlink(os.path.join(deep, "leaf.txt"))
        while deep != str(tmp_path):
            os.rmdir(deep)
            deep = os.path.dirname(deep)


def test_utf16_env_is_text(tmp_path: Path) -> None:
    (tmp_path / ".env").write_bytes("\ufeffAPI_KEY=abc\r\n".encode("utf-16-le"))
    (tmp_path / "nobom.ps1").write_bytes("Write-Host 'hello world from PowerShell'\n".encode("utf-16-le"))
    index = FileIndex(tmp_path)
    texts = {e.path: index.text(e) for e in index.files()}
    assert texts == {".env": "API_KEY=abc\r\n", "nobom.ps1": "Write-Host 'hello world from PowerShell'\n"}


def test_gitignore_exclude_vendored_and_tags(tmp_path: Path) -> None:
    repo = init(tmp_path / "r")
    commit_files(repo, {".gitignore": "secret.env\n", "app.py": "x = 1\n", "docs/now.txt": "d\n",
                        "node_modules/lib/index.js": "v\n", "tests/test_app.py": "t\n"}, "init")
    (repo / "secret.env").write_text("A=1\n")
    (repo / "new.py").write_text("untracked but not ignored\n")
    index = FileIndex(repo, exclude=("docs",))
    assert [e.path for e in index.files()] == [".gitignore", "app.py", "new.py", "tests/test_app.py"]
    assert [e.path for e in index.files(include_vendored=True, langs=("JavaScript",))] == ["node_modules/lib/index.js"]
    app, test = index.get("app.py"), index.get("tests/test_app.py")
    assert app is not None and app.lang == "Python" and app.role == "code" and not app.test
    assert test is not None and test.test
    assert index.walks == 1


def test_text_is_read_once_and_shared(tmp_path: Path) -> None:
    (tmp_path / "small.py").write_text("x = 1\n")
    (tmp_path / "large.csv").write_text("a,b\n" * 200_000)
    index = FileIndex(tmp_path)
    for _ in range(3):
        for entry in index.files():
            assert index.text(entry)
    assert index.walks == 1 and set(index.opens.values()) == {1}


def test_gitignore_respected_only_when_asked(tmp_path: Path) -> None:
    repo = init(tmp_path / "r")
    commit_files(repo, {".gitignore": "secret.env\nbuild/\n", "app.py": "x = 1\n"}, "init")
    (repo / "secret.env").write_text("A=1\n")
    (repo / "build").mkdir()
    (repo / "build" / "out.txt").write_text("b\n")
    (repo / "new.py").write_text("untracked but not ignored\n")
    assert [e.path for e in FileIndex(repo).files()] == [".gitignore", "app.py", "new.py"]
    every = FileIndex(repo, respect_gitignore=False).files(include_vendored=True)
    assert [e.path for e in every] == [".gitignore", "app.py", "build/out.txt", "new.py", "secret.env"]


def test_exclude_globs_and_size_limit(tmp_path: Path) -> None:
    (tmp_path / "gen").mkdir()
    (tmp_path / "gen" / "lib.js").write_text("v\n")
    (tmp_path / "big.txt").write_text("a" * 2000)
    (tmp_path / "small.txt").write_text("b\n")
    index = FileIndex(tmp_path, exclude=("gen/*",))
    assert [e.path for e in index.files(max_bytes=1000)] == ["small.txt"]
    assert [e.path for e in index.files()] == ["big.txt", "small.txt"]


def test_a_checkout_owned_by_another_user_is_listed_by_git_all_the_same(tmp_path: Path) -> None:
    """CI checks out as one uid and scans as another: .gitignore must still apply, no fallback walk."""
    if os.geteuid() != 0:
        pytest.skip("needs root to give the checkout to another uid")
    repo = init(tmp_path / "repo")
    commit_files(repo, {".gitignore": "build/\n", "app.py": "x = 1\n"}, "one")
    (repo / "build").mkdir()
    (repo / "build" / "out.js").write_text("generated\n")
    for dirpath, dirnames, filenames in os.walk(repo):
        for name in (*dirnames, *filenames):
            os.lchown(os.path.join(dirpath, name), 4242, 4242)
    os.lchown(repo, 4242, 4242)
    assert sorted(e.path for e in FileIndex(repo).files()) == [".gitignore", "app.py"]


def test_a_git_file_pointing_at_another_repository_is_not_followed_for_the_listing(tmp_path: Path) -> None:
    other = init(tmp_path / "other")
    commit_files(other, {"other-secret.txt": "theirs\n"}, "theirs")
    target = tmp_path / "target"
    target.mkdir()
    (target / ".git").write_text(f"gitdir: {other / '.git'}\n")
    (target / "mine.py").write_text("y = 2\n")
    paths = sorted(e.path for e in FileIndex(target).files())
    assert "other-secret.txt" not in paths and "mine.py" in paths


def test_a_versioned_copy_of_a_library_is_vendored_but_release_notes_are_not() -> None:
    from pulsecheck.sources.filetypes import is_vendored

    assert is_vendored("lib/extjs-4.2.1/ext-all-debug.js") and is_vendored("assets/jquery-ui-1.12.1/ui.js")
    assert is_vendored("public/bootstrap-3.3.7/js/bootstrap.js")
    assert not is_vendored("docs/release-2.0/notes.md") and not is_vendored("sql/update-1.2/patients.sql")
    assert not is_vendored("app/models.py")
