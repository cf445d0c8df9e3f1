"""Helpers of the DAST tests: a test-bed handle and running the stage against a URL."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pulsecheck import engine
from pulsecheck.model import Report, Targets
from pulsecheck.settings import Settings
from pulsecheck.targets import Identity, UrlTarget


@dataclass
class Bed:
    url: str
    tokens: dict[str, str] = field(default_factory=dict)
    methods: list[tuple[str, str]] = field(default_factory=list)

    def identities(self) -> tuple[Identity, ...]:
        return tuple(Identity.bearer(name, tok) for name, tok in self.tokens.items())


FAST = {"per_second": 200.0, "time_delay": 1.0, "delay_budget": 8.0}


def run_dast(url: str, identities: tuple[Identity, ...] = (), **options: Any) -> Report:
    opts = {**FAST, **options}
    settings = Settings(stage_options={"dast": opts}, stages=("dast",), stage_timeout_s=120)
    target = UrlTarget(url, identities=identities)
    return engine.run(Targets(urls=(url,), web=(target,)), settings, None)


def rule_ids(report: Report) -> set[str]:
    return {f.rule_id for f in report.findings}


def dast_result(report: Report) -> Any:
    return next(r for r in report.stages if r.name == "dast")
