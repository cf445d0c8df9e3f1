"""Immutable audit settings.

One source of truth, built once by :func:`pulsecheck.config.load_settings` from, in order of
precedence, command-line flags > ``PULSECHECK_*`` environment > ``pulsecheck.toml`` or
``[tool.pulsecheck]`` in pyproject.toml > these defaults. Stages receive it read-only.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from pulsecheck.model import Severity

ALL_STAGES: tuple[str, ...] = ("profile", "phi", "sast", "secrets", "deps", "iac", "dast", "recon")


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    stages: tuple[str, ...] = Field(default=ALL_STAGES, description="enabled stages")
    fail_on: Severity = Field(default=Severity.HIGH, description="lowest severity that fails the audit")
    exclude: tuple[str, ...] = Field(default=(), description="path globs never scanned")
    severity_overrides: dict[str, Severity] = Field(default_factory=dict, description="rule id -> severity")
    disabled_rules: tuple[str, ...] = Field(default=(), description="rule ids (or id prefixes ending in *)")
    stage_options: dict[str, dict[str, Any]] = Field(default_factory=dict, description="stage -> options")
    stage_timeout_s: float = Field(default=900.0, gt=0, description="per-stage time limit")
    baseline: str | None = Field(default=None, description="baseline file of accepted findings")

    def options_for(self, stage: str) -> dict[str, Any]:
        """The options table of one stage (``[stages.<name>]`` in the config file)."""
        return dict(self.stage_options.get(stage, {}))

    def rule_disabled(self, rule_id: str) -> bool:
        for pattern in self.disabled_rules:
            if pattern == rule_id or (pattern.endswith("*") and rule_id.startswith(pattern[:-1])):
                return True
        return False
