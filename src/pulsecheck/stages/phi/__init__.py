"""PHI stage: patient and personal data found in the repository's files and history."""

from pulsecheck.stages.phi.stage import PhiStage

STAGE = PhiStage()

__all__ = ["STAGE", "PhiStage"]
