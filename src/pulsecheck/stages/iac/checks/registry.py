"""The check catalog: loads ``checks/*.toml`` and the predicates that evaluate them."""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import import_module, resources
from types import MappingProxyType
from typing import Any

from pulsecheck.model import Confidence, Rule, Severity
from pulsecheck.stages.iac.graph import Graph
from pulsecheck.stages.iac.model import Outcome, Resource

STAGE = "iac"
PREDICATE_MODULES = ("generic", "aws", "cloud", "app_env", "kubernetes", "docker", "serverless")
"""Modules of this package whose ``@predicate`` functions the TOML may name."""

Predicate = Callable[[Resource, "Params", Graph], Outcome]
_PREDICATES: dict[str, Predicate] = {}

IAC_OWASP = ("A05:2021",)
"""Every IaC check is a security misconfiguration in OWASP Top 10 2021 terms (the report's
OWASP coverage counts the iac stage under A05)."""


def predicate(name: str) -> Callable[[Predicate], Predicate]:
    """Register a predicate under the name a check's ``predicate = "..."`` uses."""

    def register(fn: Predicate) -> Predicate:
        if name in _PREDICATES:
            raise ValueError(f"predicate {name} registered twice")
        _PREDICATES[name] = fn
        return fn

    return register


class Params(dict[str, Any]):
    """A check's ``params`` table, with typed accessors for the common ones."""

    def attrs(self) -> tuple[str, ...]:
        value = self.get("attr", ())
        return (value,) if isinstance(value, str) else tuple(value)

    def strings(self, key: str) -> tuple[str, ...]:
        value = self.get(key, ())
        return (value,) if isinstance(value, str) else tuple(str(v) for v in value)


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    severity: Severity
    confidence: Confidence
    cwe: tuple[str, ...]
    hipaa: tuple[str, ...]
    remediation: str
    description: str
    provider: str
    """``aws``, ``gcp``, ``azure``, ``kubernetes``, ``docker``, ``compose``, ``serverless``."""
    types: frozenset[str]
    predicate: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def rule(self) -> Rule:
        tags = ("iac", self.provider, *(f"hipaa:{h}" for h in self.hipaa))
        return Rule(id=self.id, stage=STAGE, title=self.title, severity=self.severity, confidence=self.confidence,
                    cwe=self.cwe, owasp=IAC_OWASP, description=self.description, remediation=self.remediation,
                    tags=tags)

    def evaluate(self, res: Resource, graph: Graph) -> Outcome:
        return _PREDICATES[self.predicate](res, Params(self.params), graph)


def _check(raw: Mapping[str, Any], source: str) -> Check:
    cid = str(raw["id"])
    if not cid.startswith(f"{STAGE}."):
        raise ValueError(f"{source}: check id {cid} must start with '{STAGE}.'")
    if raw["predicate"] not in _PREDICATES:
        raise ValueError(f"{source}: {cid}: unknown predicate {raw['predicate']}")
    return Check(id=cid, title=str(raw["title"]), severity=Severity(raw["severity"]),
                 confidence=Confidence(raw.get("confidence", "high")), cwe=tuple(raw.get("cwe", ())),
                 hipaa=tuple(raw.get("hipaa", ())), remediation=str(raw.get("remediation", "")),
                 description=str(raw.get("description", raw["title"])), provider=str(raw["provider"]),
                 types=frozenset(raw["types"]), predicate=str(raw["predicate"]),
                 params=MappingProxyType(dict(raw.get("params", {}))))


@cache
def catalog() -> tuple[Check, ...]:
    """Every check of every ``checks/*.toml`` file, in file then listed order; ids unique."""
    for module in PREDICATE_MODULES:
        import_module(f"{__package__}.{module}")
    checks: list[Check] = []
    for item in sorted(resources.files(__package__).iterdir(), key=lambda p: p.name):
        if item.name.endswith(".toml"):
            data = tomllib.loads(item.read_text("utf-8"))
            checks.extend(_check(raw, item.name) for raw in data.get("check", ()))
    ids = [c.id for c in checks]
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:
        raise ValueError(f"duplicate IaC check ids: {sorted(dupes)}")
    return tuple(checks)


def by_type() -> dict[str, list[Check]]:
    out: dict[str, list[Check]] = {}
    for check in catalog():
        for rtype in check.types:
            out.setdefault(rtype, []).append(check)
    return out
