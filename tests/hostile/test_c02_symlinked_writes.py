"""Class 2: writes must not follow symlinks planted in the scanned repository.

The repository ships ``pulsecheck-report.json``, ``.pulsecheck-baseline.json`` and ``sbom.json``
as symlinks to files outside it, and ``out`` as a symlink to an outside directory: none of the
outside files changes, nothing appears in the outside directory, and each refusal says why.
Reports are also written atomically: a kill mid-write leaves the last good report.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from pulsecheck.safeio import UnsafeWriteError, write_atomic

from .kit import pulsecheck, write

VICTIM = "do not overwrite\n"


@pytest.fixture
def trap(tmp_path: Path) -> tuple[Path, Path]:
    outside = tmp_path / "outside"
    (outside / "dir").mkdir(parents=True)
    repo = write(tmp_path / "repo", {"app.py": "print('hi')\n", "requirements.txt": "django==1.2\n"})
    for name in ("pulsecheck-report.json", ".pulsecheck-baseline.json", "sbom.json"):
        (outside / name).write_text(VICTIM)
        (repo / name).symlink_to(outside / name)
    (repo / "out").symlink_to(outside / "dir")
    return repo, outside


def _untouched(outside: Path) -> None:
    for name in ("pulsecheck-report.json", ".pulsecheck-baseline.json", "sbom.json"):
        assert (outside / name).read_text() == VICTIM, f"{name} was written through"
    assert list((outside / "dir").iterdir()) == [], "a file was written through the out/ symlink"


def test_default_report_inside_the_scanned_tree_is_refused(trap: tuple[Path, Path]) -> None:
    repo, outside = trap
    run = pulsecheck("audit", ".", "--stage", "profile", "-f", "json", cwd=repo)
    assert run.returncode == 2
    assert "--output" in run.stderr and "inside the repository" in run.stderr
    _untouched(outside)


def test_explicit_outputs_through_repository_symlinks_are_refused(trap: tuple[Path, Path]) -> None:
    repo, outside = trap
    for output in ("pulsecheck-report.json", "out/", "out/report.json"):
        run = pulsecheck("audit", ".", "--stage", "profile", "-f", "json", "-o", output, cwd=repo)
        assert run.returncode == 2, output
        assert "symlink" in run.stderr, run.stderr[-500:]
    run = pulsecheck("sbom", ".", "-o", "sbom.json", cwd=repo)
    assert run.returncode == 2 and "symlink" in run.stderr
    run = pulsecheck("baseline", "create", ".", "--stage", "profile", cwd=repo)
    assert run.returncode == 2 and "symlink" in run.stderr
    _untouched(outside)


def test_report_outside_the_tree_is_written(trap: tuple[Path, Path], tmp_path: Path) -> None:
    repo, _ = trap
    out = tmp_path / "reports" / "new"
    run = pulsecheck("audit", ".", "--stage", "profile", "-f", "json", "-f", "sarif", "-o", f"{out}/",
                     cwd=repo)
    assert run.returncode in (0, 1, 2), run.stderr[-500:]
    json.loads((out / "pulsecheck-report.json").read_text())
    json.loads((out / "pulsecheck-report.sarif").read_text())


def test_write_atomic_refuses_symlinked_parents_only_inside_the_repo(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "real").mkdir(parents=True)
    (repo / "link").symlink_to(tmp_path)
    with pytest.raises(UnsafeWriteError):
        write_atomic(repo / "link" / "x.json", "{}", repo=repo)
    assert not (tmp_path / "x.json").exists()
    # a symlink outside the scanned tree is the user's own: followed
    (tmp_path / "mine").symlink_to(repo / "real")
    write_atomic(tmp_path / "mine" / "ok.json", "{}", repo=repo)
    assert (repo / "real" / "ok.json").read_text() == "{}"


_WRITER = """
import sys
from pulsecheck.safeio import write_atomic
big = '{"findings": [' + ','.join(['{"x": "' + 'y' * 1000 + '"}'] * 20000) + ']}'
print('ready', flush=True)
while True:
    write_atomic(sys.argv[1], big)
"""


def test_a_kill_mid_write_leaves_the_last_good_report(tmp_path: Path) -> None:
    target = tmp_path / "pulsecheck-report.json"
    write_atomic(target, '{"good": true}')
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(target)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    for _ in range(3):  # let it be caught in the middle of some write
        json.loads(target.read_text())
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    data = json.loads(target.read_text())  # the old report or a whole new one, never 0 bytes
    assert data == {"good": True} or len(data["findings"]) == 20000


def test_two_writers_never_leave_invalid_json(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    docs = [json.dumps({"writer": i, "pad": "z" * 200_000}) for i in range(2)]

    def loop(doc: str) -> None:
        for _ in range(20):
            write_atomic(target, doc)

    threads = [threading.Thread(target=loop, args=(d,)) for d in docs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert json.loads(target.read_text())["writer"] in (0, 1)
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"], "a temporary file was left behind"
