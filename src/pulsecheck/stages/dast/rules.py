"""The DAST rule catalog: ``rules.toml`` plus the shared passive checks (``dast.<check id>``)."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

from pulsecheck import webchecks
from pulsecheck.model import Confidence, Rule, Severity

STAGE = "dast"


@cache
def catalog() -> dict[str, Rule]:
    data = tomllib.loads(resources.files(__package__).joinpath("rules.toml").read_text(encoding="utf-8"))
    out: dict[str, Rule] = {r.id: r for r in webchecks.rules(STAGE)}
    for r in data["rule"]:
        zap = r.get("zap", "")
        desc = r["title"] + "." + (f" ZAP rule {zap}." if zap else " (no ZAP equivalent).")
        out[r["id"]] = Rule(id=r["id"], stage=STAGE, title=r["title"], severity=Severity(r["severity"]),
                            confidence=Confidence(r.get("confidence", "high")), cwe=tuple(r["cwe"]),
                            owasp=tuple(r.get("owasp", ())), description=desc,
                            remediation=r.get("remediation", ""), tags=("web",) + ((f"zap-{zap}",) if zap else ()))
    return out


@cache
def zap_ids() -> dict[str, str]:
    data = tomllib.loads(resources.files(__package__).joinpath("rules.toml").read_text(encoding="utf-8"))
    out = {f"{STAGE}.{c.id}": c.zap for c in webchecks.catalog()}
    out.update({r["id"]: r.get("zap", "") for r in data["rule"]})
    return out


def rule(rule_id: str) -> Rule:
    return catalog()[rule_id]
