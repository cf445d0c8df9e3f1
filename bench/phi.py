"""PHI detection and data-map benchmark.

    .venv/bin/python bench/phi.py accuracy            # recall/precision per identifier kind
    .venv/bin/python bench/phi.py throughput --mb 500 # MB/s (one process, then the pool) and peak RSS
    .venv/bin/python bench/phi.py datamap             # data-map field precision/recall on fixture apps
    .venv/bin/python bench/phi.py dense --mb 30       # CSV export with SSN, phone, e-mail on every row:
                                                      # column-wise validation vs the line scan (CPU MB/s)

The corpus is generated here (seeded): every planted identifier sits on its own line in CSV,
JSON, FHIR-like JSON, HL7, log and source files, beside decoys (order numbers, ISBNs, SKUs,
9-digit numbers failing SSN rules, test cards in payment docs, versions, timestamps, UUIDs).
"""

from __future__ import annotations

import argparse
import bisect
import json
import random
import resource
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

from pulsecheck.runtime import Runtime
from pulsecheck.runtime.cpu import usable_cpus
from pulsecheck.sources.tree import FileIndex
from pulsecheck.stages.phi import columns, detect
from pulsecheck.stages.phi import validators as v
from pulsecheck.stages.phi.pool import scan_entries
from pulsecheck.stages.phi.scanfile import FileResult, scan_file, scan_text_into
from pulsecheck.stages.profile import build_profile

R = random.Random(7)
NAMES = ["John Smith", "Mary Jones", "Ana Silva", "David Chen", "Linda Brown", "Carlos Diaz"]


def _digits(n: int) -> str:
    return "".join(R.choice("0123456789") for _ in range(n))


def _luhn_complete(prefix: str, length: int) -> str:
    body = prefix + _digits(length - len(prefix) - 1)
    return next(body + d for d in "0123456789" if v.luhn(body + d))


def gen(kind: str) -> str:
    while True:
        if kind == "ssn":
            s = f"{R.randint(1, 899):03d}-{R.randint(1, 99):02d}-{R.randint(1, 9999):04d}"
            if v.ssn(s.replace("-", "")):
                return f"ssn: {s}"
        elif kind == "npi":
            d = R.choice("12") + _digits(8)
            full = next(d + c for c in "0123456789" if v.npi(d + c))
            return f"NPI {full}"
        elif kind == "dea":
            d = [R.randint(0, 9) for _ in range(6)]
            chk = (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10
            return f"DEA# {R.choice('ABFM')}{R.choice('ABCDEFGHJKLMNPRSTUVWXYZ')}{''.join(map(str, d))}{chk}"
        elif kind == "medicare_mbi":
            letters = "ACDEFGHJKMNPQRTUVWXY"
            return ("MBI " + str(R.randint(1, 9)) + R.choice(letters) + R.choice(letters + "0123456789") + _digits(1)
                    + R.choice(letters) + R.choice(letters) + _digits(1) + R.choice(letters) + R.choice(letters) + _digits(2))
        elif kind == "nhs_number":
            d = _digits(9)
            if v.nhs(d + "0") or any(v.nhs(d + c) for c in "0123456789"):
                full = next(d + c for c in "0123456789" if v.nhs(d + c))
                return f"NHS number: {full[:3]} {full[3:6]} {full[6:]}"
        elif kind == "ca_health_card":
            return f"OHIP {_luhn_complete(str(R.randint(1, 9)), 10)}"
        elif kind == "payment_card":
            c = _luhn_complete(R.choice(["4", "51", "37", "6011"]), 15 if False else 16)
            if v.payment_card(c):
                return f"paid with {c[:4]} {c[4:8]} {c[8:12]} {c[12:]}"
        elif kind == "iban":
            bban = "WEST" + _digits(14)
            chk = 98 - int("".join(str(int(ch, 36)) for ch in bban + "GB00")) % 97
            return f"IBAN GB{chk:02d}{bban}"
        elif kind == "phone":
            p = f"{R.randint(2, 9)}{R.randint(0, 8)}{R.randint(2, 9)}{R.randint(2, 9)}{_digits(2)}{_digits(4)}"
            if v.nanp_phone(p):
                return f"phone: ({p[:3]}) {p[3:6]}-{p[6:]}"
        elif kind == "email":
            return f"contact {R.choice(['ann', 'bob', 'li'])}.{_digits(3)}@gmail.com"
        elif kind == "dob_with_name":
            return f"patient {R.choice(NAMES)} DOB: 19{_digits(2)}-0{R.randint(1, 9)}-1{R.randint(0, 9)}"
        elif kind == "mrn":
            return f"MRN: {_digits(8)}"
        elif kind == "icd10_with_name":
            return f"{R.choice(NAMES)} diagnosis: {R.choice('EIJKM')}{_digits(2)}.{_digits(1)}"
        if kind not in KINDS:
            raise ValueError(kind)


KINDS = ["ssn", "npi", "dea", "medicare_mbi", "nhs_number", "ca_health_card", "payment_card", "iban", "phone",
         "email", "dob_with_name", "mrn", "icd10_with_name"]


def decoy() -> str:
    return R.choice([
        lambda: f"order ORD-{_digits(4)}-{_digits(6)}", lambda: f"ISBN 978-{_digits(1)}-{_digits(2)}-{_digits(6)}-{_digits(1)}",
        lambda: f"SKU {R.choice('ABCDEFG')}{R.choice('ABCDEFG')}{_digits(7)}", lambda: f"id {R.choice('9')}{_digits(8)}",
        lambda: f"ref {_digits(9)}", lambda: "use test card 4242 4242 4242 4242 in the Stripe sandbox",
        lambda: f"version {R.randint(0, 9)}.{R.randint(0, 20)}.{R.randint(0, 99)}",
        lambda: f"at 2024-0{R.randint(1, 9)}-1{R.randint(0, 9)}T10:{_digits(2)}:{_digits(2)}Z",
        lambda: f"uuid {uuid.UUID(int=R.getrandbits(128))}", lambda: f"code 9{_digits(2)}-{_digits(2)}-{_digits(4)}",
        lambda: f"invoice {_digits(10)}", lambda: f"build {_digits(14)}",
        lambda: f"DATABASE_URL=postgresql://app:S3cr{_digits(3)}@db.internal:5432/app",
        lambda: f"remote deploy@git.corp{_digits(2)}.io:team/app.git", lambda: f"release +{_digits(1)}.{_digits(2)}.{_digits(3)}",
    ])()


WRAP = {
    ".log": lambda s: f"2024-05-02 09:14:37,882 INFO app {s}",
    ".csv": lambda s: f"{_digits(5)},\"{s}\",ok",
    ".json": lambda s: json.dumps({"note": s}) + ",",
    ".hl7": lambda s: f"NTE|1||{s}",
    ".py": lambda s: f"    x = {json.dumps(s)}",
}


def accuracy(n_per_kind: int = 400, whole: bool = False) -> dict[str, dict[str, float]]:
    """Per-kind recall/precision; ``whole`` scans the corpus as one file (chunk path, prefilter,
    context across lines) instead of line by line."""
    truth: dict[tuple[int, str], str] = {}
    lines: list[str] = []
    exts = list(WRAP)
    for kind in KINDS:
        for _ in range(n_per_kind):
            ext = R.choice(exts)
            truth[(len(lines) + 1, ext)] = kind
            lines.append(WRAP[ext](gen(kind)))
            for _ in range(3):
                lines.append(WRAP[ext](decoy()))
    R.shuffle(order := list(range(len(lines))))
    result = FileResult()
    per_line: dict[int, set[str]] = {}
    if whole:
        text = "\n".join(lines) + "\n"
        starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
        for hit in detect.scan(text):
            per_line.setdefault(bisect.bisect_right(starts, hit.offset), set()).add(hit.kind)
    for idx, line in enumerate(lines if not whole else [], start=1):
        res = FileResult()
        scan_text_into(res, line, idx)
        for kind in res.kinds:
            per_line.setdefault(idx, set()).add(kind)
    del result, order
    stats: dict[str, Counter[str]] = {k: Counter() for k in KINDS}
    planted = {ln: kind for (ln, _), kind in truth.items()}
    for ln, kind in planted.items():
        stats[kind]["tp" if kind in per_line.get(ln, set()) else "fn"] += 1
    for ln, found in per_line.items():
        for kind in found:
            if planted.get(ln) != kind:
                stats[kind]["fp"] += 1
    out = {}
    for kind, c in stats.items():
        out[kind] = {"recall": c["tp"] / max(1, c["tp"] + c["fn"]), "precision": c["tp"] / max(1, c["tp"] + c["fp"]),
                     "planted": c["tp"] + c["fn"], "fp": c["fp"]}
    return out


def throughput(mb: int) -> dict[str, float | int]:
    with tempfile.TemporaryDirectory() as tmp:
        root, target, files = Path(tmp), mb * 1024 * 1024, 0
        size = 0
        while size < target:
            ext = list(WRAP)[files % len(WRAP)]
            path = root / f"f{files}{ext}"
            with path.open("w") as fh:
                block = "\n".join(WRAP[ext](decoy() if R.random() > 0.01 else gen(R.choice(KINDS))) for _ in range(20000))
                for _ in range(max(1, min(50, (target - size) // max(1, len(block)) + 1))):
                    fh.write(block + "\n")
            size += path.stat().st_size
            files += 1
        paths = sorted(root.iterdir())
        start, cpu = time.perf_counter(), time.process_time()
        for p in paths:
            scan_file(p, p.name)
        secs, cpu_secs = time.perf_counter() - start, time.process_time() - cpu
        start = time.perf_counter()
        index = FileIndex(root)
        runtime = Runtime().for_stage("phi", Path(tempfile.gettempdir()), threading.Event())
        outcomes = list(scan_entries(index, index.files(), runtime=runtime))
        pool_secs = time.perf_counter() - start
        assert all(o.result is not None for o in outcomes)
    mib = size / 1024 / 1024
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"mb": round(mib, 1), "files": files, "one_process_mb_per_s": round(mib / secs, 2),
            "one_process_cpu_mb_per_s": round(mib / cpu_secs, 2), "pool_workers": usable_cpus(),
            "pool_mb_per_s": round(mib / pool_secs, 2), "peak_rss_mb": round(rss, 1),
            "peak_worker_rss_mb": round(child_rss, 1)}


def dense(mb: int, line_scan: bool = True) -> dict[str, object]:
    """One-process CPU throughput on a dense export, with the column path and (``line_scan``)
    without it; the two must give the same tallies."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "patients.csv"
        with path.open("w") as fh:
            fh.write("id,first_name,last_name,ssn,phone,email,visit_date\n")
            i = 0
            while fh.tell() < mb * 1024 * 1024:
                i += 1
                fh.write(f"{i},{R.choice(NAMES).replace(' ', ',')},{gen('ssn')[5:]},{gen('phone')[7:]},{gen('email')[8:]},"
                         f"2024-0{R.randint(1, 9)}-1{R.randint(0, 9)}\n")
        size = path.stat().st_size / 1024 / 1024
        out: dict[str, object] = {"mb": round(size, 1), "rows": i}
        runs = [("column_path", columns.plan)] + ([("line_scan", lambda header: None)] if line_scan else [])
        tallies = []
        for label, plan in runs:
            real, columns.plan = columns.plan, plan
            try:
                cpu = time.process_time()
                result = scan_file(path, path.name)
                out[f"{label}_cpu_mb_per_s"] = round(size / (time.process_time() - cpu), 2)
            finally:
                columns.plan = real
            tallies.append({k: (t.count, t.synthetic, t.lines) for k, t in result.kinds.items()})
        out["counts"] = {k: c for k, (c, _, _) in tallies[0].items()}
        if line_scan:
            out["same_tallies"] = tallies[0] == tallies[1]
    return out


def datamap() -> dict[str, float]:
    fix = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "profile"
    expected = json.loads((fix / "expected_datamaps.json").read_text())
    tp = fp = fn = 0
    for app, tables in expected.items():
        facts = build_profile(fix / app)
        got = {(t["name"], f["name"], f["kind"]) for t in facts["data_map"]["tables"] for f in t["fields"]}
        want = {(t, f, k) for t, fields in tables.items() for f, k in fields.items()}
        tp, fp, fn = tp + len(got & want), fp + len(got - want), fn + len(want - got)
    return {"apps": len(expected), "fields": tp + fn, "precision": tp / max(1, tp + fp), "recall": tp / max(1, tp + fn)}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["accuracy", "throughput", "datamap", "dense", "all"])
    ap.add_argument("--mb", type=int, default=500)
    args = ap.parse_args()
    if args.what in ("accuracy", "all"):
        print(f"{'kind':18} {'recall':>7} {'precision':>9} {'planted':>8} {'fp':>4}")
        for kind, s in accuracy().items():
            print(f"{kind:18} {s['recall']:7.3f} {s['precision']:9.3f} {s['planted']:8d} {s['fp']:4d}")
        R.seed(7)
        whole = accuracy(whole=True).values()
        print(f"whole-file scan: min recall {min(s['recall'] for s in whole):.3f}, "
              f"min precision {min(s['precision'] for s in whole):.3f}")
    if args.what in ("datamap", "all"):
        print("datamap", datamap())
    if args.what == "dense":
        print("dense", dense(args.mb))
    if args.what in ("throughput", "all"):
        print("throughput", throughput(args.mb))
    return 0


if __name__ == "__main__":
    sys.exit(main())
