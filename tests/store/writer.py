"""A separate process that records audits in a store (the concurrency and crash tests start it).

    python writer.py URL WORKER AUDITS FINDINGS GO_FILE

Waits for GO_FILE (so all writers start together), then records AUDITS reports of FINDINGS
findings each, printing ``start k`` before and ``done k <run_id>`` after each record.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import UTC, datetime

from pulsecheck.model import Confidence, FileLocation, Finding, Report, Severity, Targets
from pulsecheck.store import RepoIdentity, open_store

SEVERITIES = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO)


def report(first: int, n: int) -> Report:
    findings = tuple(
        Finding(rule_id="secrets.generic", stage="secrets", title=f"finding {i}", severity=SEVERITIES[i % 5],
                confidence=Confidence.HIGH, message="a key", location=FileLocation(f"src/m{i % 50}.py", 1),
                identity=f"id-{i}") for i in range(first, first + n))
    now = datetime.now(UTC)
    return Report(targets=Targets(path="/srv/app"), started_at=now, finished_at=now, stages=(), findings=findings)


def main() -> None:
    url, worker, audits, n, go = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    while not os.path.exists(go):
        time.sleep(0.005)
    who = RepoIdentity("github.com/org/app", "main")
    t0 = time.time()
    with open_store(url) as store:
        print(f"opened {t0:.4f} {time.time() - t0:.4f}", flush=True)
        for k in range(audits):
            r = report(worker * 50 + k * 10, n)
            print(f"start {k}", flush=True)
            t = time.perf_counter()
            store.record(r, who)
            print(f"done {k} {r.run_id} {time.perf_counter() - t:.4f} {time.time():.4f}", flush=True)


if __name__ == "__main__":
    main()
