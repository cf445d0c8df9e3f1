"""The one finding model every stage produces and every reporter consumes.

Everything here is immutable: a Finding, once made by a stage, is only ever replaced
(``dataclasses.replace``) by the compliance mapper or the suppression step, never mutated,
so reporters can trust that what they render is what the stage saw. ``properties`` are frozen
deeply (:mod:`pulsecheck.frozen`), so a Finding is hashable and can key a set or a dict.

Identity (the ``fingerprint``) names one issue across runs, never a line number:

* file findings: rule + path + ``identity``. A rule that can fire twice in one file must tell the
  two apart: secrets pass a salted hash of the value, deps the package and advisory, phi the
  identifier kind; code rules (stages in :data:`CODE_STAGES`: sast, iac) must pass ``identity``
  (e.g. the resource address) or a :class:`~pulsecheck.evidence.CodeRegion`, whose enclosing
  symbol and whitespace-normalised snippet become the identity, so two SQL injections in one
  file differ while one that moves ten lines keeps its fingerprint. A code finding without
  either keeps the file-only fingerprint (as before) and says so in ``identity_is_weak``: the
  stage contract's tests reject such findings from a real code stage.
* URL findings: method + host + route template + where the parameter is + its name: one IDOR
  on ``/api/patients/{id}`` keeps one fingerprint whatever id was requested (without a
  ``route``, numeric, UUID and long hex path segments of the URL are templated).
* host findings: host, port and protocol.
"""

from __future__ import annotations

import enum
import hashlib
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

from pulsecheck.evidence import (
    NO_EVIDENCE,
    CodeRegion,
    Evidence,
    HttpExchange,
    HttpRequestExcerpt,
    HttpResponseExcerpt,
    PortObservation,
    TextEvidence,
    TlsObservation,
    as_evidence,
)
from pulsecheck.frozen import FrozenMap
from pulsecheck.targets import HostTarget, UrlTarget

__all__ = ["CodeRegion", "Evidence", "FrozenMap", "HttpExchange", "HttpRequestExcerpt", "HttpResponseExcerpt",
           "PortObservation", "TextEvidence", "TlsObservation"]


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


ParameterIn = Literal["path", "query", "body", "header", "cookie"]

_ID_SEGMENT = re.compile(
    r"^(?:\d+|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|[0-9a-fA-F]{16,}|(?=[A-Za-z_-]*\d)[A-Za-z0-9_-]{20,})$")


def route_template(url: str) -> str:
    """The URL's path with id-like segments as ``{id}`` and its query reduced to sorted names:
    ``/api/patients/2?x=1`` and ``/api/patients/3?x=9`` both give ``/api/patients/{id}?x``."""
    parts = urlsplit(url)
    path = "/".join("{id}" if _ID_SEGMENT.match(seg) else seg for seg in parts.path.split("/"))
    names = sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return (path.rstrip("/") or "/") + ("?" + "&".join(names) if names else "")


@dataclass(frozen=True, slots=True)
class UrlLocation:
    """An endpoint of a running web app or API.

    ``route`` is the server's template (``/api/patients/{id}``) when the stage knows it, and
    ``parameter_in`` says where ``parameter`` travels; both feed the identity, the concrete
    URL does not (see the module docstring)."""

    url: str
    method: str = "GET"
    parameter: str | None = None
    route: str | None = None
    parameter_in: ParameterIn | None = None

    kind: Literal["url"] = "url"

    def identity(self) -> str:
        parts = urlsplit(self.url)
        route = (self.route.rstrip("/") or "/") if self.route else route_template(self.url)
        origin = f"{parts.scheme.lower()}://{(parts.hostname or '').lower()}"
        return f"url:{self.method.upper()} {origin}{route} {self.parameter_in or ''}:{self.parameter or ''}"

    def display(self) -> str:
        suffix = f" [{self.parameter}]" if self.parameter else ""
        return f"{self.method.upper()} {self.url}{suffix}"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"url": self.url, "method": self.method.upper(), "parameter": self.parameter}
        if self.route is not None:
            out["route"] = self.route
        if self.parameter_in is not None:
            out["parameter_in"] = self.parameter_in
        return out


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
                           parameter=data.get("parameter"), route=data.get("route"),
                           parameter_in=data.get("parameter_in"))
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


MAX_OCCURRENCES = 10_000
"""Occurrences kept per finding; ``occurrence_count`` keeps the total when there are more."""

CODE_STAGES = frozenset({"sast", "iac"})
"""Stages whose file findings must carry an ``identity`` or a CodeRegion (module docstring)."""


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One place an aggregated finding stands for (a line of a PHI export, a copy of a key)."""

    line: int | None
    path: str | None = None
    """Only when it differs from the finding's location path."""
    commit: str | None = None


@dataclass(frozen=True, slots=True, init=False)
class Finding:
    """One issue found by one rule at one location.

    ``evidence`` is redacted by construction (:mod:`pulsecheck.evidence`); a plain ``str`` is
    taken as :class:`TextEvidence`. ``hipaa`` and ``gdpr`` are left empty by stages and filled
    by :mod:`pulsecheck.compliance`. A finding that stands for many places (10,000 SSNs in one
    export) lists them in ``occurrences`` (at most :data:`MAX_OCCURRENCES`) and keeps the total
    in ``occurrence_count``.
    """

    rule_id: str
    stage: str
    title: str
    severity: Severity
    confidence: Confidence
    message: str
    location: Location
    evidence: Evidence
    cwe: tuple[str, ...]
    owasp: tuple[str, ...]
    hipaa: tuple[str, ...]
    gdpr: tuple[str, ...]
    remediation: str
    identity: str
    """Extra stable identity (e.g. a salted hash of a secret) that distinguishes two findings
    of one rule in one file without using line numbers."""
    properties: Mapping[str, Any]
    """Stage-specific structured data (commit author, package version...): JSON-like, frozen."""
    occurrences: tuple[Occurrence, ...]
    occurrence_count: int
    pinned_fingerprint: str
    """Set only when a stored report is read back: its identity material is never written (for
    secrets it is a salted hash of the value), so the fingerprint the file names is kept."""

    def __init__(
        self, rule_id: str, stage: str, title: str, severity: Severity, confidence: Confidence,
        message: str, location: Location, evidence: Evidence | str = NO_EVIDENCE,
        cwe: Iterable[str] = (), owasp: Iterable[str] = (), hipaa: Iterable[str] = (),
        gdpr: Iterable[str] = (), remediation: str = "", identity: str = "",
        properties: Mapping[str, Any] | None = None, occurrences: Iterable[Occurrence] = (),
        occurrence_count: int | None = None, pinned_fingerprint: str = "",
    ) -> None:
        occ = tuple(occurrences)
        values: dict[str, Any] = {
            "rule_id": rule_id, "stage": stage, "title": title, "severity": Severity(severity),
            "confidence": Confidence(confidence), "message": message, "location": location,
            "evidence": as_evidence(evidence), "cwe": tuple(cwe), "owasp": tuple(owasp),
            "hipaa": tuple(hipaa), "gdpr": tuple(gdpr), "remediation": remediation, "identity": identity,
            "properties": properties if isinstance(properties, FrozenMap) else FrozenMap(properties),
            "occurrences": occ[:MAX_OCCURRENCES],
            "occurrence_count": max(occurrence_count or 0, len(occ), 1),
            "pinned_fingerprint": pinned_fingerprint,
        }
        for name, value in values.items():
            object.__setattr__(self, name, value)

    @property
    def identity_is_weak(self) -> bool:
        """A code finding (sast, iac) in a file with neither ``identity`` nor CodeRegion evidence:
        its fingerprint is the file's, shared by every other issue of its rule there."""
        return (self.stage in CODE_STAGES and isinstance(self.location, FileLocation)
                and not self.identity and not self.pinned_fingerprint and not self.evidence.identity())

    @property
    def fingerprint(self) -> str:
        if self.pinned_fingerprint:
            return self.pinned_fingerprint
        identity = self.identity or self.evidence.identity()
        material = "\x1f".join((self.rule_id, self.location.identity(), identity))
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
        """The finding's JSON form (:func:`pulsecheck.serialize.finding_to_dict`)."""
        from pulsecheck.serialize import finding_to_dict

        return finding_to_dict(self)


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
    notes: tuple[str, ...] = ()
    gaps: tuple[str, ...] = ()
    """What the stage recorded before it failed (its notes and coverage holes are not lost either)."""
    kind: Literal["bug", "timeout", "cancelled", "unavailable", "connectivity", "usage"] = "bug"
    """Why: a bug in the stage, its time limit, Ctrl-C, a stage that could not load, an unreachable
    target, or a wrong use (so "target unreachable" never reads like "bug in the stage")."""
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
    """The running apps as the user named them (what reports show)."""
    hosts: tuple[str, ...] = ()
    web: tuple[UrlTarget, ...] = ()
    """The running apps, typed: identities, scope, budget. Filled from ``urls`` when not given."""
    network: tuple[HostTarget, ...] = ()
    """The hosts, typed, with their port sets. Filled from ``hosts`` when not given."""

    def __post_init__(self) -> None:
        if not self.web and self.urls:
            object.__setattr__(self, "web", tuple(UrlTarget(u) for u in self.urls))
        if not self.urls and self.web:
            object.__setattr__(self, "urls", tuple(t.base_url for t in self.web))
        if not self.network and self.hosts:
            object.__setattr__(self, "network", tuple(HostTarget.parse(h) for h in self.hosts))


SafeguardState = Literal["gap", "no-finding", "partially-assessed", "not-assessed"]
"""``no-finding`` only when a stage that completed fully checked the safeguard and found nothing;
``partially-assessed`` when a stage that would check it was partial or errored."""


@dataclass(frozen=True, slots=True)
class SafeguardStatus:
    section: str
    standard: str
    implementation_spec: str
    status: SafeguardState
    fingerprints: tuple[str, ...] = ()
    finding_count: int = 0
    """Findings bearing on the safeguard (several findings can share one fingerprint, e.g. one
    file's PHI in several commits): the number every format shows, so the counts agree."""
    assessed_by: tuple[str, ...] = ()
    """The stages whose rules check this safeguard in this audit, with their status when not
    completed (``deps (partial)``): why a safeguard is assessed, partially or not at all."""


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
    inputs: Mapping[str, Any] = field(default_factory=dict)
    """What the audit read: files indexed, inputs not scanned (path, reason), the history pass's
    counts. Rendered as one line in the terminal, in full in the JSON report."""
    config_effects: tuple[ConfigEffect, ...] = ()
    """Settings that narrowed this audit (see :class:`ConfigEffect`)."""
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    """Names this run in the history store and in every format written from it."""
    target_revision: str | None = None
    """The commit audited (``git rev-parse HEAD``), filled by the engine."""
    settings_digest: str = ""
    """A digest of the effective settings: two runs with one digest audited the same way."""
    databases: Mapping[str, Any] = field(default_factory=dict)
    """Data the audit relied on (e.g. the OSV database: path, ecosystems, age)."""
    history: Mapping[str, Any] = field(default_factory=dict)
    """The audit store's view of this repository and branch (:mod:`pulsecheck.store`), empty when
    no store was used: ``{"trend": [{"run_id", "finished_at" (ISO), "counts": {severity: n}}]``
    (oldest first, this run last) and ``"first_seen": {fingerprint: ISO datetime}``."""

    def count_by_severity(self) -> dict[Severity, int]:
        counts = dict.fromkeys(Severity, 0)
        for f in self.findings:
            counts[f.severity] += 1
        return counts
