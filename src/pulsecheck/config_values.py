"""Checks of single configuration values and the layer a source produces, shared by the loader.

Every check raises a :class:`~pulsecheck.config_files.ConfigError` whose message is one line:
the caller's ``err`` names the source and the key, the check says what is wrong.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from pulsecheck.config_effects import Set
from pulsecheck.config_files import ConfigError
from pulsecheck.model import Severity
from pulsecheck.options import StageOptions, one_line_error
from pulsecheck.settings import ALL_STAGES

_SEVERITIES = ", ".join(s.value for s in Severity)

Err = Callable[[str], ConfigError]
"""Builds the error for one key from a description of the problem."""
KeyErr = Callable[[str, str], ConfigError]
"""Builds the error for a named key of the config file."""


@dataclass
class Layer:
    """What one source sets: Settings fields and stage option fields, each with its origin."""

    values: dict[str, Set] = field(default_factory=dict)
    options: dict[str, dict[str, Set]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    repository: bool = False


def validate_options(model: type[StageOptions], table: Mapping[str, Any], context: dict[str, Any] | None,
              prefix: str, make: Callable[[str], ConfigError]) -> StageOptions:
    """``table`` validated by ``model``; a ConfigError built by ``make`` from ``key.path: problem``."""
    try:
        return model.model_validate(table, context=context)
    except ValidationError as exc:
        raise make(one_line_error(exc, prefix, model)) from None


def set_fields(instance: StageOptions, setting: str, source: str) -> dict[str, Set]:
    """The fields a source set explicitly, with their origin."""
    return {k: Set(getattr(instance, k), f"{setting}.{k}" if setting else k, source)
            for k in sorted(instance.model_fields_set)}


def bind(err: KeyErr, key: str) -> Err:
    return lambda problem: err(key, problem)


def split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def severity(value: Any, err: Err) -> Severity:
    if isinstance(value, Severity):
        return value
    if isinstance(value, str) and value.strip().lower() in {s.value for s in Severity}:
        return Severity(value.strip().lower())
    raise err(f"{value!r} is not a severity (choose from {_SEVERITIES})")


def str_list(value: Any, err: Err) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise err("must be a list of non-empty strings")
    return list(value)


def stage_names(value: Any, err: Err) -> tuple[str, ...]:
    names = str_list(list(value) if isinstance(value, tuple) else value, err)
    for name in names:
        if name not in ALL_STAGES:
            raise err(f"unknown stage '{name}' (choose from {', '.join(ALL_STAGES)})")
    return tuple(dict.fromkeys(names))


def timeout(value: Any, err: Err) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise err(f"{value!r} must be a positive number of seconds")
    if not math.isfinite(value):
        raise err(f"{value!r} must be a finite number of seconds")
    return float(value)
