"""Discovery of the installed stages, guarded.

Each stage is a subpackage of :mod:`pulsecheck.stages` whose ``__init__`` exposes ``STAGE``.
Adding a stage means adding a package; nothing here changes. A package that fails to import, or
whose ``rules()`` raises, is reported as unavailable with the reason: it becomes an errored stage
in the audit that asked for it, never a dead audit (``audit --stage deps`` must not die because
an optional module of another stage cannot load).
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field

import pulsecheck.stages as stages_pkg
from pulsecheck.settings import ALL_STAGES
from pulsecheck.stages.interface import Stage
from pulsecheck.textsafe import one_line


@dataclass(frozen=True)
class Discovery:
    stages: dict[str, Stage] = field(default_factory=dict)
    """Stage name -> stage, in the canonical order (profile first)."""
    broken: dict[str, str] = field(default_factory=dict)
    """Stage name -> why it could not be loaded."""


def discover(only: tuple[str, ...] | None = None) -> Discovery:
    """Import the stage packages (only the named ones, if given), never raising."""
    found: dict[str, Stage] = {}
    broken: dict[str, str] = {}
    for info in pkgutil.iter_modules(stages_pkg.__path__):
        if not info.ispkg or (only is not None and info.name not in only):
            continue
        try:
            module = importlib.import_module(f"{stages_pkg.__name__}.{info.name}")
            stage = getattr(module, "STAGE", None)
        except Exception as exc:  # noqa: BLE001 - one broken stage must not sink the others
            broken[info.name] = f"could not load: {type(exc).__name__}: {one_line(str(exc))[:300]}"
            continue
        if stage is not None and isinstance(stage, Stage):
            found[stage.name] = stage
    order = {name: i for i, name in enumerate(ALL_STAGES)}
    ordered = dict(sorted(found.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))
    return Discovery(stages=ordered, broken=broken)


def available_stages() -> dict[str, Stage]:
    """Stage name -> stage for every stage that loads (broken ones are left out)."""
    return discover().stages
