"""Third-party processors and the agreements they need (HIPAA BAA, GDPR DPA).

Two inputs say which outside services an app sends data to: the SAST stage's processor facts
(``facts["processors"]``: a call site, and whether PHI or PII reaches it along a taint path)
and the profile's SDK detection (an SDK in a manifest: the service is used, what reaches it is
not known). :func:`agreement_rows` merges both into one row per service, joined with the dated
vendor data in ``vendors.toml`` (whether the vendor offers a BAA, and how). A service that PHI
reaches and whose vendor signs no BAA is a finding (:data:`RULE`), made by
:func:`agreement_findings` after the stages ran (the engine calls it, guarded).

Pure functions of their inputs: nothing here reads the network or the scanned files.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from typing import Any, Literal

from pulsecheck.model import (
    Completed,
    Confidence,
    Errored,
    FileLocation,
    Finding,
    Rule,
    Severity,
    StageResult,
)

BaaPath = Literal["yes", "partial", "no", "unknown"]
_BAA_VALUES = ("yes", "partial", "no", "unknown")
_MAX_PATHS = 50
"""Code paths kept per row (the count says how many there were)."""
_SDK_GROUPS = ("llm", "analytics", "realtime_video")
"""Profile groups whose every detector is an outside service, known to the vendor file or not."""

RULE = Rule(
    id="report.phi-to-processor-without-baa",
    stage="sast",
    title="PHI sent to a service that signs no HIPAA business associate agreement",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    cwe=("CWE-359",),
    owasp=("A04:2021",),
    description=("Protected health information reaches an outside service (analytics, LLM API, e-mail, error "
                 "tracking) whose vendor does not sign a business associate agreement. Under HIPAA a covered "
                 "entity may disclose PHI to a business associate only under a BAA (45 CFR 164.308(b)(1), "
                 "164.314(a)): with no BAA path, every such call is an impermissible disclosure."),
    remediation=("Stop sending PHI to this service: remove the identifiers and health data from the payload "
                 "(send an opaque id), or move to a vendor or product tier that signs a BAA, sign it, then "
                 "record it in the vendor inventory."),
    references=("https://www.hhs.gov/hipaa/for-professionals/covered-entities/sample-business-associate-agreement-provisions/index.html",
                "https://www.hhs.gov/hipaa/for-professionals/privacy/guidance/hipaa-online-tracking/index.html"),
    tags=("hipaa-164.308(b)(1)", "hipaa-164.314(a)"),
)
HIPAA_SECTIONS = ("164.308(b)(1)", "164.308(b)(3)")
"""The catalog's business associate safeguards (164.314(a) spells out the contract they require)."""


@dataclass(frozen=True, slots=True)
class Vendor:
    id: str
    name: str
    category: str
    aliases: tuple[str, ...]
    detectors: tuple[str, ...]
    baa: BaaPath
    baa_how: str
    dpa: str
    checked: str
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AgreementRow:
    """One outside service the app sends data to, and what it needs."""

    service: str
    """The vendor's name, or the service as the code names it when the vendor file does not know it."""
    category: str
    phi: bool | None
    """True: a taint path carries PHI there; False: SAST traced the call and no PHI reaches it;
    None: only the SDK was seen (what it receives is not known)."""
    pii: bool | None
    code_paths: tuple[str, ...]
    path_count: int
    seen_by: tuple[str, ...]
    """``sast`` (a call site), ``profile`` (an SDK in a manifest)."""
    vendor: Vendor | None
    flows: tuple[str, ...] = ()
    """Fingerprints of the SAST findings whose taint path ends at this service."""
    key: str = field(default="", compare=False)

    @property
    def baa(self) -> BaaPath:
        return self.vendor.baa if self.vendor else "unknown"

    @property
    def needs(self) -> tuple[str, ...]:
        """The agreements this row needs: BAA when PHI reaches it, DPA when personal data does;
        ``BAA?``/``DPA?`` when only the SDK was seen (needed as soon as such data is sent)."""
        out: list[str] = []
        if self.phi:
            out.append("BAA")
        elif self.phi is None:
            out.append("BAA?")
        if self.phi or self.pii:
            out.append("DPA")
        elif self.pii is None or self.phi is None:
            out.append("DPA?")
        return tuple(out)

    @property
    def without_baa(self) -> bool:
        """PHI reaches a service whose vendor has no BAA path at all."""
        return bool(self.phi) and self.baa == "no"

    @property
    def to_verify(self) -> bool:
        """PHI reaches a service whose BAA path is partial (some products) or not known: someone
        must confirm the agreement covers this use before it is relied on."""
        return bool(self.phi) and self.baa in ("partial", "unknown")

    def to_json(self) -> dict[str, Any]:
        v = self.vendor
        return {"service": self.service, "category": self.category, "phi": self.phi, "pii": self.pii,
                "code_paths": list(self.code_paths), "path_count": self.path_count, "seen_by": list(self.seen_by),
                "needs": list(self.needs), "baa": self.baa, "baa_how": v.baa_how if v else "",
                "dpa": v.dpa if v else "unknown", "checked": v.checked if v else "",
                "sources": list(v.sources) if v else [], "flows": list(self.flows)}


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


_GENERIC = {"llm-http": "llm-api", "llm-api-configured-endpoint": "llm-api", "llm-api": "llm-api"}
"""An LLM endpoint read from configuration (SAST) and the profile's "LLM API over HTTP" are one
unnamed service: one row."""


def _row_key(name: str) -> str:
    key = _key(name)
    return _GENERIC.get(key, key)


@cache
def vendors() -> tuple[Vendor, ...]:
    """The vendor file, validated (a bad entry is a bug in the package, so it raises)."""
    data = tomllib.loads(files("pulsecheck.agreements").joinpath("vendors.toml").read_text("utf-8"))
    out: list[Vendor] = []
    for raw in data.get("vendor", ()):
        baa = str(raw["baa"])
        if baa not in _BAA_VALUES:
            raise ValueError(f"vendors.toml: {raw.get('id')}: baa must be one of {_BAA_VALUES}, not {baa!r}")
        out.append(Vendor(id=str(raw["id"]), name=str(raw["name"]), category=str(raw["category"]),
                          aliases=tuple(_key(a) for a in (raw["id"], *raw.get("aliases", ()))),
                          detectors=tuple(str(d) for d in raw.get("detectors", ())), baa=baa,  # type: ignore[arg-type]
                          baa_how=str(raw["baa_how"]), dpa=str(raw["dpa"]), checked=str(raw["checked"]),
                          sources=tuple(str(s) for s in raw.get("sources", ()))))
    return tuple(out)


@cache
def _by_alias() -> dict[str, Vendor]:
    return {alias: v for v in vendors() for alias in v.aliases}


@cache
def _by_detector() -> dict[str, Vendor]:
    return {d: v for v in vendors() for d in v.detectors}


def vendor_for(service: str) -> Vendor | None:
    """The vendor a processor name stands for (``OpenAI``, ``openai``, ``google_analytics``...)."""
    return _by_alias().get(_key(service))


def processors_of(stages: Iterable[StageResult]) -> list[Mapping[str, Any]]:
    """Every stage's ``facts["processors"]`` (the SAST stage publishes them), malformed entries dropped."""
    out: list[Mapping[str, Any]] = []
    for s in stages:
        facts = s.outcome.facts if isinstance(s.outcome, Completed) else {}
        items = facts.get("processors") if isinstance(facts, Mapping) else None
        if isinstance(items, list | tuple):
            out.extend(p for p in items if isinstance(p, Mapping) and isinstance(p.get("service"), str)
                       and p.get("service"))
    return out


def sdk_services(profile: Mapping[str, Any]) -> list[tuple[str, str, str, Vendor | None]]:
    """(detector id, name, evidence path, vendor) for each outside-service SDK the profile saw."""
    stack = profile.get("stack") if isinstance(profile, Mapping) else None
    if not isinstance(stack, Mapping):
        return []
    out = []
    for group, items in stack.items():
        if not isinstance(items, list):
            continue
        for item in items:
            if not isinstance(item, Mapping) or not isinstance(item.get("id"), str):
                continue
            vendor = _by_detector().get(item["id"])
            if vendor is not None or group in _SDK_GROUPS:
                out.append((item["id"], str(item.get("name") or item["id"]), str(item.get("evidence") or ""), vendor))
    return out


@dataclass
class _Acc:
    service: str
    category: str
    vendor: Vendor | None
    phi: bool | None = None
    pii: bool | None = None
    paths: dict[str, None] = field(default_factory=dict)
    seen_by: dict[str, None] = field(default_factory=dict)
    flows: dict[str, None] = field(default_factory=dict)


def agreement_rows(processors: Sequence[Mapping[str, Any]], profile: Mapping[str, Any]) -> list[AgreementRow]:
    """One row per outside service: SAST processors first (they say what reaches the service),
    then SDKs only the profile saw; PHI rows first, then PII, then the rest."""
    acc: dict[str, _Acc] = {}
    for p in processors:
        service = str(p["service"])
        vendor = vendor_for(service)
        key = vendor.id if vendor else _row_key(service)
        category = str(p.get("category") or (vendor.category if vendor else "other"))
        row = acc.setdefault(key, _Acc(vendor.name if vendor else service, vendor.category if vendor else category,
                                       vendor))
        row.phi = bool(row.phi) or bool(p.get("phi"))
        row.pii = bool(row.pii) or bool(p.get("pii"))
        row.seen_by["sast"] = None
        for loc in p.get("locations") or ():
            row.paths[str(loc)] = None
        for fp in p.get("flows") or ():
            row.flows[str(fp)] = None
    for det, name, evidence, vendor in sdk_services(profile):
        key = vendor.id if vendor else _row_key(det)
        row = acc.setdefault(key, _Acc(vendor.name if vendor else name, vendor.category if vendor else "llm"
                                       if det in _llm_ids(profile) else "other", vendor))
        row.seen_by["profile"] = None
        if evidence and "sast" not in row.seen_by:
            row.paths[evidence] = None
    rows = [AgreementRow(service=a.service, category=a.category, phi=a.phi, pii=a.pii,
                         code_paths=tuple(list(a.paths)[:_MAX_PATHS]), path_count=len(a.paths),
                         seen_by=tuple(a.seen_by), vendor=a.vendor, flows=tuple(a.flows), key=k)
            for k, a in acc.items()]
    rows.sort(key=lambda r: (not r.phi, not r.pii, r.phi is None, r.category, r.service.lower()))
    return rows


def _llm_ids(profile: Mapping[str, Any]) -> set[str]:
    stack = profile.get("stack") if isinstance(profile, Mapping) else None
    items = stack.get("llm") if isinstance(stack, Mapping) else None
    return {str(i.get("id")) for i in items or () if isinstance(i, Mapping)}


def _location(path_line: str) -> FileLocation:
    path, sep, line = path_line.rpartition(":")
    if sep and line.isdigit() and path:
        return FileLocation(path=path, line=int(line))
    return FileLocation(path=path_line)


def agreement_findings(rows: Sequence[AgreementRow]) -> list[Finding]:
    """A finding per service that PHI reaches and whose vendor signs no BAA."""
    out: list[Finding] = []
    for row in rows:
        if not row.without_baa or not row.code_paths:
            continue
        vendor = row.vendor
        assert vendor is not None  # without_baa implies a known vendor with baa == "no"
        more = f" (and {row.path_count - 1} more call site(s))" if row.path_count > 1 else ""
        out.append(Finding.from_rule(
            RULE,
            message=(f"PHI reaches {vendor.name} ({row.category}) at {row.code_paths[0]}{more}; "
                     f"{vendor.baa_how} (checked {vendor.checked})."),
            location=_location(row.code_paths[0]),
            identity=f"processor:{vendor.id}",
            hipaa=HIPAA_SECTIONS,
            gdpr=("Art. 28", "Art. 32"),
            properties={"service": vendor.id, "category": row.category, "code_paths": list(row.code_paths),
                        "path_count": row.path_count, "flows": list(row.flows), "baa": vendor.baa,
                        "vendor_sources": list(vendor.sources), "checked": vendor.checked},
        ))
    return out


def findings_for(stages: Sequence[StageResult], profile: Mapping[str, Any]) -> list[Finding]:
    """What the engine adds once the stages ended: the agreement findings of this audit."""
    ran = [s for s in stages if isinstance(s.outcome, Completed | Errored)]
    return agreement_findings(agreement_rows(processors_of(ran), profile))
