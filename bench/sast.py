"""SAST benchmark: (1) the labelled suite, (2) speed on a ~100k-line Python + TypeScript tree.

    .venv/bin/python bench/sast.py            # both
    .venv/bin/python bench/sast.py --suite    # only the labelled suite
    .venv/bin/python bench/sast.py --speed    # only the speed run

(1) ``tests/fixtures/sast/<language>/<class>/``: ``vuln*`` files (a ``# VULN`` / ``// VULN``
line is where the finding must be) and ``safe*`` near-misses. Per category TPR, FPR and
Youden (TPR - FPR), OWASP-Benchmark style (overall = unweighted mean over categories), for
pulsecheck (the SAST stage: its Python engine, Semgrep CE with our rules on the other
languages) and, side by side on the Python part, Bandit (installed into /tmp/bandit-venv by
this script). A Bandit case counts as flagged when Bandit reports, in that file, one of the
test ids that cover the category (BANDIT_TESTS) -- at the line for vulnerable files.

(2) A tree built under /tmp (never committed): Python packages copied from this
environment's site-packages and TypeScript from a node_modules tree, outside any vendored
directory name. Total SAST time, the time in Semgrep and in the Python engine, peak RSS
(the stage's process and its children), files/s, and the ratio to plain
``semgrep --config <our rules>`` over the same TypeScript files.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SUITE = ROOT / "tests" / "fixtures" / "sast"
BANDIT_VENV = Path("/tmp/bandit-venv")
TREE = Path("/tmp/pulsecheck-sast-bench-tree")
PY_PACKAGES = ("jinja2", "click", "httpx", "httpcore", "pydantic", "rich", "yaml", "idna", "anyio", "typer")
TS_SOURCES = (Path("/work/realworld/node-modules-tree/node_modules"),)
TARGET_LINES = 100_000
VULN = re.compile(r"(#|//)\s*VULN\b")

# Bandit test ids that speak to each Python category of the suite.
BANDIT_TESTS: dict[str, set[str]] = {
    "python-sql-injection": {"B608", "B611", "B610"},
    "python-command-injection": {"B602", "B603", "B604", "B605", "B606", "B607", "B609"},
    "python-code-injection": {"B307", "B102"},
    "python-path-traversal": set(),
    "python-ssrf": {"B310"},
    "python-open-redirect": set(),
    "python-xss": {"B308", "B703", "B704", "B201"},
    "python-template-injection": {"B701", "B702", "B704"},
    "python-ldap-injection": set(),
    "python-xpath-injection": {"B320", "B410"},
    "python-insecure-deserialization": {"B301", "B302", "B403", "B506"},
    "python-trust-boundary": set(),
    "python-stack-trace-to-client": set(),
    "python-weak-password-hash": {"B303", "B324"},
    "python-unsalted-password-hash": {"B303", "B324"},
    "python-weak-hash": {"B303", "B324"},
    "python-weak-random": {"B311"},
    "python-weak-cipher-mode": {"B304", "B305", "B413"},
    "python-static-iv": {"B304", "B305"},
    "python-weak-rsa-key": {"B505"},
    "python-hardcoded-secret": {"B105", "B106", "B107"},
    "python-jwt-unverified": set(),
    "python-insecure-cookie": set(),
    "python-tls-verify-disabled": {"B501", "B502", "B503", "B504", "B323"},
    "python-debug-enabled": {"B201"},
    "python-cors-credentials-any-origin": set(),
    "python-mass-assignment": set(),
    "python-csrf-disabled": set(),
    "python-xxe": {"B313", "B314", "B315", "B316", "B317", "B318", "B319", "B320", "B405", "B406", "B407",
                   "B408", "B409", "B410"},
    "python-yaml-unsafe-load": {"B506"},
    "python-jinja2-autoescape-off": {"B701"},
}


# --- (1) the labelled suite ------------------------------------------------------------------------
def cases(lang_dir: Path) -> list[tuple[str, Path, bool, set[int]]]:
    out = []
    for cls in sorted(p for p in lang_dir.iterdir() if p.is_dir()):
        for f in sorted(cls.iterdir()):
            if not f.is_file() or not f.name.startswith(("vuln", "safe")):
                continue
            lines = {i for i, t in enumerate(f.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
                     if VULN.search(t)}
            out.append((cls.name, f, f.name.startswith("vuln"), lines))
    return out


def pulsecheck_findings(lang_dir: Path) -> list[Any]:
    from pulsecheck import engine
    from pulsecheck.model import Targets
    from pulsecheck.settings import Settings

    report = engine.run(Targets(path=str(lang_dir)), Settings(stages=("sast",)))
    for r in report.stages:
        if r.name == "sast" and r.status not in {"completed"}:
            print(f"  note: sast stage {r.status} on {lang_dir.name}: {getattr(r.outcome, 'gaps', '')}")
    return list(report.findings)


def score(rows: list[tuple[str, bool, bool]]) -> dict[str, dict[str, float]]:
    """rows: (category, vulnerable, flagged) -> per category tp/fn/fp/tn, TPR, FPR, Youden."""
    agg: dict[str, dict[str, float]] = defaultdict(lambda: {"tp": 0, "fn": 0, "fp": 0, "tn": 0})
    for cat, vuln, flagged in rows:
        key = ("tp" if flagged else "fn") if vuln else ("fp" if flagged else "tn")
        agg[cat][key] += 1
    for a in agg.values():
        a["tpr"] = a["tp"] / max(1, a["tp"] + a["fn"])
        a["fpr"] = a["fp"] / max(1, a["fp"] + a["tn"])
        a["youden"] = a["tpr"] - a["fpr"]
    return dict(agg)


def ensure_bandit() -> Path | None:
    exe = BANDIT_VENV / "bin" / "bandit"
    if exe.exists():
        return exe
    try:
        subprocess.run([sys.executable if not shutil.which("python3") else "python3", "-m", "venv", str(BANDIT_VENV)],
                       check=True, capture_output=True, timeout=300)
        subprocess.run([str(BANDIT_VENV / "bin" / "pip"), "install", "-q", "bandit"], check=True,
                       capture_output=True, timeout=600)
    except (subprocess.SubprocessError, OSError) as exc:
        print(f"  bandit not installed ({exc}); its column is left out")
        return None
    return exe if exe.exists() else None


def bandit_results(exe: Path, target: Path) -> tuple[dict[str, list[tuple[str, int]]], float, str]:
    t0 = time.monotonic()
    proc = subprocess.run([str(exe), "-r", str(target), "-f", "json", "-q"], capture_output=True, timeout=900)
    took = time.monotonic() - t0
    doc = json.loads(proc.stdout or b"{}")
    out: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for r in doc.get("results", []):
        out[str(Path(r["filename"]).resolve())].append((r["test_id"], int(r["line_number"])))
    version = subprocess.run([str(exe), "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    skipped = len(doc.get("errors", []))
    return out, took, f"{version.strip()} ({skipped} files not parsed)"


def suite() -> dict[str, Any]:
    from pulsecheck.stages.sast.catalog import by_id

    rules = by_id()
    ours_rows: list[tuple[str, bool, bool]] = []
    bandit_rows: list[tuple[str, bool, bool]] = []
    cwe_of: dict[str, str] = {}
    langs = sorted(p for p in SUITE.iterdir() if p.is_dir())
    bandit = ensure_bandit()
    bandit_meta = ""
    for lang_dir in langs:
        t0 = time.monotonic()
        findings = pulsecheck_findings(lang_dir)
        took = time.monotonic() - t0
        by_file: dict[str, list[Any]] = defaultdict(list)
        for f in findings:
            by_file[getattr(f.location, "path", "")].append(f)
        lang_cases = cases(lang_dir)
        print(f"  {lang_dir.name}: {len(lang_cases)} cases, pulsecheck {took:.1f} s")
        bres: dict[str, list[tuple[str, int]]] = {}
        if lang_dir.name == "python" and bandit is not None:
            bres, btook, bandit_meta = bandit_results(bandit, lang_dir)
            print(f"  python: bandit {btook:.1f} s")
        for cls, path, vuln, lines in lang_cases:
            rel = path.relative_to(lang_dir).as_posix()
            cat = f"{lang_dir.name}/{cls}"
            mine = by_file.get(rel, [])
            if lang_dir.name == "python":
                rid = f"sast.{cls}"
                mine = [f for f in mine if f.rule_id == rid]
                if rid in rules:
                    cwe_of[cat] = rules[rid].rule.cwe[0]
            else:
                mine = [f for f in mine if f.severity.value != "info"]
                for f in mine:
                    if f.cwe and vuln:
                        cwe_of.setdefault(cat, f.cwe[0])
            hit_lines = {getattr(f.location, "line", None) for f in mine}
            flagged = bool(lines & hit_lines) if vuln else bool(mine)
            ours_rows.append((cat, vuln, flagged))
            if lang_dir.name == "python" and bandit is not None:
                tests = BANDIT_TESTS.get(cls, set())
                hits = [(t, ln) for t, ln in bres.get(str(path.resolve()), []) if t in tests]
                bflag = bool({ln for _, ln in hits} & lines) if vuln else bool(hits)
                bandit_rows.append((cat, vuln, bflag))
    ours = score(ours_rows)
    theirs = score(bandit_rows)
    print()
    print(f"{'category':48} {'CWE':9} {'n':>4}  {'TPR':>5} {'FPR':>5} {'Youden':>6}   {'Bandit TPR/FPR/Youden':>22}")
    for cat in sorted(ours):
        o = ours[cat]
        n = int(o["tp"] + o["fn"] + o["fp"] + o["tn"])
        b = theirs.get(cat)
        bcol = f"{b['tpr']:.2f} {b['fpr']:.2f} {b['youden']:+.2f}" if b else "-"
        print(f"{cat:48} {cwe_of.get(cat, '-'):9} {n:4}  {o['tpr']:5.2f} {o['fpr']:5.2f} {o['youden']:+6.2f}   {bcol:>22}")
    overall = sum(o["youden"] for o in ours.values()) / max(1, len(ours))
    py = [o for c, o in ours.items() if c.startswith("python/")]
    other = [o for c, o in ours.items() if not c.startswith("python/")]
    py_overall = sum(o["youden"] for o in py) / max(1, len(py))
    other_overall = sum(o["youden"] for o in other) / max(1, len(other)) if other else float("nan")
    b_overall = sum(o["youden"] for o in theirs.values()) / max(1, len(theirs)) if theirs else float("nan")
    # per CWE (categories of several languages pooled)
    per_cwe_rows = [(cwe_of.get(c, c), v, f) for c, v, f in ours_rows]
    per_cwe = score(per_cwe_rows)
    print()
    print("per CWE (all languages pooled):")
    for cwe in sorted(per_cwe):
        o = per_cwe[cwe]
        print(f"  {cwe:12} TPR {o['tpr']:.2f}  FPR {o['fpr']:.2f}  Youden {o['youden']:+.2f}")
    below = [c for c, o in ours.items() if o["tpr"] < 0.9 or o["fpr"] > 0.1]
    print()
    print(f"overall Youden (unweighted mean over {len(ours)} categories): pulsecheck {overall:.3f}")
    print(f"  Python ({len(py)} categories): pulsecheck {py_overall:.3f}   Bandit {b_overall:.3f} [{bandit_meta}]")
    print(f"  JS/TS/Java/Go via Semgrep CE + our rules ({len(other)} categories): {other_overall:.3f}")
    print(f"  categories below TPR 0.9 / above FPR 0.1: {below or 'none'}")
    return {"overall": overall, "python": py_overall, "bandit": b_overall, "other": other_overall, "below": below}


# --- (2) speed ---------------------------------------------------------------------------------------
def _lines(p: Path) -> int:
    try:
        with p.open("rb") as fh:
            return sum(1 for _ in fh)
    except OSError:
        return 0


def build_tree() -> tuple[int, int, int, int]:
    """(python files, python lines, ts files, ts lines) of the stand-in tree under /tmp."""
    if TREE.exists():
        shutil.rmtree(TREE)
    (TREE / "py").mkdir(parents=True)
    (TREE / "ts").mkdir(parents=True)
    import site

    sp = Path(next(p for p in site.getsitepackages() if p.endswith("site-packages")))
    py_files = py_lines = 0
    for pkg in PY_PACKAGES:
        src = sp / pkg
        if not src.is_dir() or py_lines >= TARGET_LINES * 0.6:
            continue
        for f in sorted(src.rglob("*.py")):
            n = _lines(f)
            dst = TREE / "py" / pkg / f.relative_to(src)
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(f, dst)
            py_files += 1
            py_lines += n
    ts_files = ts_lines = 0
    for base in TS_SOURCES:
        if not base.is_dir():
            continue
        for f in sorted(base.rglob("*.ts")):
            if f.name.endswith(".d.ts") or ts_lines >= TARGET_LINES - py_lines:
                continue
            n = _lines(f)
            dst = TREE / "ts" / f.relative_to(base).as_posix().replace("/", "__")
            shutil.copyfile(f, dst)
            ts_files += 1
            ts_lines += n
    return py_files, py_lines, ts_files, ts_lines


def speed_child(tree: Path) -> None:
    """Runs in its own process: the SAST stage once; prints JSON."""
    from pulsecheck import engine
    from pulsecheck.model import Targets
    from pulsecheck.settings import Settings

    t0 = time.monotonic()
    report = engine.run(Targets(path=str(tree)), Settings(stages=("sast",)))
    total = time.monotonic() - t0
    (sast,) = [r for r in report.stages if r.name == "sast"]
    facts = getattr(sast.outcome, "facts", {})
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"total_s": total, "status": sast.status, "python": facts.get("python"),
                      "semgrep": facts.get("semgrep"), "findings": len(report.findings),
                      "rss_self_mb": self_kb / 1024, "rss_children_mb": child_kb / 1024,
                      "notes": len(getattr(sast.outcome, "notes", ())),
                      "gaps": list(getattr(sast.outcome, "gaps", ()))}))


def plain_semgrep(files: list[Path]) -> float | None:
    from pulsecheck.stages.sast.semgrep import rules as pack_rules
    from pulsecheck.stages.sast.semgrep.locate import locate
    from pulsecheck.stages.sast.semgrep.run import base_argv

    exe = locate().executable
    if exe is None:
        return None
    argv = base_argv(exe, [pack_rules.RULES_DIR], jobs=2) + [str(f) for f in files]
    t0 = time.monotonic()
    subprocess.run(argv, capture_output=True, timeout=1800, cwd="/tmp")
    return time.monotonic() - t0


def speed() -> None:
    pyf, pyl, tsf, tsl = build_tree()
    print(f"  tree {TREE}: {pyf} Python files / {pyl} lines, {tsf} TypeScript files / {tsl} lines "
          f"({pyl + tsl} lines)")
    proc = subprocess.run([sys.executable, __file__, "--speed-child", str(TREE)], capture_output=True, text=True,
                          timeout=3600, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    if proc.returncode != 0:
        print(proc.stderr[-2000:])
        return
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    py_s = (r.get("python") or {}).get("seconds", 0.0)
    sg_s = (r.get("semgrep") or {}).get("seconds", 0.0)
    files = pyf + tsf
    plain = plain_semgrep(sorted((TREE / "ts").glob("*.ts")))
    print(f"  SAST stage total {r['total_s']:.1f} s ({r['status']}; {r['findings']} findings, {r['notes']} notes, "
          f"gaps {r['gaps'] or 'none'})")
    print(f"    Python engine {py_s:.1f} s ({py_s / max(r['total_s'], 1e-9):.0%}; {pyl / max(py_s, 1e-9):,.0f} lines/s, "
          f"{pyf / max(py_s, 1e-9):,.0f} files/s); parsed {(r.get('python') or {}).get('parsed')} of {pyf}")
    parse_s = (r.get("python") or {}).get("parse_seconds", 0.0)
    print(f"      of which libcst parse + positions {parse_s:.1f} s, data-flow analysis {py_s - parse_s:.1f} s")
    print(f"    Semgrep {sg_s:.1f} s ({sg_s / max(r['total_s'], 1e-9):.0%}; in a thread beside the engine)")
    print(f"    overall {files / max(r['total_s'], 1e-9):,.0f} files/s, {(pyl + tsl) / max(r['total_s'], 1e-9):,.0f} lines/s")
    print(f"    peak RSS: stage process {r['rss_self_mb']:.0f} MB, largest child (semgrep) {r['rss_children_mb']:.0f} MB")
    if plain is not None:
        print(f"  plain semgrep --config <our rules> on the {tsf} TypeScript files: {plain:.1f} s; "
              f"ratio SAST total / plain semgrep = {r['total_s'] / max(plain, 1e-9):.2f}, "
              f"semgrep inside the stage / plain = {sg_s / max(plain, 1e-9):.2f}")
    else:
        print("  plain semgrep: executable not found (scripts/bootstrap.sh)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--suite", action="store_true")
    ap.add_argument("--speed", action="store_true")
    ap.add_argument("--speed-child")
    args = ap.parse_args()
    if args.speed_child:
        speed_child(Path(args.speed_child))
        return
    both = not args.suite and not args.speed
    if args.suite or both:
        print("(1) labelled suite")
        suite()
    if args.speed or both:
        print("\n(2) speed")
        speed()


if __name__ == "__main__":
    main()
