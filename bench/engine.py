"""What one audit costs the machine: tree walks, git processes, file opens, time, memory.

Contract v2 says the engine builds the inputs once: one walk of the tree, one pass over the
history, each file opened once, however many stages read it. This bench counts that from the
outside, with ``strace -f`` (every process of the audit, workers included), and times the same
audit without strace (wall, CPU seconds of the process tree, peak RSS of the tree).

    .venv/bin/python bench/engine.py                       # this repository + a 20,000-commit corpus
    .venv/bin/python bench/engine.py --before /work/before # also an older checkout, side by side
    .venv/bin/python bench/engine.py --commits 2000        # a smaller corpus

Targets: 1 walk, 1 history pass, every file opened once; a full audit no slower than the sum of
its stages run one by one.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections import Counter
from pathlib import Path
from types import ModuleType


def _bench_secrets() -> ModuleType:
    """bench/secrets.py (its corpus builder and process-tree meter), loaded under another name:
    as ``secrets`` it would shadow the standard library's module."""
    spec = importlib.util.spec_from_file_location("bench_secrets", Path(__file__).with_name("secrets.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_SECRETS = _bench_secrets()
build, measure = _SECRETS.build, _SECRETS.measure

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("profile", "phi", "secrets", "deps")
_EXEC = re.compile(r'execve\("([^"]+)", \[(.*?)\]')
_OPEN = re.compile(r'openat\(AT_FDCWD, "([^"]+)", ([A-Z_|]+)')


def audit_cmd(checkout: Path, target: Path, out: Path, stages: tuple[str, ...]) -> list[str]:
    cmd = [str(checkout / ".venv" / "bin" / "pulsecheck"), "audit", str(target), "-q", "-f", "json", "-o", str(out)]
    for stage in stages:
        cmd += ["--stage", stage]
    return cmd


def count_io(cmd: list[str], target: Path, work: Path) -> dict[str, object]:
    """Walks, git processes and opens per file of one audit, read from an strace log."""
    log = work / "strace.log"
    env = {**os.environ, "PULSECHECK_DB": str(work / "no-db.sqlite")}
    # -z: only calls that succeeded (a PATH lookup tries several directories before git is found)
    subprocess.run(["strace", "-f", "-qq", "-z", "-s", "256", "-e", "trace=execve,openat", "-o", str(log), *cmd],
                   cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    git: Counter[str] = Counter()
    opens: Counter[str] = Counter()
    walks = 0
    prefix = str(target.resolve()) + "/"
    for line in log.read_text(errors="replace").splitlines():
        m = _EXEC.search(line)
        if m and m.group(1).endswith("/git"):
            args = [a.strip('"') for a in m.group(2).split(", ")]
            sub = next((a for i, a in enumerate(args[1:], 1) if not a.startswith("-") and args[i - 1] != "-c"), "?")
            git[sub] += 1
            walks += sub == "ls-files"
            continue
        m = _OPEN.search(line)
        if m and "= -1" not in line and m.group(1).startswith(prefix) and "O_DIRECTORY" not in m.group(2):
            rel = m.group(1)[len(prefix):]
            if not rel.startswith(".git/") and rel != ".git":
                opens[rel] += 1
        elif m and "O_DIRECTORY" in m.group(2) and m.group(1).rstrip("/") == str(target.resolve()):
            walks += 1
    per_file = Counter(opens.values())
    return {"walks": walks, "git": dict(git), "git_log": git.get("log", 0),
            "files_opened": len(opens), "opens": sum(opens.values()),
            "max_opens_per_file": max(opens.values(), default=0),
            "files_opened_more_than_once": sum(n for k, n in per_file.items() if k > 1)}


def timed(cmd: list[str], work: Path) -> dict[str, float]:
    """``measure`` of bench/secrets.py; exit 2 (a partial stage, e.g. no OSV data) still counts."""
    os.environ["PULSECHECK_DB"] = str(work / "no-db.sqlite")
    tolerant = ["bash", "-c", '"$@"; rc=$?; [ "$rc" -eq 2 ] && exit 0; exit "$rc"', "audit", *cmd]
    return dict(measure(tolerant, work))


def row(name: str, data: dict[str, object]) -> str:
    return f"{name:34} " + "  ".join(f"{k}={v}" for k, v in data.items())


def bench_target(label: str, target: Path, checkouts: dict[str, Path], work: Path) -> None:
    print(f"\n## {label}: {target}")
    for who, checkout in checkouts.items():
        out = work / f"{who}.json"
        io = count_io(audit_cmd(checkout, target, out, STAGES), target, work)
        full = timed(audit_cmd(checkout, target, out, STAGES), work)
        report = json.loads(out.read_text())
        print(row(f"{who} full audit io", io))
        print(row(f"{who} full audit", {**full, "findings": len(report.get("findings", []))}))
        parts = {s: timed(audit_cmd(checkout, target, work / f"{who}-{s}.json", (s,)), work) for s in STAGES}
        total = {k: round(sum(p[k] for p in parts.values()), 2) for k in ("wall_s", "cpu_s")}
        print(row(f"{who} sum of stages run alone", total))
        ratio = full["wall_s"] / total["wall_s"] if total["wall_s"] else 0.0
        print(row(f"{who} full / sum (wall)", {"ratio": round(ratio, 2)}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--before", type=Path, help="an older checkout with its own .venv, measured side by side")
    ap.add_argument("--commits", type=int, default=20000)
    ap.add_argument("--work", type=Path, help="keep corpora here (default: a temp dir)")
    ap.add_argument("--skip-now", action="store_true", help="measure only --before")
    args = ap.parse_args()
    if shutil.which("strace") is None:
        raise SystemExit("strace not found (apt-get install strace)")
    work = args.work or Path(tempfile.mkdtemp(prefix="pulsecheck-bench-engine-"))
    work.mkdir(parents=True, exist_ok=True)
    checkouts = ({} if args.skip_now else {"now": ROOT}) | ({"before": args.before} if args.before else {})
    clone = work / "self-clone"
    if not clone.exists():
        subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(ROOT), str(clone)], check=True)
    bench_target("this repository", clone, checkouts, work)
    corpus, _ = build(work, 5, args.commits, 40)
    bench_target(f"{args.commits}-commit secrets corpus", corpus, checkouts, work)


if __name__ == "__main__":
    main()
