"""The secrets stage: leaked keys and passwords in the working tree and the whole git history.

``STAGE`` is what the registry discovers (defined in :mod:`.stage`). Scanning lives in
:mod:`.scan`; detectors are data in ``rules.toml``; see :mod:`.options` for the
``[stages.secrets]`` settings. ``STAGE`` is imported lazily so that the scan's worker processes
(:mod:`.worker`), which import this package, do not pay for the audit engine's settings model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pulsecheck.stages.secrets.stage import STAGE, SecretsStage


def __getattr__(name: str) -> Any:
    if name in ("STAGE", "SecretsStage"):
        from pulsecheck.stages.secrets import stage

        return getattr(stage, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["STAGE", "SecretsStage"]
