"""How long recording an audit takes in the history store, SQLite and PostgreSQL.

    .venv/bin/python bench/store.py [--findings 5000] [--repeat 5] [--pg URL]

Without ``--pg`` a throw-away PostgreSQL server is started (tests/store/pgserver.py; needs the
Debian ``postgresql`` package). Prints, per backend: open (create + migrate), record (one
transaction: run, findings, first-seen), the report's history view, and a record of the same
size on a store that already holds ``repeat`` audits. Not a test: a measurement.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]  # bench/secrets.py
sys.path.insert(0, str(ROOT))

from pulsecheck.model import Confidence, FileLocation, Finding, Report, Severity, Targets  # noqa: E402
from pulsecheck.store import RepoIdentity, open_store  # noqa: E402

SEV = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO)


def report(n: int, shift: int) -> Report:
    findings = tuple(
        Finding(rule_id=f"secrets.rule-{i % 40}", stage="secrets", title=f"A key of kind {i % 40}", severity=SEV[i % 5],
                confidence=Confidence.HIGH, message="A cloud access key is committed to the repository.",
                location=FileLocation(f"src/pkg{i % 97}/module_{i % 311}.py", i % 700 + 1),
                evidence="AKIA************MPLE", identity=f"h{i}") for i in range(shift, shift + n))
    now = datetime.now(UTC)
    return Report(targets=Targets(path="/srv/app"), started_at=now, finished_at=now, stages=(), findings=findings)


def bench(url: str, n: int, repeat: int) -> dict[str, float]:
    who = RepoIdentity("github.com/org/bench", "main")
    t = time.perf_counter()
    store = open_store(url)
    opened = time.perf_counter() - t
    records, views = [], []
    with store:
        for k in range(repeat):
            r = report(n, k * n // 10)  # 90% of each audit's findings were in the previous one
            t = time.perf_counter()
            summary = store.record(r, who)
            records.append(time.perf_counter() - t)
            t = time.perf_counter()
            store.view(summary, [f.fingerprint for f in r.findings])
            views.append(time.perf_counter() - t)
        runs = store.runs(who.key, who.branch, limit=2)
    t = time.perf_counter()
    open_store(url).close()
    reopened = time.perf_counter() - t
    with open_store(url) as store:
        t = time.perf_counter()
        d = store.diff(runs[1], runs[0])
        diffed = time.perf_counter() - t
    assert len(d.new) == n // 10
    return {"open+migrate": opened, "reopen": reopened, "record first": records[0], "record median": statistics.median(records),
            "view median": statistics.median(views), "diff": diffed}


def parallel(url: str, workers: int, audits: int, n: int) -> str:
    """``workers`` processes x ``audits`` records of ``n`` findings into one fresh store."""
    import subprocess

    writer = ROOT / "tests" / "store" / "writer.py"
    with tempfile.TemporaryDirectory() as tmp:
        go = Path(tmp) / "go"
        procs = [subprocess.Popen([sys.executable, str(writer), url, str(w), str(audits), str(n), str(go)],
                                  stdout=subprocess.PIPE, text=True) for w in range(workers)]
        time.sleep(2.0)
        go.touch()
        outs = [p.communicate()[0] for p in procs]
    done = [line.split() for out in outs for line in out.splitlines() if line.startswith("done")]
    opened = [line.split() for out in outs for line in out.splitlines() if line.startswith("opened")]
    span = max(float(d[4]) for d in done) - min(float(o[1]) for o in opened)
    records = sorted(float(d[3]) for d in done)
    with open_store(url) as store:
        stored = len(store.runs(limit=100_000))
    return (f"{workers}x{audits} audits of {n} findings: {len(done)} recorded, {stored} in the store, "
            f"{span:.2f} s from first open to last commit, record median {statistics.median(records) * 1000:.0f} ms, "
            f"max {records[-1] * 1000:.0f} ms")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--findings", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--parallel", default="8x5", help="WORKERSxAUDITS for the concurrency run ('' to skip)")
    ap.add_argument("--pg", help="postgresql:// URL of an empty database (default: start a server)")
    args = ap.parse_args()
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        urls = {"sqlite": f"sqlite:///{tmp / 'history.sqlite'}"}
        if args.pg:
            urls["postgresql"] = args.pg
        else:
            sys.path.insert(0, str(ROOT / "tests" / "store"))
            from pgserver import Unavailable, running_server

            try:
                server = stack.enter_context(running_server())
                urls["postgresql"] = server.url(server.create_database())
            except Unavailable as exc:
                print(f"postgresql: skipped ({exc})")
        print(f"{args.findings} findings per audit, {args.repeat} audits")
        for name, url in urls.items():
            result = bench(url, args.findings, args.repeat)
            print(f"{name:10} " + "  ".join(f"{k} {v * 1000:.0f} ms" for k, v in result.items()))
        if args.parallel:
            workers, audits = (int(x) for x in args.parallel.split("x"))
            fresh = {"sqlite": f"sqlite:///{tmp / 'parallel.sqlite'}"}
            if "postgresql" in urls and not args.pg:
                fresh["postgresql"] = server.url(server.create_database())
            for name, url in fresh.items():
                print(f"{name:10} {parallel(url, workers, audits, 300)}")


if __name__ == "__main__":
    main()
