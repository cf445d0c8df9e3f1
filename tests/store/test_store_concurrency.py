"""Parallel writers lose nothing; a writer killed mid-transaction leaves the store consistent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from pulsecheck.store import open_store
from pulsecheck.store.models import FindingRow, FirstSeenRow, RunRow
from pulsecheck.store.repository import utc

WRITER = Path(__file__).with_name("writer.py")
WORKERS, AUDITS, FINDINGS = 8, 5, 300


def _start(url: str, worker: int, audits: int, n: int, go: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, str(WRITER), url, str(worker), str(audits), str(n), str(go)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _consistent(url: str) -> dict[str, int]:
    """Every run holds exactly its findings; first-seen covers every stored fingerprint."""
    with open_store(url) as store, store.engine.connect() as conn:
        totals = dict(conn.execute(select(RunRow.id, RunRow.total)).all())
        counted = dict(conn.execute(select(FindingRow.run_pk, func.count()).group_by(FindingRow.run_pk)).all())
        assert {pk: counted.get(pk, 0) for pk in totals} == totals
        assert set(counted) <= set(totals), "findings without their run"
        stored = set(conn.execute(select(FindingRow.fingerprint).distinct()).scalars())
        seen = set(conn.execute(select(FirstSeenRow.fingerprint)).scalars())
        assert stored == seen
        if conn.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        return {"runs": len(totals), "findings": sum(totals.values()), "fingerprints": len(seen)}


def test_parallel_writers_lose_nothing(store_url: str, tmp_path: Path) -> None:
    go = tmp_path / "go"
    procs = [_start(store_url, w, AUDITS, FINDINGS, go) for w in range(WORKERS)]
    time.sleep(1.0)  # let every writer import and wait at the barrier; the store does not exist yet
    started = time.perf_counter()
    go.touch()
    outs = [p.communicate(timeout=300) for p in procs]
    wall = time.perf_counter() - started
    for p, (out, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err[-2000:]
    done = [line.split() for out, _ in outs for line in out.splitlines() if line.startswith("done")]
    assert len(done) == WORKERS * AUDITS
    counts = _consistent(store_url)
    assert counts["runs"] == WORKERS * AUDITS and counts["findings"] == WORKERS * AUDITS * FINDINGS
    expected = {f"id-{w * 50 + k * 10 + i}" for w in range(WORKERS) for k in range(AUDITS) for i in range(FINDINGS)}
    assert counts["fingerprints"] == len(expected)
    with open_store(store_url) as store:
        runs = store.runs("github.com/org/app", "main", limit=1000)
        assert {r.run_id for r in runs} == {d[2] for d in done}
        # first seen is the earliest audit that had the fingerprint, whoever committed first
        first = {f.fingerprint: r for r in sorted(runs, key=lambda r: r.finished_at, reverse=True)
                 for f in store.findings(r.run_id)}
        with store.engine.connect() as conn:
            recorded = {fp: utc(at) for fp, at in conn.execute(
                select(FirstSeenRow.fingerprint, FirstSeenRow.first_seen_at))}
        assert recorded == {fp: r.finished_at for fp, r in first.items()}
        view = store.view(runs[0])
        assert view["first_seen"] == {f.fingerprint: first[f.fingerprint].finished_at.isoformat()
                                      for f in store.findings(runs[0].run_id)}
    slowest = max(float(d[3]) for d in done)
    opened = [line.split() for out, _ in outs for line in out.splitlines() if line.startswith("opened")]
    span = max(float(d[4]) for d in done) - min(float(o[1]) for o in opened)
    print(f"\n{store_url.split(':')[0]}: {WORKERS} processes x {AUDITS} audits x {FINDINGS} findings: "
          f"{span:.2f} s from the first open (schema created by one of them) to the last commit, "
          f"slowest open {max(float(o[2]) for o in opened):.2f} s, slowest record {slowest:.3f} s, "
          f"{wall:.2f} s with process start-up")


def test_a_writer_killed_mid_transaction_leaves_the_store_consistent(store_url: str, tmp_path: Path) -> None:
    go = tmp_path / "go"
    go.touch()
    open_store(store_url).close()
    killed_mid_write = 0
    for attempt in range(6):
        proc = _start(store_url, attempt, 50, 5000, go)
        assert proc.stdout is not None
        lines: list[str] = []
        while True:
            line = proc.stdout.readline()
            assert line, proc.stderr.read() if proc.stderr else "writer ended"
            lines.append(line)
            if line.startswith("start 1"):
                break
        time.sleep(0.05 + 0.04 * attempt)  # into the second record's transaction
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        rest = proc.stdout.read()
        lines += rest.splitlines()
        done = sum(1 for line in lines if line.startswith("done"))
        counts = _consistent(store_url)
        if done == 1:
            killed_mid_write += 1
        assert counts["findings"] == counts["runs"] * 5000
        if killed_mid_write >= 2:
            break
    assert killed_mid_write, "no kill landed inside a write transaction"
    with open_store(store_url) as store:  # and the store still takes writes (no stale lock)
        assert store.runs(limit=1000)
    proc = _start(store_url, 99, 1, 10, go)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0 and "done 0" in out, err[-1000:]
