"""SARIF 2.1.0 for GitHub code scanning and every other SARIF consumer.

GitHub reads the rule's ``security-severity`` and ``tags``, the result's
``partialFingerprints`` (to track an alert across commits) and file URIs relative to the
checkout (``%SRCROOT%``); those are filled with care. URL and host findings have no file:
they carry the URL (or a ``tcp://host:port`` URI) as artifact plus a logical location.
An aggregated finding's occurrences become ``relatedLocations`` (every one kept, the total in
``properties.occurrence_count``); HTTP evidence becomes ``webRequest``/``webResponse``. A file
name that is not UTF-8 is percent-encoded from its original bytes (``bad%FF.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from pulsecheck.frozen import thaw
from pulsecheck.model import (
    FileLocation,
    Finding,
    HostLocation,
    HttpExchange,
    Occurrence,
    Report,
    Rule,
    TextEvidence,
    UrlLocation,
)
from pulsecheck.reporters.common import describe_effect, dumps, sorted_findings, stage_gaps, stage_reason
from pulsecheck.reporters.sarif_rules import LEVEL, SECURITY_SEVERITY, sarif_rule

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://pypi.org/project/pulsecheck/"
FINGERPRINT_KEY = "pulsecheck/v1"



def render(report: Report) -> str:
    return dumps(to_sarif(report))


def to_sarif(report: Report) -> dict[str, Any]:
    findings = sorted_findings(report)
    rules = _rules(report, findings)
    index = {rule.id: i for i, rule in enumerate(rules)}
    root = _repo_root(report)
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "pulsecheck",
                "version": report.tool_version or "0",
                "informationUri": INFORMATION_URI,
                "rules": [sarif_rule(r, [f for f in findings if f.rule_id == r.id]) for r in rules],
            }
        },
        "invocations": [_invocation(report)],
        "columnKind": "unicodeCodePoints",
        "results": [_result(f, index[f.rule_id], root) for f in findings],
        "properties": {"suppressed": report.suppressed, "run_id": report.run_id,
                       "config_effects": [
                           {"kind": e.kind, "setting": e.setting, "value": e.value, "source": e.source,
                            "hidden": e.hidden} for e in report.config_effects]},
    }
    if len(report.run_id) == 32:
        r = report.run_id
        run["automationDetails"] = {"guid": f"{r[:8]}-{r[8:12]}-{r[12:16]}-{r[16:20]}-{r[20:]}"}
    if report.target_revision:
        run["versionControlProvenance"] = [{"repositoryUri": _dir_uri(root) if root else "file:///",
                                            "revisionId": report.target_revision}]
    if root is not None:
        run["originalUriBaseIds"] = {"%SRCROOT%": {"uri": _dir_uri(root)}}
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def _rules(report: Report, findings: list[Finding]) -> list[Rule]:
    """Metadata of every rule with a finding; synthesized from the finding when missing."""
    out: dict[str, Rule] = {}
    for f in findings:
        if f.rule_id in out:
            continue
        out[f.rule_id] = report.rules.get(f.rule_id) or Rule(
            id=f.rule_id, stage=f.stage, title=f.title, severity=f.severity, confidence=f.confidence,
            cwe=f.cwe, owasp=f.owasp, remediation=f.remediation,
        )
    return sorted(out.values(), key=lambda r: r.id)


def _result(f: Finding, rule_index: int, root: PurePosixPath | None) -> dict[str, Any]:
    props: dict[str, Any] = {
        "severity": f.severity.value,
        "confidence": f.confidence.value,
        "security-severity": SECURITY_SEVERITY[f.severity],
        "stage": f.stage,
        "cwe": list(f.cwe),
        "owasp": list(f.owasp),
        "hipaa": list(f.hipaa),
        "gdpr": list(f.gdpr),
    }
    if isinstance(f.location, FileLocation) and f.location.commit:
        props["commit"] = f.location.commit
    if f.evidence.summary():
        props["evidence"] = f.evidence.summary()
    if f.properties:
        props["details"] = thaw(f.properties)
    result: dict[str, Any] = {
        "ruleId": f.rule_id,
        "ruleIndex": rule_index,
        "level": LEVEL[f.severity],
        "message": {"text": f.message or f.title},
        "locations": [_location(f, root)],
        "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
        "properties": props,
    }
    if f.occurrences:
        props["occurrence_count"] = f.occurrence_count
        result["relatedLocations"] = [_related(f, o, i, root) for i, o in enumerate(f.occurrences, 1)]
    flow = _code_flow(f.properties.get("flow"), root)
    if flow is not None:
        result["codeFlows"] = [flow]
    if isinstance(f.evidence, HttpExchange):
        result.update(_web(f.evidence))
    elif not isinstance(f.evidence, TextEvidence):
        props["evidence_kind"] = f.evidence.kind
    return result


def _code_flow(flow: Any, root: PurePosixPath | None) -> dict[str, Any] | None:
    """``properties["flow"]`` (source first: path, line, column, note) as one SARIF codeFlow."""
    if not isinstance(flow, (list, tuple)) or not flow:
        return None
    steps: list[dict[str, Any]] = []
    for step in flow:
        if not isinstance(step, Mapping) or not isinstance(step.get("path"), str):
            continue
        physical: dict[str, Any] = {"artifactLocation": _artifact(step["path"], root)}
        line, column = step.get("line"), step.get("column")
        if isinstance(line, int) and line >= 1:
            physical["region"] = {"startLine": line, **({"startColumn": column}
                                                        if isinstance(column, int) and column >= 1 else {})}
        location: dict[str, Any] = {"physicalLocation": physical}
        if step.get("note"):
            location["message"] = {"text": str(step["note"])[:500]}
        steps.append({"location": location, "nestingLevel": 0, "executionOrder": len(steps) + 1})
    if not steps:
        return None
    return {"threadFlows": [{"locations": steps}]}


def _related(f: Finding, o: Occurrence, i: int, root: PurePosixPath | None) -> dict[str, Any]:
    """One occurrence of an aggregated finding as a SARIF related location."""
    path = o.path or (f.location.path if isinstance(f.location, FileLocation) else None)
    text = f"occurrence {i} of {f.occurrence_count}" + (f" (commit {o.commit[:12]})" if o.commit else "")
    out: dict[str, Any] = {"id": i, "message": {"text": text}}
    if path is not None:
        physical: dict[str, Any] = {"artifactLocation": _artifact(path, root)}
        if o.line is not None and o.line >= 1:
            physical["region"] = {"startLine": o.line}
        out["physicalLocation"] = physical
    return out


def _web(ex: HttpExchange) -> dict[str, Any]:
    """SARIF's own objects for an HTTP exchange (already redacted by construction)."""
    req = ex.request
    out: dict[str, Any] = {"webRequest": {
        "protocol": "HTTP", "target": _url_uri(req.url), "method": req.method,
        "headers": dict(req.headers), **({"body": {"text": req.body}} if req.body else {})}}
    if ex.response is not None:
        out["webResponse"] = {"protocol": "HTTP", "statusCode": ex.response.status,
                              "headers": dict(ex.response.headers),
                              **({"body": {"text": ex.response.body}} if ex.response.body else {})}
    return out


def _location(f: Finding, root: PurePosixPath | None) -> dict[str, Any]:
    loc = f.location
    if isinstance(loc, FileLocation):
        physical: dict[str, Any] = {"artifactLocation": _artifact(loc.path, root)}
        if loc.line is not None and loc.line >= 1:
            region: dict[str, Any] = {"startLine": loc.line}
            if loc.end_line is not None and loc.end_line >= loc.line:
                region["endLine"] = loc.end_line
            if loc.column is not None and loc.column >= 1:
                region["startColumn"] = loc.column
            physical["region"] = region
        return {"physicalLocation": physical}
    if isinstance(loc, UrlLocation):
        logical: dict[str, Any] = {"fullyQualifiedName": loc.display(), "kind": "resource"}
        if loc.parameter:
            logical["name"] = loc.parameter
        return {"physicalLocation": {"artifactLocation": {"uri": _url_uri(loc.url)}},
                "logicalLocations": [logical]}
    assert isinstance(loc, HostLocation)
    uri = f"{_quote(loc.protocol, '')}://{_quote(loc.host, '[]:')}"
    if loc.port is not None:
        uri += f":{loc.port}"
    return {"physicalLocation": {"artifactLocation": {"uri": uri}},
            "logicalLocations": [{"name": loc.display(), "fullyQualifiedName": loc.display(),
                                  "kind": "resource"}]}


def _artifact(path: str, root: PurePosixPath | None) -> dict[str, Any]:
    """A repo-relative URI under %SRCROOT% (percent-encoded); absolute only outside the repo."""
    p = PurePosixPath(path.replace("\\", "/"))
    if p.is_absolute():
        if root is not None and p.is_relative_to(root):
            p = p.relative_to(root)
        else:
            return {"uri": "file://" + _quote(str(p), "/")}
    rel = str(p).removeprefix("./")
    return {"uri": _quote(rel, "/"), "uriBaseId": "%SRCROOT%"}


def _quote(text: str, safe: str) -> str:
    """Percent-encoding of the original bytes: a non-UTF-8 name (surrogateescape) stays exact."""
    return quote(text, safe=safe, errors="surrogateescape")


def _url_uri(url: str) -> str:
    """The URL as a valid URI: its structure kept, only characters a URI cannot hold encoded."""
    parts = urlsplit(url)
    sub_delims = "!$&'()*+,;=%~"
    return urlunsplit((
        _quote(parts.scheme, "+-."),
        _quote(parts.netloc, "[]:@" + sub_delims),
        _quote(parts.path, "/:@" + sub_delims),
        _quote(parts.query, "/?:@" + sub_delims),
        _quote(parts.fragment, "/?:@" + sub_delims),
    ))


def _repo_root(report: Report) -> PurePosixPath | None:
    path = report.targets.path
    if not path:
        return None
    p = PurePosixPath(path.replace("\\", "/"))
    return p if p.is_absolute() else None


def _dir_uri(root: PurePosixPath) -> str:
    return "file://" + quote(str(root).rstrip("/") + "/", safe="/")


def _invocation(report: Report) -> dict[str, Any]:
    notes: list[dict[str, Any]] = []
    for s in report.stages:
        reason = stage_reason(s)
        if s.status == "errored":
            notes.append({"level": "error", "message": {"text": f"stage {s.name} errored: {reason}"}})
        for gap in stage_gaps(s):
            notes.append({"level": "warning", "message": {"text": f"stage {s.name} partial: {gap}"}})
    notes.extend({"level": "warning", "message": {"text": w}} for w in report.warnings)
    notes.extend({"level": "warning", "message": {"text": "setting narrowed the audit: " + describe_effect(e)}}
                 for e in report.config_effects)
    return {
        "executionSuccessful": not any(s.status == "errored" for s in report.stages),
        "startTimeUtc": _utc(report.started_at),
        "endTimeUtc": _utc(report.finished_at),
        "toolExecutionNotifications": notes,
    }


def _utc(moment: datetime) -> str:
    """SARIF wants UTC with a Z; a naive datetime is taken as UTC already."""
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return aware.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
