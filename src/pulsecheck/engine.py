"""Runs the enabled stages and assembles the Report.

The profile stage runs first so its facts (stack, data map) reach every other stage; the
rest run concurrently in threads. Each stage is wrapped so that an exception or a timeout
becomes an ``Errored`` result that keeps the findings already yielded: one stage can never
sink another, and nothing already found is lost.
"""

from __future__ import annotations

import concurrent.futures
import tempfile
import threading
import time
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

from pulsecheck import __version__
from pulsecheck.compliance.mapper import map_findings, safeguard_statuses
from pulsecheck.core_rules import CORE_RULES
from pulsecheck.model import (
    Completed,
    Errored,
    FileLocation,
    Finding,
    Report,
    Rule,
    Skipped,
    StageResult,
    Targets,
)
from pulsecheck.observer import Observer
from pulsecheck.settings import Settings
from pulsecheck.stages.interface import Stage, StageContext, StageError, StageSkip
from pulsecheck.stages.registry import available_stages
from pulsecheck.suppress import apply_suppressions


def run(
    targets: Targets,
    settings: Settings,
    observer: Observer | None = None,
    stages: Mapping[str, Stage] | None = None,
) -> Report:
    """Audit ``targets`` with the enabled stages and return the finished report."""
    observer = observer or Observer()
    started = datetime.now(UTC)
    catalog = dict(stages) if stages is not None else available_stages()
    selected = [catalog[name] for name in catalog if name in settings.stages]
    warnings: list[str] = [f"stage '{name}' is not available in this version"
                           for name in settings.stages if name not in catalog]
    results: dict[str, StageResult] = {}
    profile: dict[str, Any] = {}

    with tempfile.TemporaryDirectory(prefix="pulsecheck-") as scratch:
        first = [s for s in selected if s.name == "profile"]
        rest = [s for s in selected if s.name != "profile"]
        for stage in first:
            result, facts = _run_one(stage, targets, settings, observer, Path(scratch), {})
            results[stage.name] = result
            profile = dict(facts)
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, len(rest))) as pool:
            futures = {
                pool.submit(_run_one, stage, targets, settings, observer, Path(scratch), profile): stage
                for stage in rest
            }
            for future in concurrent.futures.as_completed(futures):
                result, _ = future.result()
                results[result.name] = result

    ordered = tuple(results[s.name] for s in selected)
    raw = [f for r in ordered for f in r.findings]
    findings = _apply_policy(raw, settings)
    findings = map_findings(findings)
    kept, suppressed, suppression_findings = apply_suppressions(
        findings, repo=Path(targets.path) if targets.path else None, baseline=settings.baseline
    )
    kept = _apply_policy(map_findings(suppression_findings), settings) + kept
    kept = _dedupe(kept)
    kept.sort(key=lambda f: (-f.severity.rank, f.stage, f.rule_id, f.location.display()))
    for name in settings.stages:
        if name in catalog and name not in results:
            warnings.append(f"stage '{name}' was not run")
    return Report(
        targets=targets,
        started_at=started,
        finished_at=datetime.now(UTC),
        stages=ordered,
        findings=tuple(kept),
        suppressed=suppressed,
        profile=profile,
        compliance=safeguard_statuses(kept, [r for r in ordered if r.status in ("completed", "partial")]),
        tool_version=__version__,
        warnings=tuple(warnings),
        rules=_rules_of(kept, selected),
    )


def _run_one(
    stage: Stage,
    targets: Targets,
    settings: Settings,
    observer: Observer,
    scratch: Path,
    profile: Mapping[str, Any],
) -> tuple[StageResult, Mapping[str, Any]]:
    """Run one stage under its time limit; never raises."""
    start = time.monotonic()
    observer.stage_started(stage.name)
    stage_scratch = scratch / stage.name
    stage_scratch.mkdir(parents=True, exist_ok=True)
    ctx = StageContext(stage=stage.name, targets=targets, settings=settings, observer=observer,
                       scratch_dir=stage_scratch, profile=profile)
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
                if ctx.cancel.is_set():
                    break
        except StageSkip as exc:
            skip.append(str(exc) or "skipped")
        except BaseException as exc:  # noqa: BLE001 - a stage must never sink the audit
            failure.append(exc)

    thread = threading.Thread(target=work, name=f"stage-{stage.name}", daemon=True)
    thread.start()
    thread.join(settings.stage_timeout_s)
    outcome: Completed | Skipped | Errored
    if thread.is_alive():
        ctx.cancel.set()
        thread.join(5)
        outcome = Errored(reason=f"timed out after {settings.stage_timeout_s:g}s", findings=tuple(found))
    elif failure:
        exc = failure[0]
        reason = str(exc) if isinstance(exc, StageError) else f"{type(exc).__name__}: {exc}"
        trace = "".join(traceback.format_exception(exc))
        outcome = Errored(reason=reason, traceback=trace, findings=tuple(found))
    elif skip:
        outcome = Skipped(reason=skip[0])
    else:
        outcome = Completed(findings=tuple(found), facts=dict(ctx.facts), notes=tuple(ctx.notes),
                            gaps=tuple(ctx.gaps))
    duration = time.monotonic() - start
    result = StageResult(name=stage.name, outcome=outcome, duration_s=duration)
    observer.stage_finished(stage.name, result.status, len(result.findings), duration)
    return result, dict(ctx.facts)


def _apply_policy(findings: Sequence[Finding], settings: Settings) -> list[Finding]:
    """Disabled rules, severity overrides and exclude globs from the settings."""
    out: list[Finding] = []
    for f in findings:
        if settings.rule_disabled(f.rule_id):
            continue
        if isinstance(f.location, FileLocation) and any(
            fnmatch(f.location.path, pattern) for pattern in settings.exclude
        ):
            continue
        override = settings.severity_overrides.get(f.rule_id)
        out.append(replace(f, severity=override) if override else f)
    return out


def _rules_of(findings: Sequence[Finding], stages: Sequence[Stage]) -> dict[str, Rule]:
    catalog = {rule.id: rule for rule in CORE_RULES}
    catalog.update({rule.id: rule for stage in stages for rule in stage.rules()})
    return {f.rule_id: catalog[f.rule_id] for f in findings if f.rule_id in catalog}


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
