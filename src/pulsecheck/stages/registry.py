"""Discovery of the installed stages.

Each stage is a subpackage of :mod:`pulsecheck.stages` whose ``__init__`` exposes ``STAGE``
(an object satisfying :class:`~pulsecheck.stages.interface.Stage`). Adding a stage means
adding a package; nothing here changes.
"""

from __future__ import annotations

import importlib
import pkgutil

import pulsecheck.stages as stages_pkg
from pulsecheck.settings import ALL_STAGES
from pulsecheck.stages.interface import Stage


def available_stages() -> dict[str, Stage]:
    """Stage name -> stage, in the canonical order (profile first)."""
    found: dict[str, Stage] = {}
    for info in pkgutil.iter_modules(stages_pkg.__path__):
        if not info.ispkg:
            continue
        module = importlib.import_module(f"{stages_pkg.__name__}.{info.name}")
        stage = getattr(module, "STAGE", None)
        if stage is not None and isinstance(stage, Stage):
            found[stage.name] = stage
    order = {name: i for i, name in enumerate(ALL_STAGES)}
    return dict(sorted(found.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))
