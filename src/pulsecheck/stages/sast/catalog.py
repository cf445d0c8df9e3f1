"""The SAST rule catalog: ``rules/python/*.toml`` and ``rules/health/*.toml``, one ``[[rule]]``
table per rule. Taint rules list their ``sources`` (``user``, ``phi``, ``pii``, ``trace``),
``sinks`` (``"pattern:args"``: a dotted call name, ``*.method`` for any receiver, or ``@name``
for a selector of the engine; args are positions and keyword names, ``*`` for all) and
``sanitizers`` (dotted names that make a value safe for this rule's ``class``). Pattern rules
(``kind = "pattern"``) are decided by a named check of the engine (``check``)."""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from importlib import resources

from pulsecheck.model import Confidence, Rule, Severity


@dataclass(frozen=True, slots=True)
class Sink:
    pattern: str
    args: tuple[str, ...]          # "0", "1", "url", "*"

    def matches(self, full: str) -> bool:
        return name_matches(self.pattern, full)


def name_matches(pattern: str, full: str) -> bool:
    if pattern.startswith("*."):
        suffix = pattern[1:]
        return full.endswith(suffix) or full == pattern[2:]
    if pattern.endswith(".*"):
        return full.startswith(pattern[:-1])
    return full == pattern


@dataclass(frozen=True, slots=True)
class SastRule:
    rule: Rule
    kind: str
    cls: str
    sources: tuple[str, ...] = ()
    sinks: tuple[Sink, ...] = ()
    sanitizers: tuple[str, ...] = ()
    check: str = ""
    bad: str = ""
    good: str = ""
    language: str = "python"

    @property
    def id(self) -> str:
        return self.rule.id


def _sink(spec: str) -> Sink:
    pattern, _, args = spec.partition(":")
    return Sink(pattern, tuple(a.strip() for a in args.split(",") if a.strip()) or ("*",))


def _load(text: str, origin: str) -> list[SastRule]:
    data = tomllib.loads(text)
    out = []
    for r in data.get("rule", ()):
        rule = Rule(id=r["id"], stage="sast", title=r["title"], severity=Severity(r["severity"]),
                    confidence=Confidence(r.get("confidence", "high")), cwe=tuple(r.get("cwe", ())),
                    owasp=tuple(r.get("owasp", ())), description=r.get("message", "").strip(),
                    remediation=r.get("remediation", "").strip(), references=tuple(r.get("references", ())),
                    tags=tuple(r.get("tags", ())) + (f"language:{r.get('language', 'python')}",))
        out.append(SastRule(rule=rule, kind=r.get("kind", "taint"), cls=r.get("class", r["id"]),
                            sources=tuple(r.get("sources", ())), sinks=tuple(_sink(s) for s in r.get("sinks", ())),
                            sanitizers=tuple(r.get("sanitizers", ())), check=r.get("check", ""),
                            bad=r.get("bad", "").strip("\n"), good=r.get("good", "").strip("\n"),
                            language=r.get("language", "python")))
    if not out:
        raise ValueError(f"{origin}: no [[rule]] table")
    return out


@functools.cache
def python_rules() -> tuple[SastRule, ...]:
    """Every rule of the Python engine (general and health-data rules), in file order."""
    rules: list[SastRule] = []
    base = resources.files("pulsecheck.stages.sast") / "rules"
    for sub in ("python", "health"):
        folder = base / sub
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if entry.name.endswith(".toml"):
                rules.extend(_load(entry.read_text(encoding="utf-8"), f"rules/{sub}/{entry.name}"))
    ids = [r.id for r in rules]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        raise ValueError(f"duplicate SAST rule ids: {sorted(dup)}")
    return tuple(rules)


def by_id() -> dict[str, SastRule]:
    return {r.id: r for r in python_rules()}
