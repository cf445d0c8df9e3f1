"""The settings that narrowed an audit, each named with where it came from.

A scanned repository could certify itself clean (``[rules] disable = ["*"]``, ``exclude = ["*"]``,
an allowlist of ``.*``, every stage switched off). Such settings are applied, because teams need
them, but never silently: each becomes a :class:`~pulsecheck.model.ConfigEffect` that the
report lists with its source and the number of findings it hid (counted by the engine).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pulsecheck.model import ConfigEffect
from pulsecheck.options import NARROWS, StageOptions, effect_kind, field_trust
from pulsecheck.stage_options import OptionsCatalog


@dataclass(frozen=True)
class Set:
    """One value as one source set it."""

    value: Any
    setting: str
    """The key as written: ``exclude``, ``tool.pulsecheck.rules.disable``, ``PULSECHECK_DB``, ``--fail-on``."""
    source: str
    """``/repo/pulsecheck.toml (repository)``, ``environment PULSECHECK_EXCLUDE``, ``flag --stage``..."""


def effects_of(values: Mapping[str, Set], options: Mapping[str, Mapping[str, Set]],
               typed: Mapping[str, StageOptions], catalog: OptionsCatalog) -> tuple[ConfigEffect, ...]:
    """Every narrowing setting of the merged sources, one effect per rule pattern, glob or regex."""
    found: list[ConfigEffect] = []

    def add(kind: Any, origin: Set, value: object) -> None:
        if origin.source != "default":
            found.append(ConfigEffect(kind=kind, setting=origin.setting, value=_text(value), source=origin.source))

    for key, kind in (("disabled_rules", "disabled-rule"), ("exclude", "exclude")):
        if key in values:
            for item in values[key].value:
                add(kind, values[key], item)
    if "severity_overrides" in values:
        for rule_id, severity in values["severity_overrides"].value.items():
            add("severity", values["severity_overrides"], f"{rule_id} = {severity.value}")
    if "stages" in values and not values["stages"].source.startswith("flag "):
        # ``--stage`` is this invocation's explicit choice (the report lists the stages run);
        # stages switched off by a config file or the environment are worth a line.
        implemented = [*catalog.models, *catalog.errors]
        for name in implemented:
            if name not in values["stages"].value:
                add("stage-disabled", values["stages"], name)
    if "baseline" in values:
        add("other", values["baseline"], values["baseline"].value)
    for stage, fields in options.items():
        instance = typed[stage]
        for name, origin in fields.items():
            for kind, setting, value in _narrowing(instance, name, origin.setting):
                add(kind, Set(value, setting, origin.source), value)
    return tuple(found)


def _narrowing(instance: StageOptions, name: str, setting: str) -> Iterator[tuple[str, str, object]]:
    """``(kind, setting, value)`` for a field that narrows and differs from its default."""
    model = type(instance)
    value = getattr(instance, name)
    if isinstance(value, StageOptions):
        for sub in sorted(value.model_fields_set):
            yield from _narrowing(value, sub, f"{setting}.{sub}")
        return
    if field_trust(model, name) != NARROWS or value == model.model_fields[name].default:
        return
    for item in value if isinstance(value, tuple) else (value,):
        yield effect_kind(model, name), setting, item


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
