"""Rules reported by pulsecheck itself rather than by a stage (stage name ``core``).

They are listed by ``pulsecheck rules list`` and carried in reports like any stage rule, so
a reader of SARIF or JSON can look up why a ``core.*`` finding exists.
"""

from __future__ import annotations

from pulsecheck.model import Confidence, Rule, Severity

SUPPRESSION_WITHOUT_REASON = Rule(
    id="core.suppression-without-reason",
    stage="core",
    title="Inline suppression without a reason",
    severity=Severity.LOW,
    confidence=Confidence.HIGH,
    description=(
        "A `pulsecheck: ignore[rule-id]` comment was found with no reason after it. "
        "Suppressions are part of the audit trail: a reviewer (or an auditor checking HIPAA "
        "164.308(a)(8) evaluations) must be able to see why a finding was accepted. A "
        "suppression without a reason is ignored, so the findings it names are still reported."
    ),
    remediation=(
        "Add a short reason after the bracket, e.g. "
        "`# pulsecheck: ignore[secrets.generic-api-key] test fixture, not a real key`, "
        "or remove the comment and fix the finding."
    ),
    references=("https://bandit.readthedocs.io/en/latest/config.html#exclusions",),
    tags=("suppression",),
)

CORE_RULES: tuple[Rule, ...] = (SUPPRESSION_WITHOUT_REASON,)

