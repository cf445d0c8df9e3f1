"""Semgrep CE for JavaScript/TypeScript, Java and Go: our own rule pack, run offline from an
isolated environment (``.tools/semgrep/``, built by ``scripts/bootstrap.sh`` from
``tools/semgrep/requirements.txt``), once per audit, through the stage's process group.

Python is not scanned here (the SAST stage's own data-flow engine does it); a user's Semgrep
rule files, of any language, run in the same invocation.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pulsecheck.model import Finding, Rule
from pulsecheck.stages.sast.semgrep import rules as _rules
from pulsecheck.stages.sast.semgrep import run as _run

if TYPE_CHECKING:
    from pulsecheck.stages.interface import StageContext

__all__ = ["SemgrepRun", "run_semgrep", "semgrep_rules"]


@dataclass(frozen=True)
class SemgrepRun:
    findings: tuple[Finding, ...]
    skipped: tuple[tuple[str, str], ...]
    """(relative path, reason) of files Semgrep could not parse or scan, or that were not given
    to it (over the size limit)."""
    available: bool
    """False: the executable is missing (the stage records a gap)."""
    reason: str
    """Why not available / what failed, one line ("" when all went well)."""
    duration_s: float


def semgrep_rules() -> list[Rule]:
    """Our Semgrep rules as pulsecheck Rules (ids ``sast.<lang>.<...>``)."""
    return [pr.rule for pr in _rules.pack()]


def run_semgrep(ctx: StageContext, files: Sequence[str], user_rule_files: Sequence[Path] = ()) -> SemgrepRun:
    """Scan ``files`` (repository-relative) with our pack plus ``user_rule_files``, one process."""
    t0 = time.monotonic()
    findings, skipped, available, reason = _run.run(ctx, files, user_rule_files)
    return SemgrepRun(findings=tuple(findings), skipped=tuple(skipped), available=available,
                      reason=reason, duration_s=time.monotonic() - t0)
