"""Building DAST findings: location, redacted evidence, curl line, ZAP id."""

from __future__ import annotations

from typing import Any

import httpx

from pulsecheck import webchecks
from pulsecheck.evidence import redact_url
from pulsecheck.model import Confidence, Finding, Severity, UrlLocation, route_template
from pulsecheck.stages.dast.rules import rule, zap_ids


def finding(rule_id: str, response: httpx.Response, *, message: str, parameter: str | None = None,
            parameter_in: Any = None, route: str | None = None, method: str | None = None,
            identity: str = "", properties: dict[str, Any] | None = None, severity: Severity | None = None,
            confidence: Confidence | None = None, url: str | None = None) -> Finding:
    r = rule(rule_id)
    evidence, http = webchecks.http_evidence(response)
    raw_url = url or str(response.request.url)
    target_url = redact_url(raw_url)
    loc = UrlLocation(target_url, (method or response.request.method).upper(), parameter,
                      route or route_template(raw_url), parameter_in)
    props: dict[str, Any] = {"zap_id": zap_ids().get(rule_id, ""), "http": http, "urls": [target_url]}
    props.update(properties or {})
    kwargs: dict[str, Any] = {}
    if severity is not None:
        kwargs["severity"] = severity
    if confidence is not None:
        kwargs["confidence"] = confidence
    return Finding.from_rule(r, message=message, location=loc, evidence=evidence, identity=identity,
                             properties=props, **kwargs)
