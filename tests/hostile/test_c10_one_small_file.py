"""Class 10: one small file never sinks a stage.

A self-looping symlink, a version with 4,300 digits (lockfile and OSV range), a CSV field over
128 KB, JSON 1,100 levels deep and a directory tree 1,100 levels deep, in a tree that is not a
git repository: each is at most a note naming the file; no stage errors.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from pulsecheck.stages.deps.db import import_path
from pulsecheck.stages.deps.parsers import scan
from pulsecheck.stages.deps.ranges import in_range
from pulsecheck.stages.deps.versions import version_key
from pulsecheck.stages.phi.scanfile import scan_file

from .kit import pulsecheck, write

DEPTH = 1100
HUGE_VERSION = "1." + "9" * 4300


@pytest.fixture
def small_files(tmp_path: Path) -> Iterator[Path]:
    repo = write(tmp_path / "repo", {
        "requirements.txt": f"django=={HUGE_VERSION}\nflask==2.0.0\n",
        "package-lock.json": json.dumps({"lockfileVersion": 3, "packages": {
            "": {"dependencies": {"lodash": HUGE_VERSION}},
            "node_modules/lodash": {"version": HUGE_VERSION}}}),
        "patients.csv": 'name,ssn,notes\nJane Roe,123-45-6789,"' + "n" * (200 * 1024) + '"\n',
        "deep.json": "[" * DEPTH + "]" * DEPTH,
        "nested.json": '{"a":' * DEPTH + "1" + "}" * DEPTH,
    })
    os.symlink("loop", repo / "loop")
    deep = chain(repo)
    (deep / "requirements.txt").write_text("requests==2.0.0\n")
    yield repo
    unchain(deep, repo)


def chain(root: Path) -> Path:
    """``root/d/d/.../d``, DEPTH levels (os.makedirs recurses once per level)."""
    deep = root
    for _ in range(DEPTH):
        deep = deep / "d"
        deep.mkdir()
    return deep


def unchain(deep: Path, root: Path) -> None:
    """Remove a :func:`chain` bottom-up (shutil.rmtree recurses once per level)."""
    while deep != root:
        for child in deep.iterdir():
            child.unlink()
        deep.rmdir()
        deep = deep.parent


def test_deps_parsers_take_every_small_hostile_file(small_files: Path) -> None:
    result = scan(small_files)
    names = {(p.name, p.version) for p in result.packages}
    assert ("flask", "2.0.0") in names and ("requests", "2.0.0") in names, result.problems
    assert version_key("PyPI", HUGE_VERSION) is None and version_key("npm", HUGE_VERSION) is None
    # an unparsable event is ignored (the range stays open, so the package counts as affected)
    assert in_range("PyPI", "1.0", "ECOSYSTEM", [["introduced", "0"], ["fixed", HUGE_VERSION]])


def test_phi_file_scan_notes_instead_of_raising(small_files: Path) -> None:
    for name in ("patients.csv", "deep.json", "nested.json"):
        scan_file(small_files / name, name)  # raises nothing
    assert "too deeply" in " ".join(scan_file(small_files / "deep.json", "deep.json").notes)


def test_db_import_of_a_deep_directory(tmp_path: Path) -> None:
    source = tmp_path / "advisories"
    source.mkdir()
    deep = chain(source)
    (deep / "a.json").write_text(json.dumps({"id": "TEST-1", "modified": "2024-01-01T00:00:00Z", "affected": [
        {"package": {"ecosystem": "PyPI", "name": "x"}, "versions": ["1.0"]}]}))
    try:
        assert import_path(source, tmp_path / "osv.sqlite").advisories == 1
    finally:
        unchain(deep, source)


@pytest.mark.timeout(300)
def test_no_stage_errors_on_the_tree(small_files: Path, tmp_path: Path, empty_db: dict[str, str]) -> None:
    out = tmp_path / "report.json"
    run = pulsecheck("audit", str(small_files), "-f", "json", "-o", str(out), cwd=tmp_path, report=out,
                     env=empty_db)
    assert run.report is not None, run.stderr[-1000:]
    assert [s for s in run.report["stages"] if s["status"] == "errored"] == []
