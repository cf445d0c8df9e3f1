"""``--format defectdojo``: DefectDojo's "Generic Findings Import" JSON.

Import it in DefectDojo as scan type *Generic Findings Import* (UI, or ``/api/v2/import-scan/``
and ``reimport-scan/``). Every finding carries our fingerprint as ``unique_id_from_tool`` and
the rule id as ``vuln_id_from_tool``: set the test type's deduplication to "unique_id_from_tool"
(or "unique_id_from_tool_or_hash_code") so a re-import matches findings by our identity (rule +
location identity + stage identity, never a line number) and closes exactly those that are gone.

DefectDojo merges findings that share a unique id, so each of our fingerprints appears once:
findings of one fingerprint (one file's PHI found in several commits) are one entry, at their
highest severity, with every place listed and the occurrences summed. Fields are only those of
the generic format (title, severity in DefectDojo's casing, description, mitigation, impact,
references, date, cwe, file_path, line, endpoints, component_name/version, vulnerability_ids,
param, static/dynamic_finding, nb_occurences, tags, unique_id_from_tool, vuln_id_from_tool):
an unknown key makes DefectDojo reject the whole file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from pulsecheck.model import FileLocation, Finding, HostLocation, Report, UrlLocation
from pulsecheck.summary import sorted_findings
from pulsecheck.textsafe import escape_surrogates

SEVERITY = {"critical": "Critical", "high": "High", "medium": "Medium", "low": "Low", "info": "Info"}
DYNAMIC_STAGES = frozenset({"dast", "recon"})
_CWE = re.compile(r"^CWE-(\d{1,6})$")
_VULN_ID = re.compile(r"^(?:CVE-\d{4}-\d{4,}|GHSA(?:-[23456789cfghjmpqrvwx]{4}){3}|PYSEC-\d{4}-\d+|[A-Z]{2,10}-\d{4}-\d+)$")
MAX_PLACES = 50


def _cwe(f: Finding) -> int | None:
    for c in f.cwe:
        if m := _CWE.match(c.strip().upper()):
            return int(m.group(1))
    return None


def _endpoint(f: Finding) -> dict[str, Any] | None:
    loc = f.location
    if isinstance(loc, UrlLocation):
        parts = urlsplit(loc.url)
        out: dict[str, Any] = {"protocol": parts.scheme or None, "host": parts.hostname or "",
                               "port": _port(parts), "path": (loc.route or parts.path or "/").lstrip("/") or None}
        return {k: v for k, v in out.items() if v not in (None, "")}
    if isinstance(loc, HostLocation):
        return {k: v for k, v in {"host": loc.host, "port": loc.port}.items() if v is not None}
    return None


def _port(parts: Any) -> int | None:
    try:
        port = parts.port
    except ValueError:
        return None
    return int(port) if port is not None else None


def _description(group: Sequence[Finding], report: Report) -> str:
    f = group[0]
    lines = [f.message, "", f"**Rule:** `{f.rule_id}` ({f.stage}), confidence {f.confidence.value}",
             f"**Fingerprint:** `{f.fingerprint}`"]
    places = list(dict.fromkeys(g.location.display() for g in group))
    lines.append(f"**Location:** {places[0]}" if len(places) == 1 else "**Locations:**")
    if len(places) > 1:
        lines += [f"- {p}" for p in places[:MAX_PLACES]]
        if len(places) > MAX_PLACES:
            lines.append(f"- ... and {len(places) - MAX_PLACES} more")
    evidence = f.evidence.summary()
    if evidence:
        lines += ["", "**Evidence (redacted):**", "```", evidence[:4000], "```"]
    flow = f.properties.get("flow") if hasattr(f.properties, "get") else None
    if isinstance(flow, Sequence) and flow:
        lines += ["", "**Data flow:**"] + [
            f"{i}. {s.get('path')}:{s.get('line')} {s.get('note', '')}".rstrip()
            for i, s in enumerate(flow[:30], 1) if hasattr(s, "get")]
    if report.target_revision:
        lines += ["", f"Audited revision `{report.target_revision}`."]
    return "\n".join(lines)


def _impact(f: Finding) -> str:
    parts = []
    if f.hipaa:
        parts.append("HIPAA Security Rule: " + ", ".join(f.hipaa))
    if f.gdpr:
        parts.append("GDPR: " + ", ".join(f.gdpr))
    if f.owasp:
        parts.append("OWASP Top 10: " + ", ".join(f.owasp))
    return "\n".join(parts)


def _vulnerability_ids(f: Finding) -> list[str]:
    props = f.properties
    ids: list[str] = []
    for key in ("primary_id", "advisory_ids", "aliases"):
        value = props.get(key) if hasattr(props, "get") else None
        for v in ([value] if isinstance(value, str) else value if isinstance(value, Sequence) else ()):
            if isinstance(v, str) and _VULN_ID.match(v) and v not in ids:
                ids.append(v)
    return ids


def finding_entry(group: Sequence[Finding], report: Report) -> dict[str, Any]:
    """One DefectDojo finding for the findings of one fingerprint (most severe first)."""
    f = group[0]
    rule = report.rules.get(f.rule_id)
    out: dict[str, Any] = {
        "title": f.title[:500],
        "severity": SEVERITY[f.severity.value],
        "description": _description(group, report),
        "mitigation": f.remediation,
        "impact": _impact(f),
        "references": "\n".join(rule.references) if rule else "",
        "date": report.finished_at.date().isoformat(),
        "unique_id_from_tool": f.fingerprint,
        "vuln_id_from_tool": f.rule_id,
        "static_finding": f.stage not in DYNAMIC_STAGES,
        "dynamic_finding": f.stage in DYNAMIC_STAGES,
        "nb_occurences": sum(g.occurrence_count for g in group),
        "tags": ["pulsecheck", f.stage],
    }
    if (cwe := _cwe(f)) is not None:
        out["cwe"] = cwe
    if isinstance(f.location, FileLocation):
        out["file_path"] = f.location.path
        if f.location.line is not None:
            out["line"] = f.location.line
    elif (endpoint := _endpoint(f)) is not None:
        out["endpoints"] = [endpoint]
        if isinstance(f.location, UrlLocation) and f.location.parameter:
            out["param"] = f.location.parameter
    props = f.properties
    if hasattr(props, "get") and isinstance(props.get("package"), str):
        out["component_name"] = props["package"]
        if isinstance(props.get("version"), str):
            out["component_version"] = props["version"]
    if ids := _vulnerability_ids(f):
        out["vulnerability_ids"] = ids
    return out


def _clean(value: Any) -> Any:
    """Undecodable bytes of file names (lone surrogates) as visible ``\\xff``, so the file is UTF-8."""
    if isinstance(value, str):
        return escape_surrogates(value)
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _narrowed(report: Report) -> str:
    if not report.config_effects:
        return ""
    lines = [f"{e.setting} = {e.value} from {e.source}: hid {e.hidden} finding(s)" for e in report.config_effects]
    return "\nSettings that narrowed this audit: " + "; ".join(lines)


def to_dict(report: Report) -> dict[str, Any]:
    groups: dict[str, list[Finding]] = {}
    for f in sorted_findings(report):  # most severe first, so a group's head is its worst
        groups.setdefault(f.fingerprint, []).append(f)
    dynamic = any(s.name in DYNAMIC_STAGES and s.status != "skipped" for s in report.stages)
    return {
        "name": "pulsecheck",
        "type": "pulsecheck",
        "version": report.tool_version,
        "description": f"pulsecheck audit {report.run_id}" + (
            f" of {report.targets.path}" if report.targets.path else "") + _narrowed(report),
        "static_tool": True,
        "dynamic_tool": dynamic,
        "findings": [finding_entry(g, report) for g in groups.values()],
    }


def render(report: Report) -> str:
    return json.dumps(_clean(to_dict(report)), indent=2, ensure_ascii=False) + "\n"


__all__ = ["SEVERITY", "finding_entry", "render", "to_dict"]
