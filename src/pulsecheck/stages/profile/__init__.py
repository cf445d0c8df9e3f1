"""Profile stage: stack, app kind and data map of the scanned app (see ``stage.py``)."""

from pulsecheck.stages.profile.stage import ProfileStage, build_profile

STAGE = ProfileStage()

__all__ = ["STAGE", "ProfileStage", "build_profile"]
