"""The one finding model every stage produces and every reporter consumes.

Everything here is immutable: a Finding, once made by a stage, is only ever replaced
(``dataclasses.replace``) by the compliance mapper or the suppression step, never mutated,
so reporters can trust that what they render is what the stage saw.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal


class Severity(enum.StrEnum):
    """Impact if the finding is real. Ordered: ``Severity.HIGH > Severity.LOW``."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank >= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank > other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank <= other.rank

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank < other.rank


_SEVERITY_RANK = {
    Severity.INFO: 0,
    Severity.LOW: 1,
    Severity.MEDIUM: 2,
    Severity.HIGH: 3,
    Severity.CRITICAL: 4,
}


class Confidence(enum.StrEnum):
    """How sure the rule is that the finding is real (separate from how bad it would be)."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


@dataclass(frozen=True, slots=True)
class FileLocation:
    """A place in the scanned repository; ``commit`` is set for findings from git history."""

    path: str
    line: int | None = None
    end_line: int | None = None
    commit: str | None = None
    column: int | None = None

    kind: Literal["file"] = "file"

    def identity(self) -> str:
        # No line numbers: a finding that moves in its file keeps its fingerprint.
        return f"file:{self.path}"

    def display(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}@{self.commit[:10]}" if self.commit else where

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path, "line": self.line, "end_line": self.end_line,
                               "commit": self.commit}
        if self.column is not None:
            out["column"] = self.column
        return out


@dataclass(frozen=True, slots=True)
class UrlLocation:
    """An endpoint of a running web app or API."""

    url: str
    method: str = "GET"
    parameter: str | None = None

    kind: Literal["url"] = "url"

    def identity(self) -> str:
        return f"url:{self.method.upper()} {self.url} {self.parameter or ''}"

    def display(self) -> str:
        suffix = f" [{self.parameter}]" if self.parameter else ""
        return f"{self.method.upper()} {self.url}{suffix}"

    def to_json(self) -> dict[str, Any]:
        return {"url": self.url, "method": self.method.upper(), "parameter": self.parameter}


@dataclass(frozen=True, slots=True)
class HostLocation:
    """A network service on a host in scope."""

    host: str
    port: int | None = None
    protocol: str = "tcp"

    kind: Literal["host"] = "host"

    def identity(self) -> str:
        return f"host:{self.host}:{self.port}/{self.protocol}"

    def display(self) -> str:
        return self.host if self.port is None else f"{self.host}:{self.port}/{self.protocol}"

    def to_json(self) -> dict[str, Any]:
        return {"host": self.host, "port": self.port, "protocol": self.protocol}


Location = FileLocation | UrlLocation | HostLocation


def location_from_json(data: Mapping[str, Any]) -> Location:
    """Inverse of ``Location.to_json`` (used to read reports and baselines back)."""
    if "path" in data:
        return FileLocation(path=str(data["path"]), line=data.get("line"), end_line=data.get("end_line"),
                            commit=data.get("commit"), column=data.get("column"))
    if "url" in data:
        return UrlLocation(url=str(data["url"]), method=str(data.get("method") or "GET"),
                           parameter=data.get("parameter"))
    if "host" in data:
        return HostLocation(host=str(data["host"]), port=data.get("port"),
                            protocol=str(data.get("protocol") or "tcp"))
    raise ValueError(f"not a location: {sorted(data)}")


@dataclass(frozen=True, slots=True)
class Rule:
    """Metadata of one check; documented by ``pulsecheck rules show ID``."""

    id: str
    stage: str
    title: str
    severity: Severity
    confidence: Confidence = Confidence.HIGH
    cwe: tuple[str, ...] = ()
    owasp: tuple[str, ...] = ()
    description: str = ""
    remediation: str = ""
    references: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Finding:
    """One issue found by one rule at one location.

    ``evidence`` must never hold a whole secret or a patient's data: stages redact before
    they build the Finding. ``hipaa`` and ``gdpr`` are left empty by stages and filled by
    :mod:`pulsecheck.compliance`.
    """

    rule_id: str
    stage: str
    title: str
    severity: Severity
    confidence: Confidence
    message: str
    location: Location
    evidence: str = ""
    cwe: tuple[str, ...] = ()
    owasp: tuple[str, ...] = ()
    hipaa: tuple[str, ...] = ()
    gdpr: tuple[str, ...] = ()
    remediation: str = ""
    identity: str = ""
    """Extra stable identity (e.g. a salted hash of a secret) that distinguishes two findings
    of one rule in one file without using line numbers."""
    properties: Mapping[str, Any] = field(default_factory=dict)
    """Stage-specific structured data (commit author, package version...), JSON-serialisable."""

    @property
    def fingerprint(self) -> str:
        material = "\x1f".join((self.rule_id, self.location.identity(), self.identity))
        return hashlib.sha256(material.encode("utf-8", "surrogateescape")).hexdigest()[:32]

    @classmethod
    def from_rule(cls, rule: Rule, *, message: str, location: Location, **kwargs: Any) -> Finding:
        """Build a finding that inherits the rule's metadata unless overridden."""
        defaults: dict[str, Any] = {
            "rule_id": rule.id, "stage": rule.stage, "title": rule.title, "severity": rule.severity,
            "confidence": rule.confidence, "cwe": rule.cwe, "owasp": rule.owasp,
            "remediation": rule.remediation,
        }
        defaults.update(kwargs)
        return cls(message=message, location=location, **defaults)

    def to_json(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "stage": self.stage,
            "title": self.title,
            "severity": self.severity.value,
            "confidence": self.confidence.value,
            "message": self.message,
            "location": self.location.to_json(),
            "evidence": self.evidence,
            "cwe": list(self.cwe),
            "owasp": list(self.owasp),
            "hipaa": list(self.hipaa),
            "gdpr": list(self.gdpr),
            "remediation": self.remediation,
            "fingerprint": self.fingerprint,
            "properties": dict(self.properties),
        }


@dataclass(frozen=True, slots=True)
class Completed:
    findings: tuple[Finding, ...]
    facts: Mapping[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    """Inputs the stage skipped on purpose (binaries, files over the size limit), listed."""
    gaps: tuple[str, ...] = ()
    """Coverage holes (git errors, unchecked packages): a scan with gaps is never "clean"."""

    @property
    def status(self) -> Literal["completed", "partial"]:
        return "partial" if self.gaps else "completed"


@dataclass(frozen=True, slots=True)
class Skipped:
    reason: str
    status: Literal["skipped"] = "skipped"


@dataclass(frozen=True, slots=True)
class Errored:
    reason: str
    traceback: str = ""
    findings: tuple[Finding, ...] = ()
    """Findings the stage had produced before it failed: nothing already found is lost."""
    status: Literal["errored"] = "errored"


Outcome = Completed | Skipped | Errored


@dataclass(frozen=True, slots=True)
class StageResult:
    name: str
    outcome: Outcome
    duration_s: float

    @property
    def status(self) -> str:
        return self.outcome.status

    @property
    def findings(self) -> tuple[Finding, ...]:
        if isinstance(self.outcome, Completed | Errored):
            return self.outcome.findings
        return ()


@dataclass(frozen=True, slots=True)
class Targets:
    """What the audit is pointed at: a repository and, optionally, running URLs and hosts."""

    path: str | None = None
    urls: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SafeguardStatus:
    section: str
    standard: str
    implementation_spec: str
    status: Literal["gap", "no-finding", "not-assessed"]
    fingerprints: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ConfigEffect:
    """A setting that narrowed the audit, where it came from, and how many findings it hid.

    A scanned repository can try to certify itself clean (``[rules] disable = ["*"]``,
    ``exclude = ["*"]``, an allowlist of ``.*``): such settings are applied, never silently.
    """

    kind: Literal["disabled-rule", "exclude", "allowlist", "severity", "stage-disabled", "other"]
    setting: str
    """The key as written, e.g. ``rules.disable`` or ``stages.secrets.allowlist.regexes``."""
    value: str
    source: str
    """Where it came from: ``flag --exclude``, ``environment PULSECHECK_EXCLUDE``, or a config file
    with ``(repository)`` or ``(user)`` after its path."""
    hidden: int = 0
    """Findings it removed from the report (filled in by the engine)."""


@dataclass(frozen=True, slots=True)
class Report:
    targets: Targets
    started_at: datetime
    finished_at: datetime
    stages: tuple[StageResult, ...]
    findings: tuple[Finding, ...]
    suppressed: int = 0
    profile: Mapping[str, Any] = field(default_factory=dict)
    compliance: tuple[SafeguardStatus, ...] = ()
    tool_version: str = ""
    warnings: tuple[str, ...] = ()
    rules: Mapping[str, Rule] = field(default_factory=dict)
    """Metadata of every rule that has a finding, so reporters need nothing but the Report."""
    config_effects: tuple[ConfigEffect, ...] = ()
    """Settings that narrowed this audit (see :class:`ConfigEffect`)."""

    def count_by_severity(self) -> dict[Severity, int]:
        counts = dict.fromkeys(Severity, 0)
        for f in self.findings:
            counts[f.severity] += 1
        return counts
