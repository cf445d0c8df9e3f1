"""Load the compliance catalogs from the package's data files, once, and check them.

The catalogs are policy, kept as data (as sslyze keeps its TLS profiles) so that a
compliance reviewer can read and amend them without touching code. Loading validates every
cross-reference, so a typo in a section number fails loudly instead of mapping to nothing.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

Safeguard = Literal["administrative", "physical", "technical", "organizational", "documentation"]


@dataclass(frozen=True, slots=True)
class HipaaSection:
    section: str
    """e.g. ``164.312(a)(1)``."""
    safeguard: Safeguard
    subpart_title: str
    standard: str
    implementation_spec: str
    required: bool


@dataclass(frozen=True, slots=True)
class Control:
    """A catalog entry (GDPR article, OWASP category) with the controls it maps to."""

    id: str
    title: str
    summary: str = ""
    url: str = ""
    hipaa: tuple[str, ...] = ()
    gdpr: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Catalogs:
    hipaa: dict[str, HipaaSection]
    gdpr: dict[str, Control]
    owasp: dict[str, Control]
    cwe: dict[str, Control]
    rule_safeguards: dict[str, tuple[str, ...]]
    """Rule id, or ``<stage>.*``, -> the HIPAA sections its check assesses."""

    def safeguards_of_stage(self, stage: str) -> frozenset[str]:
        """Sections some rule of ``stage`` assesses (its ``stage.*`` entry and its rule entries)."""
        return frozenset(s for key, sections in self.rule_safeguards.items()
                         if key.split(".", 1)[0] == stage for s in sections)


_RULE_KEY = re.compile(r"^[a-z0-9_-]+\.(?:\*|[a-z0-9_.-]+)$")


def _text(name: str) -> str:
    return resources.files("pulsecheck.compliance").joinpath("data", name).read_text(encoding="utf-8")


def _toml(name: str) -> dict[str, Any]:
    return tomllib.loads(_text(name))


def _controls(data: dict[str, Any], title_key: str) -> dict[str, Control]:
    return {
        key: Control(id=key, title=str(v.get(title_key, "")), summary=str(v.get("summary", "")),
                     url=str(v.get("url", "")), hipaa=tuple(v.get("hipaa", ())), gdpr=tuple(v.get("gdpr", ())))
        for key, v in data.items()
    }


@cache
def catalogs() -> Catalogs:
    """Every catalog, validated; raises ValueError naming the data file on a bad reference."""
    hipaa = {
        row["section"]: HipaaSection(
            section=row["section"], safeguard=row["safeguard"],  # type: ignore[arg-type]
            subpart_title=row["subpart_title"], standard=row["standard"],
            implementation_spec=row["implementation_spec"],
            required=row["required_or_addressable"] == "required",
        )
        for row in csv.DictReader(io.StringIO(_text("hipaa_security_rule.csv")))
    }
    gdpr = _controls(_toml("gdpr_articles.toml"), "title")
    owasp = _controls(_toml("owasp_top10_2021.toml"), "title")
    cwe = _controls(_toml("cwe_controls.toml"), "name")
    rules = {k: tuple(v) for k, v in _toml("rule_safeguards.toml")["assesses"].items()}
    for source, entries in (("owasp_top10_2021.toml", owasp), ("cwe_controls.toml", cwe)):
        for entry in entries.values():
            bad = [s for s in entry.hipaa if s not in hipaa] + [a for a in entry.gdpr if a not in gdpr]
            if bad:
                raise ValueError(f"compliance/data/{source}: {entry.id}: unknown controls {bad}")
    for key, sections in rules.items():
        bad = [s for s in sections if s not in hipaa]
        if bad or not _RULE_KEY.match(key):
            raise ValueError(f"compliance/data/rule_safeguards.toml: {key}: "
                             + (f"unknown sections {bad}" if bad else "not a rule id or '<stage>.*'"))
    return Catalogs(hipaa=hipaa, gdpr=gdpr, owasp=owasp, cwe=cwe, rule_safeguards=rules)
