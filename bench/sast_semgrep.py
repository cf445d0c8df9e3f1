"""Benchmark of the Semgrep part of the SAST stage (our JS/TS, Java and Go rule pack).

    .venv/bin/python bench/sast_semgrep.py [--tree DIR] [--max-lines 100000] [--bootstrap]

* fixtures: one ``run_semgrep`` over ``tests/fixtures/sast/{javascript,typescript,java,go}``: wall
  time, per-CWE TPR / FPR and the Youden index (OWASP-Benchmark style: per class TPR - FPR,
  overall the unweighted mean);
* tree: the same over a real JS/TS tree (an installed ``node_modules`` is a fine stand-in),
  files taken with a stride so that about ``--max-lines`` lines are scanned, beside plain
  ``semgrep scan --config <our rules>`` on the same files (the ratio is our overhead);
* bootstrap (``--bootstrap``): building ``.tools/semgrep`` cold (empty uv cache, new venv) and
  warm (``scripts/bootstrap.sh`` when all is in place).

``bench/sast.py`` calls :func:`fixture_scores` and :func:`tree_timing`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from pulsecheck.model import FileLocation, Targets  # noqa: E402
from pulsecheck.observer import Observer  # noqa: E402
from pulsecheck.runtime import Runtime  # noqa: E402
from pulsecheck.settings import Settings  # noqa: E402
from pulsecheck.sources.workspace import open_workspace  # noqa: E402
from pulsecheck.stages.interface import Recorder, StageContext  # noqa: E402
from pulsecheck.stages.sast.semgrep import SemgrepRun, run_semgrep  # noqa: E402
from pulsecheck.stages.sast.semgrep import run as semgrep_run  # noqa: E402
from pulsecheck.stages.sast.semgrep.locate import locate  # noqa: E402
from pulsecheck.stages.sast.semgrep.rules import RULES_DIR, by_pulsecheck_id  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "sast"
LANGS = {"javascript": "sast.js.", "typescript": "sast.js.", "java": "sast.java.", "go": "sast.go."}
CODE_EXT = (".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx", ".java", ".go")
VULN = re.compile(r"(//|#)\s*VULN\b")


def _ctx(repo: Path, scratch: Path) -> StageContext:
    runtime = Runtime()
    ws = open_workspace(repo, (), scratch / "ws", runtime)
    return StageContext(stage="sast", targets=Targets(path=str(repo)), settings=Settings(), observer=Observer(),
                        scratch_dir=scratch, runtime=runtime.for_stage("sast", scratch, threading.Event()),
                        workspace=ws, record=Recorder(Observer()))


def _child_cpu_s() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def _peak_child_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def fixture_scores() -> dict[str, Any]:
    """Per-CWE TPR/FPR of our pack on the labelled fixtures (a vulnerable file counts when a
    finding of its rule's CWE sits on a VULN line; a safe file with any finding of it is an FP)."""
    files = sorted(str(p.relative_to(FIXTURES)) for lang in LANGS for p in (FIXTURES / lang).rglob("*") if p.is_file())
    with tempfile.TemporaryDirectory() as tmp:
        run = run_semgrep(_ctx(FIXTURES, Path(tmp)), files)
    found: dict[str, list[tuple[tuple[str, ...], int | None]]] = defaultdict(list)
    for f in run.findings:
        if isinstance(f.location, FileLocation):
            found[f.location.path].append((f.cwe, f.location.line))
    acc: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for rel in files:
        lang, short, name = rel.split("/")
        cwe = by_pulsecheck_id()[LANGS[lang] + short].rule.cwe[0]
        lines = {i for i, ln in enumerate((FIXTURES / rel).read_text(encoding="utf-8").splitlines(), 1) if VULN.search(ln)}
        hits = [line for cwes, line in found[rel] if cwe in cwes]
        s = acc[cwe]
        if name.startswith("vuln"):
            s[1] += 1
            s[0] += any(line in lines for line in hits)
        else:
            s[3] += 1
            s[2] += bool(hits)
    per = {cwe: {"tpr": tp / p, "fpr": fp / n, "tp": tp, "p": p, "fp": fp, "n": n} for cwe, (tp, p, fp, n) in sorted(acc.items())}
    youden = sum(v["tpr"] - v["fpr"] for v in per.values()) / len(per)
    return {"files": len(files), "findings": len(run.findings), "wall_s": run.duration_s, "per_cwe": per,
            "youden": youden, "reason": run.reason, "peak_child_rss_mb": _peak_child_rss_mb()}


def pick_files(root: Path, max_lines: int) -> tuple[list[str], int]:
    """Code files of ``root`` (no .min.js, no .d.ts, at most 2 MB) taken with a stride so that
    about ``max_lines`` lines are chosen across the whole tree."""
    cands: list[tuple[str, int]] = []
    for p in sorted(root.rglob("*")):
        name = p.name
        if not p.is_file() or not name.endswith(CODE_EXT) or name.endswith((".min.js", ".d.ts")):
            continue
        rel = str(p.relative_to(root))
        if p.stat().st_size > semgrep_run.MAX_TARGET_BYTES or semgrep_run.generated_reason(rel, p.stat().st_size):
            continue
        with open(p, "rb") as fh:
            cands.append((rel, fh.read().count(b"\n")))
    total = sum(n for _, n in cands) or 1
    stride = max(1, total // max_lines)
    chosen = cands[::stride]
    return [rel for rel, _ in chosen], sum(n for _, n in chosen)


def tree_timing(root: Path, max_lines: int = 100_000) -> dict[str, Any]:
    """Wall time of ``run_semgrep`` on about ``max_lines`` lines of ``root``, and of plain Semgrep
    with only our rules on the same files."""
    files, lines = pick_files(root, max_lines)
    exe = locate().executable
    assert exe is not None, locate().reason
    with tempfile.TemporaryDirectory() as tmp:
        c0 = _child_cpu_s()
        run: SemgrepRun = run_semgrep(_ctx(root, Path(tmp)), files)
        cpu = _child_cpu_s() - c0
        rss = _peak_child_rss_mb()
        env = semgrep_run.child_env(Path(tmp), exe)
        t0 = time.monotonic()
        plain = subprocess.run([str(exe), "scan", "--experimental", "--json", "--metrics=off", "--disable-version-check",
                                "--no-git-ignore", "--config", str(RULES_DIR), "--", *files],
                               cwd=root, env=env, capture_output=True, check=False)
        plain_s = time.monotonic() - t0
        plain_cpu = _child_cpu_s() - c0 - cpu
    plain_findings = len(json.loads(plain.stdout or b"{}").get("results", [])) if plain.stdout.startswith(b"{") else -1
    return {"files": len(files), "lines": lines, "wall_s": run.duration_s, "findings": len(run.findings),
            "skipped": len(run.skipped), "skip_reasons": sorted({r.split(":")[0] for _, r in run.skipped}),
            "reason": run.reason, "plain_semgrep_s": plain_s,
            "plain_findings": plain_findings, "ratio": run.duration_s / plain_s if plain_s else None,
            "peak_child_rss_mb": rss, "cpu_s": cpu, "plain_cpu_s": plain_cpu}


def bootstrap_timing() -> dict[str, float]:
    """Cold: a new venv from the lock with an empty uv cache (downloads included); warm:
    ``scripts/bootstrap.sh`` with everything in place."""
    uv = ROOT / ".tools" / "bin" / "uv"
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "UV_CACHE_DIR": str(Path(tmp) / "cache"), "UV_PYTHON_DOWNLOADS": "never"}
        venv = Path(tmp) / "semgrep"
        t0 = time.monotonic()
        subprocess.run([str(uv), "venv", "--quiet", "--python", sys.executable, str(venv)], env=env, check=True)
        subprocess.run([str(uv), "pip", "install", "--quiet", "--require-hashes", "--python", str(venv / "bin" / "python"),
                        "-r", str(ROOT / "tools" / "semgrep" / "requirements.txt")], env=env, check=True)
        cold = time.monotonic() - t0
    t0 = time.monotonic()
    subprocess.run(["bash", str(ROOT / "scripts" / "bootstrap.sh")], check=True)
    warm = time.monotonic() - t0
    return {"cold_s": cold, "warm_s": warm}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tree", type=Path, help="a JS/TS tree (e.g. an installed node_modules)")
    ap.add_argument("--max-lines", type=int, default=100_000)
    ap.add_argument("--bootstrap", action="store_true")
    args = ap.parse_args()
    exe = locate().executable
    if exe is None:
        sys.exit(locate().reason)
    with tempfile.TemporaryDirectory() as tmp:
        print("semgrep", semgrep_run.version(exe, Path(tmp)))
    fx = fixture_scores()
    print(f"fixtures: {fx['files']} files, {fx['findings']} findings, wall {fx['wall_s']:.2f} s, "
          f"peak child RSS {fx['peak_child_rss_mb']:.0f} MB{', ' + fx['reason'] if fx['reason'] else ''}")
    for cwe, v in fx["per_cwe"].items():
        print(f"  {cwe:9} TPR {v['tp']}/{v['p']} = {v['tpr']:.2f}  FPR {v['fp']}/{v['n']} = {v['fpr']:.2f}")
    print(f"  Youden (mean over {len(fx['per_cwe'])} classes): {fx['youden']:.3f}")
    if args.tree:
        tr = tree_timing(args.tree, args.max_lines)
        print(f"tree {args.tree}: {tr['files']} files, {tr['lines']} lines: run_semgrep {tr['wall_s']:.2f} s "
              f"({tr['findings']} findings, {tr['skipped']} skipped), plain semgrep {tr['plain_semgrep_s']:.2f} s "
              f"({tr['plain_findings']} findings), ratio {tr['ratio']:.2f}; CPU {tr['cpu_s']:.1f} s vs {tr['plain_cpu_s']:.1f} s; peak child RSS {tr['peak_child_rss_mb']:.0f} MB"
              + (f", {tr['reason']}" if tr["reason"] else "") + f"\n  skipped because: {tr['skip_reasons']}")
    if args.bootstrap:
        bt = bootstrap_timing()
        print(f"bootstrap: cold {bt['cold_s']:.1f} s (new venv, empty uv cache), warm {bt['warm_s']:.2f} s")


if __name__ == "__main__":
    main()
