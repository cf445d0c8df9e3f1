"""The phi rule set, loaded from ``data/rules.yaml``: one rule per identifier kind."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import yaml

from pulsecheck.model import Confidence, Rule, Severity

_VALIDATED = {"ssn", "npi", "dea", "nhs_number", "ca_health_card", "payment_card", "iban", "fhir_patient",
              "hl7_pid", "dicom_patient"}


@lru_cache(maxsize=1)
def rules_by_kind() -> dict[str, Rule]:
    data = yaml.safe_load(resources.files(__package__).joinpath("data/rules.yaml").read_text("utf-8"))
    d = data["defaults"]
    out = {}
    for r in data["rules"]:
        out[r["kind"]] = Rule(
            id=r["id"], stage="phi", title=r["title"], severity=Severity(r["severity"]),
            confidence=Confidence.HIGH if r["kind"] in _VALIDATED else Confidence.MEDIUM,
            cwe=tuple(r.get("cwe", d["cwe"])), owasp=tuple(r.get("owasp", d["owasp"])),
            description=r["title"] + ": personal or health data committed to the repository, readable by "
                        "everyone with access to it and to every clone of its history.",
            remediation=" ".join(str(r.get("remediation", d["remediation"])).split()), tags=("phi", "pii"))
    return out
