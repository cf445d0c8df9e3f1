"""The deps stage's rules (metadata only; the stage decides when each applies)."""

from __future__ import annotations

from pulsecheck.model import Confidence, Rule, Severity

_CWE = ("CWE-1104", "CWE-937")
_OWASP = ("A06:2021",)

VULNERABLE = Rule(
    id="deps.vulnerable-package", stage="deps", title="Dependency with a known vulnerability",
    severity=Severity.HIGH, confidence=Confidence.HIGH, cwe=_CWE, owasp=_OWASP,
    description=("A package version the project installs is listed as affected in an OSV advisory. "
                 "Severity comes from the advisory's CVSS v3/v4 vector, else the database's own "
                 "rating; an advisory with no rating at all is reported as high."),
    remediation="Upgrade to the fixed version named in the finding (see `pulsecheck deps fix --dry-run`).",
    references=("https://ossf.github.io/osv-schema/", "https://owasp.org/Top10/A06_2021-Vulnerable_and_Outdated_Components/"),
)
UNMAINTAINED = Rule(
    id="deps.unmaintained-package", stage="deps", title="Dependency flagged unmaintained or unsound",
    severity=Severity.LOW, confidence=Confidence.HIGH, cwe=("CWE-1104",), owasp=_OWASP,
    description="An informational advisory (RustSec 'unmaintained', 'unsound' or 'notice') covers this version.",
    remediation="Move to the maintained alternative the advisory recommends.",
)
EOL_RUNTIME = Rule(
    id="deps.eol-runtime", stage="deps", title="Framework or runtime past its end of life",
    severity=Severity.MEDIUM, confidence=Confidence.HIGH, cwe=("CWE-1104",), owasp=_OWASP,
    description=("The version in use no longer receives security fixes from its maintainers "
                 "(dates from the stage's dated end-of-life table)."),
    remediation="Upgrade to a supported release line.",
)
OUTDATED = Rule(
    id="deps.outdated-package", stage="deps", title="Dependency behind its latest release",
    severity=Severity.INFO, confidence=Confidence.HIGH, cwe=("CWE-1104",), owasp=_OWASP,
    description=("Only with `[stages.deps] outdated = true`: a newer release exists on the registry "
                 "(PyPI, npm). Old releases stop getting fixes and make urgent upgrades bigger."),
    remediation="Plan the upgrade before it becomes an emergency.",
)
ALL_RULES = (VULNERABLE, UNMAINTAINED, EOL_RUNTIME, OUTDATED)
