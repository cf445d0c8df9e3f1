"""Working-tree batches in worker processes give exactly what the in-process scan gives."""

from __future__ import annotations

import random
import string
import threading
from pathlib import Path

from pulsecheck.runtime import Runtime
from pulsecheck.sources.tree import FileIndex
from pulsecheck.stages.secrets import tree
from pulsecheck.stages.secrets.matcher import Scanner
from pulsecheck.stages.secrets.rules import builtin_rules

SCANNER = Scanner(builtin_rules())


def _tree(root: Path, files: int = 60) -> int:
    """A tree of config files, every third one holding a (fake, random) AWS key; returns that count."""
    rng = random.Random(21)
    planted = 0
    for i in range(files):
        sub = root / f"svc{i % 7}"
        sub.mkdir(parents=True, exist_ok=True)
        lines = [f"setting_{n} = {n * i}" for n in range(200)]
        if i % 3 == 0:
            key = "AKIA" + "".join(rng.choice(string.ascii_uppercase + "234567") for _ in range(16))
            lines.insert(rng.randrange(200), f"AWS_ACCESS_KEY_ID={key}")
            planted += 1
        (sub / f"app{i}.env").write_text("\n".join(lines) + "\n")
    return planted


def _run(root: Path, workers: int, serial_bytes: int, vanish: str | None = None
         ) -> tuple[list[tuple[str, int, str]], list[tuple[str, str]], int, list[str]]:
    gaps: list[str] = []
    occs, unreadable, count = [], [], 0
    index = FileIndex(root, respect_gitignore=False, cache_bytes=1024)  # nothing cached: batches read
    entries = index.files()
    if vanish:
        (root / vanish).unlink()  # gone between the walk and the read
    scratch = root.parent / f"{root.name}-scratch"
    scratch.mkdir(exist_ok=True)
    runtime = Runtime(cpus=2).for_stage("secrets", scratch, threading.Event())
    for o, u, c, _size in tree.scan_entries(SCANNER, index, entries, runtime=runtime, workers=workers,
                                            cancel=threading.Event(), on_gap=gaps.append, serial_bytes=serial_bytes):
        occs += [(x.path, x.line, x.secret) for x in o]
        unreadable += u
        count += c
    return occs, unreadable, count, gaps


def test_workers_agree_with_serial_in_walk_order(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    planted = _tree(tmp_path)
    monkeypatch.setattr(tree, "BATCH_FILES", 4)  # many small batches, so order could really differ
    serial = _run(tmp_path, workers=1, serial_bytes=0)
    parallel = _run(tmp_path, workers=2, serial_bytes=0)
    assert serial[3] == [] and parallel[3] == []
    assert len(serial[0]) == planted and serial[2] == 60
    assert parallel == serial  # same occurrences, same order, same counts


def test_small_tree_stays_in_process_and_unreadable_files_are_reported(tmp_path: Path) -> None:
    for workers, serial_bytes in ((2, 10**9), (2, 0)):
        root = tmp_path / f"w{serial_bytes}"
        _tree(root, files=7)
        occs, unreadable, count, gaps = _run(root, workers, serial_bytes, vanish="svc6/app6.env")
        assert gaps == [] and count == 6 and len(occs) == 2
        assert [p for p, _ in unreadable] == ["svc6/app6.env"] and "unreadable" in unreadable[0][1]
