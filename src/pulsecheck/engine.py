"""Runs the enabled stages on one audit workspace and assembles the Report.

The engine owns inputs and resources (contract v2, docs/ARCHITECTURE.md): it discovers the
stages (guarded), loads their rules once, builds the workspace (file index, history) once, lends
a runtime (CPU budget, process groups, scoped HTTP), and schedules by what each stage ``needs``
and ``provides``: a stage that needs ``profile`` waits for the stage that provides it, the rest
run side by side. Each stage is supervised: an exception, a time-out or Ctrl-C becomes an
``Errored`` result that keeps the findings, notes and gaps already recorded, its processes are
killed, and its scratch directory is removed only once it has really ended.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import tempfile
import threading
import time
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pulsecheck import __version__
from pulsecheck.compliance.mapper import map_findings, safeguard_statuses
from pulsecheck.core_rules import CORE_RULES
from pulsecheck.model import (
    Completed,
    ConfigEffect,
    Errored,
    FileLocation,
    Finding,
    Outcome,
    Report,
    Rule,
    Skipped,
    StageResult,
    Targets,
)
from pulsecheck.observer import Observer
from pulsecheck.runtime import Cancelled, Runtime
from pulsecheck.settings import ALL_STAGES, Settings
from pulsecheck.sources.exclude import is_excluded
from pulsecheck.sources.git_history import Repository, locate_repository, safe_git_env
from pulsecheck.sources.tree import FileIndex
from pulsecheck.sources.workspace import Workspace, open_workspace
from pulsecheck.stages.interface import (
    Recorder,
    Stage,
    StageContext,
    StageError,
    StageSkip,
    needs_of,
    provides_of,
)
from pulsecheck.stages.registry import discover
from pulsecheck.suppress import apply_suppressions
from pulsecheck.textsafe import one_line

KILL_GRACE_S = 5.0
"""How long a stage may take to stop after it was cancelled (its processes are killed at once)."""


@dataclass
class _Run:
    """One stage's supervision state."""

    stage: Stage
    deps: list[_Run] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)
    cancel: threading.Event = field(default_factory=threading.Event)
    result: StageResult | None = None
    facts: Mapping[str, Any] = field(default_factory=dict)
    worker: threading.Thread | None = None
    scratch: Path | None = None


def run(
    targets: Targets,
    settings: Settings,
    observer: Observer | None = None,
    stages: Mapping[str, Stage] | None = None,
) -> Report:
    """Audit ``targets`` with the enabled stages and return the finished report."""
    observer = observer or Observer()
    started = datetime.now(UTC)
    if stages is not None:
        catalog, broken = dict(stages), {}
    else:
        found = discover()
        catalog, broken = found.stages, found.broken
    warnings = list(getattr(settings, "warnings", ()))
    if settings.stages != ALL_STAGES:  # the planned stages are no news in a default audit
        warnings += [f"stage '{name}' is not available in this version" for name in settings.stages
                     if name not in catalog and name not in broken]
    results: dict[str, StageResult] = {}
    rules: dict[str, Rule] = {rule.id: rule for rule in CORE_RULES}
    runnable: list[Stage] = []
    option_errors = getattr(settings, "option_errors", {})
    for name in settings.stages:
        if name in broken or name in option_errors:
            reason = broken.get(name) or f"its options could not be loaded: {option_errors[name]}"
            results[name] = StageResult(name, Errored(reason=reason, kind="unavailable"), 0.0)
            continue
        stage = catalog.get(name)
        if stage is None:
            continue
        try:
            rules.update({rule.id: rule for rule in stage.rules()})
        except Exception as exc:  # noqa: BLE001 - a stage whose rules cannot load is errored, not fatal
            results[name] = StageResult(name, Errored(reason=f"could not load its rules: {type(exc).__name__}: "
                                                      f"{one_line(str(exc))[:300]}", kind="unavailable",
                                                      traceback="".join(traceback.format_exception(exc))), 0.0)
            continue
        runnable.append(stage)

    runtime = Runtime(scope=targets.urls, hosts=targets.network)
    revision = _revision(targets, runtime)
    scratch = Path(tempfile.mkdtemp(prefix="pulsecheck-"))
    workspace = _workspace(targets, settings, runtime, scratch, runnable)
    runs = _plan(runnable)
    profile: dict[str, Any] = {}
    try:
        for r in runs:
            sup = threading.Thread(target=_supervise, name=f"supervise-{r.stage.name}", daemon=True,
                                   args=(r, targets, settings, observer, scratch, runtime, workspace))
            sup.start()
        _wait_all(runs)
    except KeyboardInterrupt:
        for r in runs:
            r.cancel.set()
        runtime.kill_all()
        for r in runs:
            r.done.wait(KILL_GRACE_S)
        warnings.append("interrupted (Ctrl-C): the report is partial")
        for r in runs:
            if r.result is None:
                r.result = StageResult(r.stage.name, Errored(reason="interrupted", kind="cancelled"), 0.0)
    finally:
        runtime.kill_all()
        _remove_scratch(scratch, runs)
    for r in runs:
        assert r.result is not None
        results[r.stage.name] = r.result
        if "profile" in provides_of(r.stage):
            profile = dict(r.facts)
    ordered = tuple(results[name] for name in settings.stages if name in results)
    weak = sorted({f.stage for r in ordered for f in r.findings if f.identity_is_weak})
    warnings += [f"stage '{name}' reported code findings without an identity: two of them in one file "
                 "would share a fingerprint (a baseline could hide the second)" for name in weak]
    extra = _agreement_findings(ordered, profile, rules, warnings)
    findings, effects = _finish(ordered, targets, settings, workspace.tree if workspace is not None else None, extra)
    return Report(
        targets=targets,
        started_at=started,
        finished_at=datetime.now(UTC),
        stages=ordered,
        findings=tuple(findings),
        suppressed=effects[1],
        profile=profile,
        compliance=safeguard_statuses(findings, list(ordered)),
        tool_version=__version__,
        warnings=tuple(warnings),
        rules={f.rule_id: rules[f.rule_id] for f in findings if f.rule_id in rules},
        config_effects=effects[0],
        target_revision=revision,
        settings_digest=_digest(settings),
        databases=_databases(ordered),
        inputs=_inputs(workspace),
    )


def _revision(targets: Targets, runtime: Runtime) -> str | None:
    """The commit audited (HEAD of the target), for the history store and SARIF provenance."""
    if targets.path is None:
        return None
    repo = locate_repository(Path(targets.path))
    if not isinstance(repo, Repository):
        return None
    with tempfile.TemporaryDirectory(prefix="pulsecheck-git-") as work:
        try:
            proc = runtime.sources.run(repo.argv(Path(work), "rev-parse", "--verify", "--quiet", "HEAD"),
                                       cwd=work, env=safe_git_env(), timeout=30)
        except (OSError, subprocess.SubprocessError, Cancelled):
            return None
    head = proc.stdout.decode("ascii", "replace").strip()
    return head if proc.returncode == 0 and re.fullmatch(r"[0-9a-f]{40,64}", head) else None


def _digest(settings: Settings) -> str:
    """A short hash of the effective settings: two runs with one digest were configured alike."""
    data = settings.model_dump(mode="json")
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _databases(results: Sequence[StageResult]) -> dict[str, Any]:
    """Versions of the data the stages matched against (today: the OSV advisory counts)."""
    out: dict[str, Any] = {}
    for r in results:
        if isinstance(r.outcome, Completed) and isinstance(r.outcome.facts.get("database"), Mapping):
            out[r.name] = dict(r.outcome.facts["database"])
    return out


def _inputs(workspace: Workspace | None) -> dict[str, Any]:
    """What the shared sources read and skipped; only sources a stage used (nothing is built here)."""
    if workspace is None:
        return {}
    out: dict[str, Any] = {}
    tree = workspace.tree
    if tree is not None and tree.listed:
        skipped = tree.skip_facts()
        out["files_indexed"] = len(tree.entries)
        out["skipped_count"] = len(tree.skipped)
        out["skipped"] = skipped
        if tree.skip_summary():
            out["skipped_summary"] = tree.skip_summary()
    history = workspace.history
    if history is not None and history.started:
        summary = history.summary()
        out["history"] = {"state": summary.state, "commits": summary.commits,
                          "skipped_commits": summary.skipped_commits, "skipped_files": summary.skipped_files,
                          "cut_files": summary.cut_files, "patch_bytes": summary.patch_bytes,
                          "git_processes": summary.git_processes}
    return out


def _workspace(targets: Targets, settings: Settings, runtime: Runtime, scratch: Path,
               stages: Sequence[Stage]) -> Workspace | None:
    if targets.path is None or not any(needs_of(s) & {"tree", "history"} for s in stages):
        return None
    return open_workspace(Path(targets.path), tuple(settings.exclude), scratch / "_sources", runtime)


def _plan(stages: Sequence[Stage]) -> list[_Run]:
    """One run per stage, each depending on the providers of what it needs."""
    runs = [_Run(stage) for stage in stages]
    providers = {item: r for r in runs for item in provides_of(r.stage)}
    for r in runs:
        r.deps = [providers[n] for n in needs_of(r.stage) if n in providers and providers[n] is not r]
    return runs


def _wait_all(runs: Sequence[_Run]) -> None:
    """Wait in short steps, so that Ctrl-C reaches the main thread at once."""
    for r in runs:
        while not r.done.wait(0.2):
            pass


def _supervise(r: _Run, targets: Targets, settings: Settings, observer: Observer, scratch: Path,
               runtime: Runtime, workspace: Workspace | None) -> None:
    """Run one stage after its providers, under its time limit; always sets ``r.done``."""
    try:
        for dep in r.deps:
            while not dep.done.wait(0.2):
                if r.cancel.is_set():
                    break
        profile: Mapping[str, Any] = MappingProxyType({})
        for dep in r.deps:
            if "profile" in provides_of(dep.stage):
                profile = MappingProxyType(dict(dep.facts))
        r.result, r.facts = _run_one(r, targets, settings, observer, scratch, runtime, workspace, profile)
    except BaseException as exc:  # noqa: BLE001 - never leave a stage without a result
        r.result = StageResult(r.stage.name, Errored(reason=f"engine: {type(exc).__name__}: {exc}"), 0.0)
    finally:
        r.done.set()


def _run_one(r: _Run, targets: Targets, settings: Settings, observer: Observer, scratch: Path,
             runtime: Runtime, workspace: Workspace | None,
             profile: Mapping[str, Any]) -> tuple[StageResult, Mapping[str, Any]]:
    stage = r.stage
    start = time.monotonic()
    observer.stage_started(stage.name)
    stage_scratch = scratch / stage.name
    stage_scratch.mkdir(parents=True, exist_ok=True)
    r.scratch = stage_scratch
    record = Recorder(observer)
    stage_rt = runtime.for_stage(stage.name, stage_scratch, r.cancel)
    ctx = StageContext(stage=stage.name, targets=targets, settings=settings, observer=observer,
                       scratch_dir=stage_scratch, options=settings.options_for(stage.name), profile=profile,
                       runtime=stage_rt, workspace=workspace, cancel=r.cancel, record=record)
    found: list[Finding] = []
    failure: list[BaseException] = []
    skip: list[str] = []

    def work() -> None:
        try:
            if not stage.applies(targets):
                skip.append("nothing to scan for this stage in the given targets")
                return
            for finding in stage.run(ctx):
                found.append(finding)
                if r.cancel.is_set():
                    break
        except StageSkip as exc:
            skip.append(str(exc) or "skipped")
        except BaseException as exc:  # noqa: BLE001 - a stage must never sink the audit
            failure.append(exc)

    r.worker = threading.Thread(target=work, name=f"stage-{stage.name}", daemon=True)
    r.worker.start()
    deadline = start + settings.stage_timeout_s
    while r.worker.is_alive() and not r.cancel.is_set() and time.monotonic() < deadline:
        r.worker.join(min(0.2, max(0.0, deadline - time.monotonic())))
    outcome: Outcome
    timed_out = r.worker.is_alive() and not r.cancel.is_set()
    if timed_out or r.cancel.is_set():
        # Cancelled (Ctrl-C) or out of time: whatever the stage returns now is partial, even if
        # it ends cleanly once its processes are killed.
        r.cancel.set()
        stage_rt.procs.kill_all()
        r.worker.join(KILL_GRACE_S)
        reason = f"timed out after {settings.stage_timeout_s:g}s" if timed_out else "interrupted"
        outcome = Errored(reason=reason, findings=tuple(found), notes=tuple(record.notes), gaps=tuple(record.gaps),
                          kind="timeout" if timed_out else "cancelled")
    elif failure:
        exc = failure[0]
        reason = str(exc) if isinstance(exc, StageError) else f"{type(exc).__name__}: {exc}"
        outcome = Errored(reason=reason, traceback="".join(traceback.format_exception(exc)), findings=tuple(found),
                          notes=tuple(record.notes), gaps=tuple(record.gaps))
    elif skip:
        outcome = Skipped(reason=skip[0])
    else:
        outcome = Completed(findings=tuple(found), facts=dict(record.facts), notes=tuple(record.notes),
                            gaps=tuple(record.gaps))
    stage_rt.procs.kill_all()
    if not r.worker.is_alive():
        shutil.rmtree(stage_scratch, ignore_errors=True)
    duration = time.monotonic() - start
    result = StageResult(name=stage.name, outcome=outcome, duration_s=duration)
    observer.stage_finished(stage.name, result.status, len(result.findings), duration)
    return result, dict(record.facts)


def _remove_scratch(scratch: Path, runs: Sequence[_Run]) -> None:
    """Remove the audit's scratch unless a stage that would not stop may still use it."""
    if any(r.worker is not None and r.worker.is_alive() for r in runs):
        return  # left for the OS temp cleaner: deleting it under a live stage would be worse
    shutil.rmtree(scratch, ignore_errors=True)


def _agreement_findings(results: Sequence[StageResult], profile: Mapping[str, Any], rules: dict[str, Rule],
                        warnings: list[str]) -> list[Finding]:
    """PHI sent to a processor with no BAA path (pulsecheck.agreements), from the stages' facts; a
    failure here is a warning, never a lost audit."""
    try:
        from pulsecheck.agreements import RULE, findings_for

        found = findings_for(results, profile)
    except Exception as exc:  # noqa: BLE001 - the agreements check must never sink the audit
        warnings.append(f"third-party agreements not checked: {type(exc).__name__}: {one_line(str(exc))[:300]}")
        return []
    if found:
        rules[RULE.id] = RULE
    return found


def _finish(results: Sequence[StageResult], targets: Targets, settings: Settings,
            tree: FileIndex | None = None,
            extra: Sequence[Finding] = ()) -> tuple[list[Finding], tuple[tuple[ConfigEffect, ...], int]]:
    """Policy, compliance mapping, suppressions (read through the audit's file index), dedupe and
    order; the effects with their counts. ``extra``: findings made from the stages' facts."""
    raw = [f for r in results for f in r.findings] + list(extra)
    effects = list(getattr(settings, "effects", ()))
    hidden = [0] * len(effects)
    findings = _apply_policy(raw, settings, effects, hidden)
    findings = map_findings(findings)
    kept, suppressed, suppression_findings = apply_suppressions(
        findings, repo=Path(targets.path) if targets.path else None, baseline=settings.baseline, tree=tree
    )
    kept = _apply_policy(map_findings(suppression_findings), settings, effects, hidden) + kept
    kept = _dedupe(kept)
    kept.sort(key=lambda f: (-f.severity.rank, f.stage, f.rule_id, f.location.display()))
    counted = tuple(replace(e, hidden=e.hidden + n) for e, n in zip(effects, hidden, strict=True))
    return kept, (counted, suppressed)


def _apply_policy(findings: Sequence[Finding], settings: Settings,
                  effects: Sequence[ConfigEffect] = (), hidden: list[int] | None = None) -> list[Finding]:
    """Disabled rules, severity overrides and exclude globs; counts what each effect hid."""
    out: list[Finding] = []
    for f in findings:
        if settings.rule_disabled(f.rule_id):
            _count(effects, hidden, "disabled-rule", lambda v, rid=f.rule_id: _rule_matches(v, rid))
            continue
        if isinstance(f.location, FileLocation) and is_excluded(f.location.path, settings.exclude):
            _count(effects, hidden, "exclude", lambda v, p=f.location.path: is_excluded(p, [v]))
            continue
        override = settings.severity_overrides.get(f.rule_id)
        if override and override < f.severity:
            _count(effects, hidden, "severity", lambda v, rid=f.rule_id: v.split("=")[0].strip(' "') == rid)
        out.append(replace(f, severity=override) if override else f)
    return out


def _rule_matches(pattern: str, rule_id: str) -> bool:
    return pattern == rule_id or (pattern.endswith("*") and rule_id.startswith(pattern[:-1]))


def _count(effects: Sequence[ConfigEffect], hidden: list[int] | None, kind: str, matches: Any) -> None:
    if hidden is None:
        return
    for i, effect in enumerate(effects):
        if effect.kind == kind and matches(effect.value):
            hidden[i] += 1
            return


def _dedupe(findings: Sequence[Finding]) -> list[Finding]:
    """One finding per (fingerprint, exact place): stages may meet the same issue twice."""
    seen: set[tuple[str, str]] = set()
    out: list[Finding] = []
    for f in findings:
        key = (f.fingerprint, f.location.display())
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def exit_code(report: Report, settings: Settings) -> int:
    """0 clean, 1 findings at or above ``fail_on``, 2 a stage errored or scanned only part."""
    if any(r.status in ("errored", "partial") for r in report.stages):
        return 2
    if any(f.severity >= settings.fail_on for f in report.findings):
        return 1
    return 0
