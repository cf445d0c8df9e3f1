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
        d = store.diff(runs[1], runs[0])
        diffed = time.perf_counter() - t
    assert len(d.new) == n // 10
    return {"open+migrate": opened, "record first": records[0], "record median": statistics.median(records),
            "view median": statistics.median(views), "diff": diffed}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--findings", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=5)
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


if __name__ == "__main__":
    main()
