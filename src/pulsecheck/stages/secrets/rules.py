"""Load the detector catalogue (``rules.toml``) into compiled, typed rules.

Rules are data. A rule either gives a full ``regex`` or, for credentials recognisable only
by the name they are assigned to ("twilio ... auth_token = <32 hex>"), a ``context`` regex for
the name and a ``value`` regex for the secret; the loader wraps those in one assignment
template so every context rule accepts the same syntaxes (``=``, ``:``, ``:=``, ``=>``,
quoted or not, JSON/YAML/env/shell/code).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from pulsecheck.model import Confidence, Rule, Severity
from pulsecheck.stages.secrets.validators import VALIDATORS

STAGE_NAME = "secrets"
DEFAULT_CWE = ("CWE-798",)
DEFAULT_OWASP = ("A07:2021",)
ASSIGN = r"""["']?\s*(?:=|:=|:|=>|->|<-|\?=|\|\|=)(?![=>])\s*(?:[@$]?["'`]|\\["'])?"""
CONTEXT_TEMPLATE = r"(?i)(?:{ctx})[\w.\-]{{0,40}}?" + ASSIGN + r"((?-i:{value}))(?![\w+/=\-])"
PRIORITY = {"specific": 100, "uri": 70, "context": 60, "generic": 20}


class RuleError(ValueError):
    """A rule definition is invalid (bad regex, unknown validator)."""


@dataclass(frozen=True, slots=True)
class SecretRule:
    """A compiled detector plus the metadata users see (``rule``)."""

    rule: Rule
    regex: re.Pattern[str]
    keywords: tuple[str, ...]
    groups: tuple[int, ...] = ()
    entropy: float = 0.0
    min_length: int = 8
    validator: str = ""
    on_invalid: str = "drop"
    kind: str = "specific"
    priority: int = 100
    multiline: str = ""
    path: re.Pattern[str] | None = None
    allow: tuple[re.Pattern[str], ...] = ()
    allow_line: tuple[re.Pattern[str], ...] = ()
    stopwords: tuple[str, ...] = ()
    tags: tuple[str, ...] = field(default=())
    human: bool = False
    assigned: bool = False  # a context rule: the value follows a name and an assignment operator

    @property
    def id(self) -> str:
        return self.rule.id


def _as_tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def build_rule(spec: dict[str, Any], *, prefix: str = "secrets.") -> SecretRule:
    """One rule from its table in ``rules.toml`` (or a converted gitleaks rule)."""
    rid = prefix + str(spec["id"])
    kind = str(spec.get("kind", "context" if "context" in spec else "specific"))
    if "context" in spec:
        pattern = CONTEXT_TEMPLATE.format(ctx=spec["context"], value=spec["value"])
    else:
        pattern = str(spec.get("regex", ""))
    try:
        regex = re.compile(pattern)
    except re.error as exc:
        raise RuleError(f"{rid}: bad regex: {exc}") from None
    validator = str(spec.get("validator", ""))
    if validator and validator not in VALIDATORS:
        raise RuleError(f"{rid}: unknown validator {validator!r}")
    groups = spec.get("group", 1 if regex.groups else 0)
    group_list = tuple(int(g) for g in (groups if isinstance(groups, list) else [groups]))
    keywords = tuple(k.lower() for k in _as_tuple(spec.get("keywords")))
    meta = Rule(
        id=rid, stage=STAGE_NAME, title=str(spec["title"]),
        severity=Severity(spec.get("severity", "high")),
        confidence=Confidence(spec.get("confidence", "high" if kind == "specific" else "medium")),
        cwe=_as_tuple(spec.get("cwe")) or DEFAULT_CWE,
        owasp=_as_tuple(spec.get("owasp")) or DEFAULT_OWASP,
        description=str(spec.get("description", "")) or f"{spec['title']} committed to the repository "
        "or its history: anyone with read access to the code can use it.",
        remediation=str(spec.get("remediation", "")) or "Revoke and rotate the credential at its "
        "issuer, move it to a secret manager or environment variable, then purge it from git history.",
        tags=_as_tuple(spec.get("tags")) or (str(spec.get("category", "secret")),),
    )
    path = spec.get("path")
    return SecretRule(
        rule=meta, regex=regex, keywords=keywords, groups=group_list,
        entropy=float(spec.get("entropy", 0.0)), min_length=int(spec.get("min_length", 8)),
        validator=validator, on_invalid=str(spec.get("on_invalid", "drop")), kind=kind,
        priority=int(spec.get("priority", PRIORITY.get(kind, 50))), multiline=str(spec.get("multiline", "")),
        path=re.compile(path) if path else None,
        allow=tuple(re.compile(a) for a in _as_tuple(spec.get("allow"))),
        stopwords=tuple(s.lower() for s in _as_tuple(spec.get("stopwords"))),
        tags=meta.tags, human=bool(spec.get("human", False)),
        assigned="context" in spec,
    )


@cache
def builtin_rules() -> tuple[SecretRule, ...]:
    """pulsecheck's own detectors, in file order."""
    text = resources.files("pulsecheck.stages.secrets").joinpath("rules.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    rules = tuple(build_rule(spec) for spec in data["rule"])
    seen: set[str] = set()
    for r in rules:
        if r.id in seen:
            raise RuleError(f"duplicate rule id {r.id}")
        seen.add(r.id)
    return rules
