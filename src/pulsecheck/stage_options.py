"""Which ``Options`` model each stage declares, found without letting one stage sink the others.

Every known stage may have ``pulsecheck.stages.<name>.options`` exposing ``Options`` (a
:class:`~pulsecheck.options.StageOptions`). A stage without that module (a planned stage) has no
options, so only an empty table is accepted for it. A stage whose options module fails to import
is recorded in :attr:`OptionsCatalog.errors`: the configuration still loads for every other
stage, and the engine reports that one stage as errored.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from pulsecheck.options import StageOptions
from pulsecheck.settings import ALL_STAGES


@dataclass(frozen=True)
class OptionsCatalog:
    models: dict[str, type[StageOptions]] = field(default_factory=dict)
    """Stage -> its options model."""
    errors: dict[str, str] = field(default_factory=dict)
    """Stage -> why its options could not be loaded (that stage is reported errored)."""


def options_catalog(stages: tuple[str, ...] = ALL_STAGES) -> OptionsCatalog:
    """Import each stage's options module, guarded; Python caches the modules between calls."""
    catalog = OptionsCatalog()
    for name in stages:
        module_name = f"pulsecheck.stages.{name}.options"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name in (module_name, f"pulsecheck.stages.{name}"):
                continue  # a planned stage: no options yet
            catalog.errors[name] = f"could not load its options: {type(exc).__name__}: {exc}"
            continue
        except Exception as exc:  # noqa: BLE001 - one stage's broken import must not stop config loading
            catalog.errors[name] = f"could not load its options: {type(exc).__name__}: {exc}"
            continue
        model = getattr(module, "Options", None)
        if isinstance(model, type) and issubclass(model, StageOptions):
            catalog.models[name] = model
        else:
            catalog.errors[name] = f"{module_name} has no Options model (a StageOptions subclass)"
    return catalog
