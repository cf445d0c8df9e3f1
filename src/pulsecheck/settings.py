"""Immutable audit settings.

One source of truth, built once by :func:`pulsecheck.config.load_settings` from, in order of
precedence, command-line flags > ``PULSECHECK_*`` environment > the scanned repository's
``pulsecheck.toml`` (or ``[tool.pulsecheck]`` in its pyproject.toml) > the user's own config file
> these defaults. Stages receive it read-only; each stage's options are its typed, frozen
``Options`` model (:meth:`Settings.options_for`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from pulsecheck.model import ConfigEffect, Severity
from pulsecheck.options import StageOptions, UntypedOptions

ALL_STAGES: tuple[str, ...] = ("profile", "phi", "sast", "secrets", "deps", "iac", "dast", "recon")


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    stages: tuple[str, ...] = Field(default=ALL_STAGES, description="enabled stages")
    fail_on: Severity = Field(default=Severity.HIGH, description="lowest severity that fails the audit")
    exclude: tuple[str, ...] = Field(default=(), description="path globs never scanned")
    severity_overrides: dict[str, Severity] = Field(default_factory=dict, description="rule id -> severity")
    disabled_rules: tuple[str, ...] = Field(default=(), description="rule ids (or id prefixes ending in *)")
    stage_options: Mapping[str, StageOptions | Mapping[str, Any]] = Field(
        default_factory=dict, description="stage -> its typed options (a raw table is validated on the way in)")
    stage_timeout_s: float = Field(default=900.0, gt=0, allow_inf_nan=False, description="per-stage time limit")
    baseline: str | None = Field(default=None, description="baseline file of accepted findings")
    warnings: tuple[str, ...] = Field(default=(), description="config that was ignored, for the report")
    effects: tuple[ConfigEffect, ...] = Field(default=(), description="settings that narrowed the audit")
    option_errors: dict[str, str] = Field(
        default_factory=dict, description="stage -> why its options model could not be loaded (stage errored)")

    @field_validator("stage_options", mode="before")
    @classmethod
    def _typed_options(cls, value: Any) -> Any:
        """Raw tables (from code: tests, the demo) become each stage's typed Options here."""
        if not isinstance(value, Mapping) or all(isinstance(v, StageOptions) for v in value.values()):
            return value
        from pulsecheck.stage_options import options_catalog

        models = options_catalog(tuple(str(name) for name in value)).models
        typed: dict[str, StageOptions] = {}
        for name, table in value.items():
            if isinstance(table, StageOptions):
                typed[name] = table
            elif name in models:
                typed[name] = models[name].model_validate(table)
            else:
                typed[name] = UntypedOptions.model_validate(table)
        return typed

    def options_for(self, stage: str) -> StageOptions:
        """The typed options of one stage: its ``Options`` model, with defaults if no table set any."""
        found = self.stage_options.get(stage)
        if isinstance(found, StageOptions):
            return found
        from pulsecheck.stage_options import options_catalog

        model = options_catalog((stage,)).models.get(stage)
        return model() if model is not None else UntypedOptions()

    def rule_disabled(self, rule_id: str) -> bool:
        for pattern in self.disabled_rules:
            if pattern == rule_id or (pattern.endswith("*") and rule_id.startswith(pattern[:-1])):
                return True
        return False
