"""Stage ``deps``: vulnerable dependencies from a local OSV database, SBOMs, upgrade plans."""

from __future__ import annotations

from pulsecheck.stages.deps.stage import DepsStage

STAGE = DepsStage()

__all__ = ["STAGE", "DepsStage"]
