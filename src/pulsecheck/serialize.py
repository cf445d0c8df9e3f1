"""The report's JSON form, both directions, in the model layer.

``report_to_dict`` is what ``--format json`` writes (its shape is fixed by
``reporters/schemas/report.schema.json``); ``report_from_dict`` reads one back, so the history
store and users' tooling never import a reporter. Fields are only ever added within a major
``schema_version``: a report written by 1.0 still reads (its missing fields take defaults).

What the JSON does not carry is not invented on the way back: a stage's traceback and its raw
(pre-policy) findings are not in the report, so a read-back stage holds the reported findings
of that stage; and a finding's ``identity`` (for secrets a salted hash of the value) is never
written, so a read-back finding keeps the fingerprint the file names (``pinned_fingerprint``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pulsecheck.evidence import (
    CodeRegion,
    Evidence,
    HttpExchange,
    HttpRequestExcerpt,
    HttpResponseExcerpt,
    PortObservation,
    TextEvidence,
    TlsObservation,
)
from pulsecheck.frozen import thaw
from pulsecheck.model import (
    Completed,
    Confidence,
    ConfigEffect,
    Errored,
    Finding,
    Occurrence,
    Outcome,
    Report,
    Rule,
    SafeguardStatus,
    Severity,
    Skipped,
    StageResult,
    Targets,
    location_from_json,
)
from pulsecheck.summary import (
    SEVERITIES_DESC,
    count_by_stage,
    gdpr_articles,
    sorted_findings,
    stage_gaps,
    stage_notes,
    stage_reason,
)

SCHEMA_VERSION = "1.1"
"""Major bumps on an incompatible change; minor when a field is added (1.1: run metadata,
typed evidence, occurrences, URL routes, config effects, rules, partially-assessed)."""


# --- evidence -------------------------------------------------------------------------------


def evidence_to_dict(evidence: Evidence) -> dict[str, Any]:
    if isinstance(evidence, TextEvidence):
        return {"kind": "text", "excerpt": str(evidence)}
    if isinstance(evidence, HttpExchange):
        out: dict[str, Any] = {"kind": "http", "request": {
            "method": evidence.request.method, "url": evidence.request.url,
            "headers": [list(h) for h in evidence.request.headers], "body": evidence.request.body}}
        if evidence.response is not None:
            out["response"] = {"status": evidence.response.status,
                               "headers": [list(h) for h in evidence.response.headers],
                               "body": evidence.response.body}
        return out
    return dataclasses.asdict(evidence)


def evidence_from_dict(data: Mapping[str, Any] | str) -> Evidence:
    if isinstance(data, str):
        return TextEvidence(data)
    kind = data.get("kind")
    if kind == "http":
        req = data["request"]
        request = HttpRequestExcerpt(method=str(req["method"]), url=str(req["url"]),
                                     headers=tuple((str(k), str(v)) for k, v in req.get("headers", ())),
                                     body=str(req.get("body", "")))
        resp = data.get("response")
        response = None if resp is None else HttpResponseExcerpt(
            status=int(resp["status"]), headers=tuple((str(k), str(v)) for k, v in resp.get("headers", ())),
            body=str(resp.get("body", "")))
        return HttpExchange(request=request, response=response)
    fields = {k: v for k, v in data.items() if k != "kind"}
    if kind == "code":
        return CodeRegion(**fields)
    if kind == "tls":
        return TlsObservation(**fields)
    if kind == "port":
        return PortObservation(**fields)
    return TextEvidence(str(data.get("excerpt", "")))


# --- findings -------------------------------------------------------------------------------


def finding_to_dict(f: Finding) -> dict[str, Any]:
    """The Finding JSON of ARCHITECTURE.md: ``evidence`` stays a one-line string (what 1.0
    readers expect); a structured evidence adds ``evidence_detail``."""
    out: dict[str, Any] = {
        "rule_id": f.rule_id,
        "stage": f.stage,
        "title": f.title,
        "severity": f.severity.value,
        "confidence": f.confidence.value,
        "message": f.message,
        "location": f.location.to_json(),
        "evidence": f.evidence.summary(),
        "cwe": list(f.cwe),
        "owasp": list(f.owasp),
        "hipaa": list(f.hipaa),
        "gdpr": list(f.gdpr),
        "remediation": f.remediation,
        "fingerprint": f.fingerprint,
        "properties": thaw(f.properties),
        "occurrence_count": f.occurrence_count,
        "occurrences": [_occurrence(o) for o in f.occurrences],
    }
    if not isinstance(f.evidence, TextEvidence):
        out["evidence_detail"] = evidence_to_dict(f.evidence)
    return out


def _occurrence(o: Occurrence) -> dict[str, Any]:
    out: dict[str, Any] = {"line": o.line}
    if o.path is not None:
        out["path"] = o.path
    if o.commit is not None:
        out["commit"] = o.commit
    return out


def finding_from_dict(data: Mapping[str, Any]) -> Finding:
    detail = data.get("evidence_detail")
    return Finding(
        rule_id=str(data["rule_id"]), stage=str(data["stage"]), title=str(data["title"]),
        severity=Severity(data["severity"]), confidence=Confidence(data["confidence"]),
        message=str(data["message"]), location=location_from_json(data["location"]),
        evidence=evidence_from_dict(detail if detail is not None else str(data.get("evidence", ""))),
        cwe=tuple(data.get("cwe", ())), owasp=tuple(data.get("owasp", ())),
        hipaa=tuple(data.get("hipaa", ())), gdpr=tuple(data.get("gdpr", ())),
        remediation=str(data.get("remediation", "")), pinned_fingerprint=str(data.get("fingerprint", "")),
        properties=data.get("properties") or {},
        occurrences=tuple(Occurrence(line=o.get("line"), path=o.get("path"), commit=o.get("commit"))
                          for o in data.get("occurrences", ())),
        occurrence_count=data.get("occurrence_count"),
    )


# --- stages, compliance, rules, effects ------------------------------------------------------


def stage_to_dict(s: StageResult) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": s.name,
        "status": s.status,
        "duration_s": round(s.duration_s, 3),
        "error": stage_reason(s) if s.status == "errored" else None,
        # A skip reason is a note: the stage chose not to look, nothing failed.
        "notes": ([r] if s.status == "skipped" and (r := stage_reason(s)) else []) + list(stage_notes(s)),
        "gaps": list(stage_gaps(s)),
    }
    kind = getattr(s.outcome, "kind", None)
    if isinstance(s.outcome, Errored) and isinstance(kind, str):
        out["error_kind"] = kind
    return out


def stage_from_dict(data: Mapping[str, Any], findings: tuple[Finding, ...],
                    facts: Mapping[str, Any]) -> StageResult:
    status = data["status"]
    notes = tuple(data.get("notes", ()))
    gaps = tuple(data.get("gaps", ()))
    outcome: Outcome
    if status == "skipped":
        outcome = Skipped(reason=notes[0] if notes else "skipped")
    elif status == "errored":
        extra: dict[str, Any] = {"notes": notes, "gaps": gaps, "kind": data.get("error_kind")}
        known = {f.name for f in dataclasses.fields(Errored)}
        outcome = Errored(reason=str(data.get("error") or ""), findings=findings,
                          **{k: v for k, v in extra.items() if k in known and v})
    else:
        outcome = Completed(findings=findings, facts=facts, notes=notes, gaps=gaps)
    return StageResult(name=str(data["name"]), outcome=outcome, duration_s=float(data["duration_s"]))


def safeguard_to_dict(c: SafeguardStatus) -> dict[str, Any]:
    return {"section": c.section, "standard": c.standard, "implementation_spec": c.implementation_spec,
            "status": c.status, "findings": list(c.fingerprints),
            "finding_count": c.finding_count or len(c.fingerprints), "assessed_by": list(c.assessed_by)}


def safeguard_from_dict(data: Mapping[str, Any]) -> SafeguardStatus:
    fps = tuple(data.get("findings", ()))
    return SafeguardStatus(section=str(data["section"]), standard=str(data["standard"]),
                           implementation_spec=str(data["implementation_spec"]), status=data["status"],
                           fingerprints=fps, finding_count=int(data.get("finding_count", len(fps))),
                           assessed_by=tuple(data.get("assessed_by", ())))


def rule_to_dict(r: Rule) -> dict[str, Any]:
    return {"id": r.id, "stage": r.stage, "title": r.title, "severity": r.severity.value,
            "confidence": r.confidence.value, "cwe": list(r.cwe), "owasp": list(r.owasp),
            "description": r.description, "remediation": r.remediation,
            "references": list(r.references), "tags": list(r.tags)}


def rule_from_dict(data: Mapping[str, Any]) -> Rule:
    return Rule(id=str(data["id"]), stage=str(data["stage"]), title=str(data["title"]),
                severity=Severity(data["severity"]), confidence=Confidence(data["confidence"]),
                cwe=tuple(data.get("cwe", ())), owasp=tuple(data.get("owasp", ())),
                description=str(data.get("description", "")), remediation=str(data.get("remediation", "")),
                references=tuple(data.get("references", ())), tags=tuple(data.get("tags", ())))


def config_effect_to_dict(e: ConfigEffect) -> dict[str, Any]:
    return {"kind": e.kind, "setting": e.setting, "value": e.value, "source": e.source, "hidden": e.hidden}


def config_effect_from_dict(data: Mapping[str, Any]) -> ConfigEffect:
    return ConfigEffect(kind=data["kind"], setting=str(data["setting"]), value=str(data["value"]),
                        source=str(data["source"]), hidden=int(data.get("hidden", 0)))


# --- the report -----------------------------------------------------------------------------


def report_to_dict(report: Report) -> dict[str, Any]:
    """The report as plain JSON data (what ``--format json`` writes)."""
    by_severity = report.count_by_severity()
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "pulsecheck", "version": report.tool_version},
        "run": {"run_id": report.run_id, "target_revision": report.target_revision,
                "settings_digest": report.settings_digest, "databases": thaw(report.databases)},
        "targets": {"path": report.targets.path, "urls": list(report.targets.urls),
                    "hosts": list(report.targets.hosts)},
        "started_at": report.started_at.isoformat(),
        "finished_at": report.finished_at.isoformat(),
        "stages": [stage_to_dict(s) for s in report.stages],
        "profile": thaw(report.profile),
        "findings": [finding_to_dict(f) for f in sorted_findings(report)],
        "suppressed": report.suppressed,
        "config_effects": [config_effect_to_dict(e) for e in report.config_effects],
        "inputs": thaw(report.inputs),
        "compliance": {
            "hipaa": [safeguard_to_dict(c) for c in report.compliance],
            "gdpr": [{"article": a, "findings": list(dict.fromkeys(f.fingerprint for f in fs)),
                      "finding_count": len(fs)} for a, fs in gdpr_articles(report).items()],
        },
        "summary": {
            "total": len(report.findings),
            "by_severity": {s.value: by_severity[s] for s in SEVERITIES_DESC},
            "by_stage": count_by_stage(report),
        },
        "rules": {rid: rule_to_dict(r) for rid, r in sorted(report.rules.items())},
        "warnings": list(report.warnings),
        # The store's view (trend, first seen): only when a store was used, so reports without
        # one keep their 1.1 shape.
        **({"history": thaw(report.history)} if report.history else {}),
    }


def report_from_dict(data: Mapping[str, Any]) -> Report:
    """A Report from its JSON form (any 1.x version; validate first with ``load_report``)."""
    findings = tuple(finding_from_dict(f) for f in data.get("findings", ()))
    profile = data.get("profile") or {}
    stages = tuple(
        stage_from_dict(s, tuple(f for f in findings if f.stage == s["name"]),
                        profile if s["name"] == "profile" else {})
        for s in data.get("stages", ()))
    run = data.get("run") or {}
    targets = data.get("targets") or {}
    extra = {"run_id": run["run_id"]} if run.get("run_id") else {}
    return Report(
        targets=Targets(path=targets.get("path"), urls=tuple(targets.get("urls", ())),
                        hosts=tuple(targets.get("hosts", ()))),
        started_at=datetime.fromisoformat(data["started_at"]),
        finished_at=datetime.fromisoformat(data["finished_at"]),
        stages=stages, findings=findings, suppressed=int(data.get("suppressed", 0)), profile=profile,
        compliance=tuple(safeguard_from_dict(c) for c in (data.get("compliance") or {}).get("hipaa", ())),
        tool_version=str((data.get("tool") or {}).get("version", "")),
        warnings=tuple(data.get("warnings", ())),
        rules={rid: rule_from_dict(r) for rid, r in (data.get("rules") or {}).items()},
        config_effects=tuple(config_effect_from_dict(e) for e in data.get("config_effects", ())),
        target_revision=run.get("target_revision"), settings_digest=str(run.get("settings_digest", "")),
        databases=run.get("databases") or {}, inputs=data.get("inputs") or {},
        history=data.get("history") or {}, **extra,
    )


__all__ = ["SCHEMA_VERSION", "evidence_from_dict", "evidence_to_dict", "finding_from_dict",
           "finding_to_dict", "report_from_dict", "report_to_dict"]
