"""Data-map quality of the profile stage: field classification precision/recall.

Two sets, reported apart because they answer different questions:

- ``fixtures``: the fixture apps in 8 schema languages (tests/fixtures/profile), written
  alongside the vocabulary, so they mostly check the parsers;
- ``real``: third-party apps whose expected maps were written by reading their models
  (tests/fixtures/profile/real/expected_real.json); small BSD excerpts are in the repo, the
  others are downloaded as sdists with pip (PyPI) into ``--cache``.

A field counts as a true positive when its table, name and kind all match. For real apps only
the listed tables are scored (each in full).

    .venv/bin/python bench/profile.py fixtures
    .venv/bin/python bench/profile.py real [--cache /tmp/pulsecheck-bench-profile]
    .venv/bin/python bench/profile.py heldout   # apps whose maps were written before tuning on them
    .venv/bin/python bench/profile.py hostile   # seconds per 1 MB pathological input of each parser
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

from pulsecheck.stages.profile import build_profile

sys.path.insert(0, str(Path(__file__).resolve().parent))
from profile_hostile import hostile  # noqa: E402  (bench helper beside this script)

FIX = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "profile"
Triple = tuple[str, str, str]


def _got(root: Path) -> tuple[dict[str, dict[str, str]], str]:
    facts = build_profile(root)
    tables = {t["name"]: {f["name"]: f["kind"] for f in t["fields"]} for t in facts["data_map"]["tables"]}
    return tables, str(facts["app_kind"]["kind"])


def _score(want: dict[str, dict[str, str]], got: dict[str, dict[str, str]],
           only_listed: bool) -> tuple[set[Triple], set[Triple], set[Triple]]:
    w = {(t, f, k) for t, fields in want.items() for f, k in fields.items()}
    g = {(t, f, k) for t, fields in got.items() for f, k in fields.items() if not only_listed or t in want}
    return w & g, g - w, w - g


def _download(spec: str, cache: Path) -> Path:
    """Unpacked sdist of ``name==version`` (pip download, cached)."""
    name, _, version = spec.partition("==")
    dest = cache / spec.replace("==", "-")
    if dest.is_dir():
        return dest
    cache.mkdir(parents=True, exist_ok=True)
    pip = [sys.executable, "-m", "pip"] if importlib.util.find_spec("pip") else [shutil.which("pip") or "pip"]
    for isolation in (["--no-build-isolation"], []):  # some sdists only get metadata in isolation
        done = subprocess.run([*pip, "download", "--no-deps", "--no-binary", ":all:", *isolation,
                               "-q", "-d", str(cache / "sdists"), spec], check=False, capture_output=True)
        if done.returncode == 0:
            break
    stem = name.replace("-", "_").lower()
    for sdist in sorted((cache / "sdists").glob("*.tar.gz")):
        low = sdist.name.lower().replace("-", "_")
        if low.startswith(f"{stem}_{version}".lower()) or low.startswith(f"{stem}-{version}".lower()):
            with tarfile.open(sdist) as tar:
                tar.extractall(dest.parent / "tmp", filter="data")
            (dest.parent / "tmp" / sdist.name[:-len(".tar.gz")]).rename(dest)
            return dest
    raise RuntimeError(f"{spec}: sdist not downloaded (pip needs network access to PyPI)")


def _report(title: str, rows: list[tuple[str, int, int, int]]) -> dict[str, Any]:
    print(f"\n{title}\n{'app':28} {'fields':>6} {'tp':>4} {'fp':>4} {'fn':>4} {'prec':>6} {'recall':>6}")
    tp = fp = fn = 0
    for app, a, b, c in rows:
        tp, fp, fn = tp + a, fp + b, fn + c
        print(f"{app:28} {a + c:6d} {a:4d} {b:4d} {c:4d} {a / max(1, a + b):6.3f} {a / max(1, a + c):6.3f}")
    total = {"apps": len(rows), "fields": tp + fn, "tp": tp, "fp": fp, "fn": fn,
             "precision": round(tp / max(1, tp + fp), 3), "recall": round(tp / max(1, tp + fn), 3)}
    print(f"{'ALL':28} {tp + fn:6d} {tp:4d} {fp:4d} {fn:4d} {total['precision']:6.3f} {total['recall']:6.3f}")
    return total


def fixtures(verbose: bool = False) -> dict[str, Any]:
    expected = json.loads((FIX / "expected_datamaps.json").read_text())
    rows = []
    for app, tables in sorted(expected.items()):
        tp, fp, fn = _score(tables, _got(FIX / app)[0], only_listed=False)
        rows.append((app, len(tp), len(fp), len(fn)))
        _detail(verbose, fp, fn)
    return _report("fixture apps (written alongside the vocabulary)", rows)


def real(cache: Path, verbose: bool = False, heldout: bool = False) -> dict[str, Any]:
    """``heldout``: the apps added after the vocabulary was tuned (never used to tune it)."""
    expected = json.loads((FIX / "real" / "expected_real.json").read_text())
    rows = []
    kinds_ok = 0
    for app, spec in sorted(expected.items()):
        if app.startswith("_") or bool(spec.get("heldout")) != heldout:
            continue
        try:
            root = FIX / "real" / spec["dir"] if "dir" in spec else _download(spec["pypi"], cache)
        except RuntimeError as exc:
            print(f"skipped {app}: {exc}", file=sys.stderr)
            continue
        got, kind = _got(root)
        tp, fp, fn = _score(spec["tables"], got, only_listed=True)
        rows.append((app, len(tp), len(fp), len(fn)))
        want_kind = spec.get("kind", [])
        ok = kind in ([want_kind] if isinstance(want_kind, str) else want_kind)
        kinds_ok += ok
        if verbose or not ok:
            print(f"   app kind {kind} (expected {want_kind})")
        _detail(verbose, fp, fn)
    title = "held-out real apps (maps written before any tuning on them)" if heldout else \
        "real third-party apps used for tuning (expected maps judged by hand)"
    total = _report(title, rows)
    total["app_kind_correct"] = kinds_ok
    print(f"app kind correct: {kinds_ok}/{len(rows)}")
    return total


def _detail(verbose: bool, fp: set[Triple], fn: set[Triple]) -> None:
    if verbose:
        for t in sorted(fp):
            print("   FP", *t)
        for t in sorted(fn):
            print("   FN", *t)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["fixtures", "real", "heldout", "hostile", "all"])
    ap.add_argument("--limit", type=float, default=60.0, help="hostile: seconds before a case is cut off")
    ap.add_argument("--only", help="hostile: cases whose name starts with this (jpa, sql...)")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/pulsecheck-bench-profile"))
    ap.add_argument("-v", "--verbose", action="store_true", help="list false positives and negatives")
    args = ap.parse_args()
    if args.what in ("fixtures", "all"):
        fixtures(args.verbose)
    if args.what in ("real", "all"):
        real(args.cache, args.verbose)
    if args.what in ("heldout", "all"):
        real(args.cache, args.verbose, heldout=True)
    if args.what == "hostile":
        return hostile(args.limit, args.only)
    return 0


if __name__ == "__main__":
    sys.exit(main())
