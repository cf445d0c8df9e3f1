"""Real-code benchmark: every stage on real open-source health repositories, scored by hand labels.

    .venv/bin/python bench/realworld.py --repos /work/realworld              # every repository
    .venv/bin/python bench/realworld.py --only care --stages phi,secrets      # one repository, two stages
    .venv/bin/python bench/realworld.py --src /tmp/head/src                   # another source tree
    .venv/bin/python bench/realworld.py --dump-sample /tmp/todo               # label stubs to fill in

Generated corpora say how a detector does on what its author imagined; these repositories say
what a new user sees. The repositories are listed in bench/realworld/repos.toml (name, clone
URL, the commit that was measured, language, kind); they are cloned outside this checkout and
never committed. Each stage runs as its own `pulsecheck audit PATH -f json --stage S` process,
the way a user runs it, so the bench depends only on the JSON report schema, not on internals:
wall time and the stage's own duration come from the run and the report, peak memory from the
child's rusage (the largest single process, pool workers included).

Labels (bench/realworld/labels/<repo>.json) are verdicts a person gave after opening the file:
"true" (a real issue), "false" (not one), "synthetic" (patient-shaped demo or test data: right
only when reported at low severity as synthetic, so it counts as false at medium and above),
"missed" (a real issue no finding reported). Labels are matched by fingerprint first, then by a
stable key (rule, path, commit, identifier kind), then by the key without the commit, so they
survive a change of fingerprint scheme or of history grouping. Findings at medium and above
that no label matches are listed for review.

Expected profiles (bench/realworld/expected/<repo>.json) give the app kind and, per core
concept (patient, person, encounter, observation, condition, medication, billing), the table
names the code defines; the bench says which appear in the data map, and with how many fields.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent / "realworld"
ROOT = HERE.parent.parent
STAGES = ("profile", "phi", "secrets", "deps")
SEVERITIES = ("info", "low", "medium", "high", "critical")
CORE_CONCEPTS = ("patient", "person", "encounter", "observation", "condition", "medication", "billing")
# The precision bar per stage: the targets (PHI at medium+, secrets at high+).
PRECISION_FLOOR = {"phi": "medium", "secrets": "high", "deps": "medium", "profile": "medium"}

Finding = dict[str, Any]


@dataclass(frozen=True)
class Repo:
    name: str
    commit: str | None
    language: str
    kind: str
    url: str | None


@dataclass(frozen=True)
class StageRun:
    """One `pulsecheck audit --stage S` process and what its JSON report said."""

    stage: str
    status: str
    error: str | None
    exit_code: int
    wall_s: float
    stage_s: float
    peak_mb: float
    notes: int
    gaps: tuple[str, ...]
    findings: tuple[Finding, ...]
    profile: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Score:
    findings: int
    medium_plus: int
    floor_plus: int
    labelled_floor: int
    true_floor: int
    recall_found: int
    recall_total: int
    unlabelled: tuple[Finding, ...]
    synthetic_low: int = 0
    """Findings labelled synthetic that were reported as such: low severity, "synthetic" in the message."""
    synthetic_seen: int = 0
    """Findings labelled synthetic, at any severity."""

    @property
    def precision(self) -> float | None:
        return self.true_floor / self.labelled_floor if self.labelled_floor else None


def rank(severity: str) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else 0


def load_repos(path: Path) -> list[Repo]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return [
        Repo(r["name"], r.get("commit"), r.get("language", "?"), r.get("kind", "?"), r.get("url"))
        for r in data.get("repo", [])
    ]


def run_stage(cli: list[str], env: dict[str, str], target: Path, stage: str, out: Path) -> StageRun:
    """Run one stage as a user would and read its JSON report; never raises on a bad run."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    cmd = [*cli, "audit", str(target), "-f", "json", "-o", str(out), "--stage", stage, "-q"]
    started = time.monotonic()
    with open(out.with_suffix(".stderr"), "wb") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - started
    peak_mb = usage.ru_maxrss / 1024
    meta = {"wall_s": round(wall, 2), "peak_mb": round(peak_mb, 1), "exit_code": proc.returncode}
    out.with_suffix(".run.json").write_text(json.dumps(meta), encoding="utf-8")
    try:
        report = json.loads(out.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        tail = out.with_suffix(".stderr").read_text(errors="replace").strip().splitlines()[-1:]
        return StageRun(stage, "no-report", f"{exc}; {' '.join(tail)}"[:300], proc.returncode,
                        wall, 0.0, peak_mb, 0, (), ())
    entry = next((s for s in report.get("stages", []) if s.get("name") == stage), {})
    return StageRun(
        stage=stage,
        status=str(entry.get("status", "missing")),
        error=entry.get("error"),
        exit_code=proc.returncode,
        wall_s=wall,
        stage_s=float(entry.get("duration_s") or 0.0),
        peak_mb=peak_mb,
        notes=len(entry.get("notes") or []),
        gaps=tuple(entry.get("gaps") or []),
        findings=tuple(f for f in report.get("findings", []) if f.get("stage") == stage),
        profile=report.get("profile") or {},
    )


# ---- label matching -----------------------------------------------------------------------

def _path(f: Finding) -> str:
    return str((f.get("location") or {}).get("path") or (f.get("location") or {}).get("url") or "")


def _commit(f: Finding) -> str | None:
    c = (f.get("location") or {}).get("commit")
    return str(c)[:12] if c else None


def _kind(f: Finding) -> str:
    """What the finding is about, in words that survive a change of message or grouping: the
    identifier kind, the package or product, the store, else the rule's title."""
    props = f.get("properties") or {}
    for key in ("kind", "package", "product", "store"):
        if isinstance(props.get(key), str) and props[key]:
            return str(props[key])
    return str(f.get("title") or f.get("rule_id"))


def keys(f: Finding) -> list[tuple[str, ...]]:
    """Match keys from the most to the least specific."""
    rule, path = str(f.get("rule_id")), _path(f)
    return [("fp", str(f.get("fingerprint"))), ("k", rule, path, _commit(f) or "-", _kind(f)),
            ("p", rule, path, _kind(f))]


def label_keys(label: dict[str, Any]) -> list[tuple[str, ...]]:
    rule, path = str(label.get("rule_id")), str(label.get("path"))
    commit = str(label["commit"])[:12] if label.get("commit") else "-"
    kind = str(label.get("kind", ""))
    return [("fp", str(label.get("fingerprint"))), ("k", rule, path, commit, kind), ("p", rule, path, kind)]


class Labels:
    def __init__(self, entries: list[dict[str, Any]]) -> None:
        self.entries = [e for e in entries if e.get("verdict") != "missed"]
        self.missed = [e for e in entries if e.get("verdict") == "missed"]
        self.index: dict[tuple[str, ...], dict[str, Any]] = {}
        for entry in self.entries:
            for k in label_keys(entry):
                self.index.setdefault(k, entry)

    @classmethod
    def load(cls, path: Path) -> Labels:
        if not path.exists():
            return cls([])
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(data.get("labels", []) if isinstance(data, dict) else data)

    def verdict(self, f: Finding) -> dict[str, Any] | None:
        return next((self.index[k] for k in keys(f) if k in self.index), None)


def score(run: StageRun, labels: Labels) -> Score:
    floor = rank(PRECISION_FLOOR.get(run.stage, "medium"))
    mine = [e for e in labels.entries if str(e.get("rule_id", "")).startswith(run.stage + ".")]
    true_keys = {id(e) for e in mine if e.get("verdict") == "true"}
    found_true: set[int] = set()
    labelled = true_hits = synth_low = synth_seen = 0
    unlabelled: list[Finding] = []
    for f in run.findings:
        label = labels.verdict(f)
        if label is not None and label.get("verdict") == "synthetic":
            synth_seen += 1
            synth_low += rank(str(f.get("severity"))) <= rank("low") and "synthetic" in str(f.get("message", ""))
        if label is not None and id(label) in true_keys:
            found_true.add(id(label))
        sev = rank(str(f.get("severity")))
        if label is None and sev >= rank("medium"):
            unlabelled.append(f)
        if sev >= floor and label is not None:
            labelled += 1
            true_hits += label.get("verdict") == "true"
    missed = [m for m in labels.missed if str(m.get("rule_id", "")).startswith(run.stage + ".")]
    paths = {(str(f.get("rule_id")), _path(f)) for f in run.findings}
    missed_found = sum((str(m.get("rule_id")), str(m.get("path"))) in paths for m in missed)
    return Score(
        findings=len(run.findings),
        medium_plus=sum(rank(str(f.get("severity"))) >= rank("medium") for f in run.findings),
        floor_plus=sum(rank(str(f.get("severity"))) >= floor for f in run.findings),
        labelled_floor=labelled,
        true_floor=true_hits,
        recall_found=len(found_true) + missed_found,
        recall_total=len(true_keys) + len(missed),
        unlabelled=tuple(sorted(unlabelled, key=lambda f: -rank(str(f.get("severity"))))),
        synthetic_low=synth_low,
        synthetic_seen=synth_seen,
    )


# ---- profile ------------------------------------------------------------------------------

def _table_names(name: str) -> set[str]:
    """A table's name as the code spells it and as the database does (Tryton's a.b is a_b),
    with and without a schema prefix."""
    plain = re.sub(r'[`"\[\]]', "", name.lower())
    names = {plain.replace(".", "_")}
    if "." in plain:
        names.add(plain.split(".", 1)[1].replace(".", "_"))
    return names


def compare_profile(profile: dict[str, Any], expected: dict[str, Any]) -> list[str]:
    kind = (profile.get("app_kind") or {}).get("kind")
    want_kind = expected.get("app_kind")
    lines = [f"app kind: {kind} (expected {want_kind}) {'OK' if kind in expected.get('accept', [want_kind]) else 'WRONG'}"]
    tables: dict[str, dict[str, Any]] = {}
    for t in (profile.get("data_map") or {}).get("tables", []):
        for n in _table_names(str(t.get("name", ""))):
            tables.setdefault(n, t)
    got = 0
    parts = []
    want = expected.get("tables") or {}
    for concept in CORE_CONCEPTS:
        names = want.get(concept) or []
        if not names:
            continue
        hit = next((tables[k] for n in names for k in sorted(_table_names(n)) if k in tables), None)
        if hit is None:
            parts.append(f"{concept}: MISSING ({names[0]})")
        else:
            got += 1
            parts.append(f"{concept}: {hit.get('name')} ({len(hit.get('fields') or [])} fields)")
    total = sum(1 for c in CORE_CONCEPTS if want.get(c))
    listed = [str(t.get("name")) for t in (profile.get("data_map") or {}).get("tables", [])]
    lines.append(f"core tables {got}/{total}; tables in data map: {len(listed)}")
    if expected.get("defines_tables") is False and listed:
        lines.append(f"  WRONG: the code defines no tables, the data map lists {len(listed)}: "
                     + ", ".join(sorted(set(listed))[:5]))
    lines.extend("  " + p for p in parts)
    return lines


# ---- sampling for labelling -------------------------------------------------------------

def stratified_sample(findings: list[Finding], limit: int) -> list[Finding]:
    """Round-robin over rules, each rule's findings in a fixed hashed order: every rule is seen."""
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for f in sorted(findings, key=lambda f: hashlib.sha256(str(f.get("fingerprint")).encode()).hexdigest()):
        by_rule[str(f.get("rule_id"))].append(f)
    picked: list[Finding] = []
    while len(picked) < limit and any(by_rule.values()):
        for rule in sorted(by_rule):
            if by_rule[rule] and len(picked) < limit:
                picked.append(by_rule[rule].pop(0))
    return picked


def stub(f: Finding) -> dict[str, Any]:
    loc = f.get("location") or {}
    return {"fingerprint": f.get("fingerprint"), "rule_id": f.get("rule_id"), "path": _path(f),
            "commit": _commit(f), "kind": _kind(f), "line": loc.get("line"), "severity": f.get("severity"),
            "confidence": f.get("confidence"), "message": str(f.get("message", ""))[:200],
            "verdict": "", "reason": ""}


# ---- printing -----------------------------------------------------------------------------

def fmt_ratio(num: int, den: int) -> str:
    return f"{num / den:.2f} ({num}/{den})" if den else "-"


def print_repo(repo: Repo, runs: list[StageRun], scores: list[Score], top: int) -> None:
    print(f"\n## {repo.name} ({repo.language}, {repo.kind}, commit {(repo.commit or 'n/a')[:12]})")
    head = f"{'stage':8} {'status':10} {'find':>6} {'med+':>6} {'prec':>16} {'recall':>14} {'stage_s':>8} {'wall_s':>7} {'peakMB':>7}"
    print(head)
    for run, sc in zip(runs, scores, strict=True):
        prec = fmt_ratio(sc.true_floor, sc.labelled_floor)
        tag = "@" + PRECISION_FLOOR.get(run.stage, "medium")[0]
        print(f"{run.stage:8} {run.status:10} {sc.findings:6d} {sc.medium_plus:6d} {prec + tag:>16} "
              f"{fmt_ratio(sc.recall_found, sc.recall_total):>14} {run.stage_s:8.1f} {run.wall_s:7.1f} {run.peak_mb:7.0f}")
        if run.error:
            print(f"   error: {run.error[:240]}")
        for gap in run.gaps[:3]:
            print(f"   gap: {gap[:200]}")
        rules = Counter((str(f.get("rule_id")), str(f.get("severity"))) for f in run.findings)
        if rules:
            print("   by rule: " + ", ".join(f"{r}/{s} {n}" for (r, s), n in rules.most_common(8)))
    for run, sc in zip(runs, scores, strict=True):
        if sc.unlabelled and top:
            print(f"   unlabelled {run.stage} medium+ ({len(sc.unlabelled)}), top {min(top, len(sc.unlabelled))}:")
            for f in sc.unlabelled[:top]:
                loc = f.get("location") or {}
                where = f"{_path(f)}:{loc.get('line') or ''}" + (f"@{_commit(f)[:8]}" if _commit(f) else "")
                print(f"     {f.get('severity'):8} {f.get('confidence'):6} {f.get('rule_id')} {where[:110]}")


def print_fp_classes(classes: dict[tuple[str, str], list[str]]) -> None:
    """False and synthetic findings at the stage's floor grouped by the labeller's reason."""
    print("\n## false-positive classes at the precision floor (labelled false or synthetic), by reason")
    for (stage, reason), paths in sorted(classes.items(), key=lambda kv: (kv[0][0], -len(kv[1]))):
        examples = ", ".join(sorted(set(paths))[:3])
        print(f"{stage:8} {len(paths):5d}  {reason[:90]}\n{'':15}e.g. {examples[:300]}")


def print_totals(all_scores: dict[str, list[tuple[StageRun, Score]]]) -> None:
    print("\n## totals per stage (all repositories)")
    sl = sum(s.synthetic_low for _, s in all_scores.get("phi", []))
    ss = sum(s.synthetic_seen for _, s in all_scores.get("phi", []))
    if ss:
        print(f"phi: findings labelled synthetic (patient-shaped demo/test data) reported low as synthetic: {fmt_ratio(sl, ss)}")
    print(f"{'stage':8} {'find':>7} {'med+':>7} {'floor+':>7} {'precision':>18} {'recall':>14} {'stage_s':>8} {'peakMB':>7} not-completed")
    for stage, pairs in all_scores.items():
        tf = sum(s.true_floor for _, s in pairs)
        lf = sum(s.labelled_floor for _, s in pairs)
        rf = sum(s.recall_found for _, s in pairs)
        rt = sum(s.recall_total for _, s in pairs)
        errs = sum(r.status not in ("completed", "skipped") for r, _ in pairs)
        print(f"{stage:8} {sum(s.findings for _, s in pairs):7d} {sum(s.medium_plus for _, s in pairs):7d} "
              f"{sum(s.floor_plus for _, s in pairs):7d} {fmt_ratio(tf, lf) + '@' + PRECISION_FLOOR[stage][0]:>18} "
              f"{fmt_ratio(rf, rt):>14} {sum(r.stage_s for r, _ in pairs):8.1f} "
              f"{max(r.peak_mb for r, _ in pairs):7.0f} {errs}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repos", type=Path, default=Path("/work/realworld"), help="where the repositories are cloned")
    ap.add_argument("--only", action="append", default=[], help="repository name (repeatable)")
    ap.add_argument("--stages", default=",".join(STAGES), help="comma list")
    ap.add_argument("--src", type=Path, help="run pulsecheck from this src/ directory instead of the venv's")
    ap.add_argument("--reports", type=Path, default=Path(tempfile.gettempdir()) / "realworld-reports",
                    help="where each stage's JSON report is kept")
    ap.add_argument("--timeout", type=int, default=1800, help="PULSECHECK_STAGE_TIMEOUT for each run")
    ap.add_argument("--db", type=Path, help="OSV database for deps (PULSECHECK_DB)")
    ap.add_argument("--top", type=int, default=10, help="unlabelled medium+ findings listed per stage")
    ap.add_argument("--reuse", action="store_true", help="score existing reports instead of running")
    ap.add_argument("--dump-sample", type=Path, help="write label stubs for unlabelled medium+ findings here")
    ap.add_argument("--sample", type=int, default=60, help="stubs per stage and repository (stratified by rule)")
    args = ap.parse_args(argv)

    python = ROOT / ".venv" / "bin" / "python"
    cli = [str(python), "-c", "import sys; from pulsecheck.cli import main; sys.exit(main())"]
    env = dict(os.environ, PULSECHECK_STAGE_TIMEOUT=str(args.timeout))
    if args.src:
        env["PYTHONPATH"] = str(args.src.resolve())
    if args.db:
        env["PULSECHECK_DB"] = str(args.db.resolve())
    stages = [s for s in args.stages.split(",") if s]
    repos = [r for r in load_repos(HERE / "repos.toml") if not args.only or r.name in args.only]
    print(f"# pulsecheck real-world bench, stages {','.join(stages)}, source {args.src or 'venv'}")
    totals: dict[str, list[tuple[StageRun, Score]]] = {s: [] for s in stages}
    classes: dict[tuple[str, str], list[str]] = defaultdict(list)
    kinds: list[str] = []
    for repo in repos:
        target = args.repos / repo.name
        if not target.is_dir():
            print(f"\n## {repo.name}: not cloned at {target}, skipped")
            continue
        labels = Labels.load(HERE / "labels" / f"{repo.name}.json")
        runs = []
        for stage in stages:
            out = args.reports / repo.name / f"{stage}.json"
            if args.reuse and out.exists():
                runs.append(reread(out, stage))
            else:
                runs.append(run_stage(cli, env, target, stage, out))
        scores = [score(r, labels) for r in runs]
        print_repo(repo, runs, scores, args.top)
        expected = HERE / "expected" / f"{repo.name}.json"
        prof = next((r for r in runs if r.stage == "profile"), None)
        if prof is not None and expected.exists():
            lines = compare_profile(prof.profile, json.loads(expected.read_text(encoding="utf-8")))
            got_kind = lines[0].split()[2]
            kinds.append(f"{repo.name}=ok" if lines[0].endswith("OK") else f"{repo.name}={got_kind}(want {lines[0].split()[4].rstrip(')')})")
            for line in lines:
                print("   profile " + line)
        for run, sc in zip(runs, scores, strict=True):
            totals[run.stage].append((run, sc))
            floor = rank(PRECISION_FLOOR.get(run.stage, "medium"))
            for f in run.findings:
                label = labels.verdict(f)
                if label and label.get("verdict") != "true" and rank(str(f.get("severity"))) >= floor:
                    classes[(run.stage, f"{label.get('verdict')}: {label.get('reason')}")].append(f"{repo.name}:{_path(f)}")
            if args.dump_sample and sc.unlabelled:
                dest = args.dump_sample / f"{repo.name}.{run.stage}.json"
                dest.parent.mkdir(parents=True, exist_ok=True)
                sample = stratified_sample(list(sc.unlabelled), args.sample)
                dest.write_text(json.dumps([stub(f) for f in sample], indent=1), encoding="utf-8")
        sys.stdout.flush()
    print_totals(totals)
    if kinds:
        right = sum(k.endswith("=ok") for k in kinds)
        print(f"profile app kind right on {right}/{len(kinds)}: " + ", ".join(kinds))
    print_fp_classes(classes)
    return 0


def reread(out: Path, stage: str) -> StageRun:
    """A StageRun from a report kept by an earlier run, with the wall time and memory it noted."""
    report = json.loads(out.read_text(encoding="utf-8"))
    meta_path = out.with_suffix(".run.json")
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
    entry = next((s for s in report.get("stages", []) if s.get("name") == stage), {})
    return StageRun(stage, str(entry.get("status", "missing")), entry.get("error"), int(meta.get("exit_code", -1)),
                    float(meta.get("wall_s", 0.0)), float(entry.get("duration_s") or 0.0),
                    float(meta.get("peak_mb", 0.0)), len(entry.get("notes") or []),
                    tuple(entry.get("gaps") or []),
                    tuple(f for f in report.get("findings", []) if f.get("stage") == stage),
                    report.get("profile") or {})


if __name__ == "__main__":
    sys.exit(main())
