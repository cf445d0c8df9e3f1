"""Passive HTTP response checks shared by the DAST and recon stages (ZAP baseline parity).

    from pulsecheck.webchecks import ResponseContext, passive_findings, rules, aggregate
    findings = passive_findings(response, stage="recon", context=ResponseContext(authenticated=False))
    report = aggregate(findings)          # one finding per (rule, route template, parameter)

The checks are data (``checks.toml``: id, title, severity, CWE, ZAP id, predicate, scope) plus
one small predicate each (:mod:`.predicates`). They only read the response they are given: no
request is ever sent from here, so the caller's scope and budget stay the only ones.

**Rule ids are stage-specific**: ``<stage>.<check id>`` (``dast.missing-hsts``,
``recon.missing-hsts``), so a report that ran both stages keeps both findings apart and the
compliance mapping (by CWE) stays the same. Every rule's description names its ZAP rule id, and
every finding carries ``properties["zap_id"]``.

**Identity / aggregation**: a check's ``scope`` says how its findings aggregate. ``site``
(a header missing on every page) has route ``/`` and the header name as parameter: one finding
per origin; ``cookie`` one per (route, cookie name); ``route`` one per route template (ids
templated). :func:`aggregate` merges findings with one fingerprint, keeping the example URLs as
occurrences and in ``properties["urls"]``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import httpx

from pulsecheck.evidence import HttpExchange, HttpRequestExcerpt, HttpResponseExcerpt, redact_url
from pulsecheck.model import Confidence, Finding, Occurrence, Rule, Severity, UrlLocation, route_template
from pulsecheck.webchecks.predicates import PREDICATES, ResponseContext, ResponseView, phi_kinds

__all__ = ["Check", "ResponseContext", "ResponseView", "aggregate", "catalog", "curl_line", "http_evidence",
           "passive_findings", "phi_kinds", "rules"]

MAX_URLS = 20
"""Example URLs kept in ``properties["urls"]`` of an aggregated finding."""


@dataclass(frozen=True, slots=True)
class Check:
    id: str
    title: str
    severity: Severity
    cwe: tuple[str, ...]
    zap: str
    predicate: str
    scope: str
    remediation: str
    confidence: Confidence = Confidence.HIGH

    def rule(self, stage: str) -> Rule:
        zap = f" ZAP passive rule {self.zap}." if self.zap else " (no ZAP equivalent)."
        return Rule(id=f"{stage}.{self.id}", stage=stage, title=self.title, severity=self.severity,
                    confidence=self.confidence, cwe=self.cwe, description=self.title + "." + zap,
                    remediation=self.remediation, tags=("web", "passive") + ((f"zap-{self.zap}",) if self.zap else ()))


@cache
def catalog() -> tuple[Check, ...]:
    data = tomllib.loads(resources.files(__package__).joinpath("checks.toml").read_text(encoding="utf-8"))
    out = []
    for c in data["check"]:
        if c["predicate"] not in PREDICATES:
            raise ValueError(f"webchecks: {c['id']}: unknown predicate {c['predicate']}")
        out.append(Check(id=c["id"], title=c["title"], severity=Severity(c["severity"]), cwe=tuple(c["cwe"]),
                         zap=c.get("zap", ""), predicate=c["predicate"], scope=c["scope"],
                         remediation=c.get("remediation", ""),
                         confidence=Confidence(c.get("confidence", "high"))))
    return tuple(out)


def rules(stage: str) -> list[Rule]:
    """The passive rules as ``stage`` reports them (``<stage>.<check id>``)."""
    return [c.rule(stage) for c in catalog()]


def curl_line(request: httpx.Request, body: bytes | None = None) -> str:
    """A curl command reproducing ``request``, credentials redacted."""
    ex = HttpRequestExcerpt(request.method, str(request.url), tuple(request.headers.items()))
    parts = ["curl", "-sk", "-X", request.method]
    skip = {"host", "content-length", "accept-encoding", "connection", "user-agent", "accept"}
    for name, value in ex.headers:
        if name.lower() not in skip:
            parts += ["-H", _sh(f"{name}: {value}")]
    content = body if body is not None else _request_body(request)
    if content:
        parts += ["--data-binary", _sh(HttpRequestExcerpt("POST", "http://x/", (), content.decode("utf-8", "replace")).body)]
    parts.append(_sh(ex.url))
    return " ".join(parts)


def _sh(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def _request_body(request: httpx.Request) -> bytes:
    try:
        return request.content[:4096]
    except httpx.RequestNotRead:
        return b""


def _excerpt(text: str, limit: int = 4096) -> str:
    return text if len(text) <= limit else text[: limit - 14] + " …[truncated]"


def http_evidence(response: httpx.Response) -> tuple[HttpExchange, dict[str, str]]:
    """The redacted exchange (evidence) and ``properties["http"]`` (request, response, curl)."""
    request = response.request
    req = HttpRequestExcerpt(request.method, str(request.url), tuple(request.headers.items()),
                             _request_body(request).decode("utf-8", "replace"))
    body = response.content[:2048].decode("utf-8", "replace")
    resp = HttpResponseExcerpt(response.status_code, tuple(response.headers.multi_items()), body)
    req_text = f"{req.method} {req.url}\n" + "\n".join(f"{k}: {v}" for k, v in req.headers) + (
        f"\n\n{req.body}" if req.body else "")
    resp_text = f"HTTP {resp.status}\n" + "\n".join(f"{k}: {v}" for k, v in resp.headers) + (
        f"\n\n{resp.body}" if resp.body else "")
    return HttpExchange(req, resp), {"request": _excerpt(req_text), "response": _excerpt(resp_text),
                                     "curl": _excerpt(curl_line(request))}


def passive_findings(response: httpx.Response, *, stage: str, context: ResponseContext | None = None,
                     disabled: Iterable[str] = ()) -> list[Finding]:
    """Every passive check's findings on one response (nothing is sent). ``disabled`` takes
    check ids (``missing-hsts``) or rule ids (``dast.missing-hsts``)."""
    ctx = context or ResponseContext()
    view = ResponseView(response)
    off = {d.split(".", 1)[-1] for d in disabled}
    out: list[Finding] = []
    evidence: tuple[HttpExchange, dict[str, str]] | None = None
    for check in catalog():
        if check.id in off:
            continue
        for hit in PREDICATES[check.predicate](view, ctx):
            if evidence is None:
                evidence = http_evidence(response)
            raw_url = str(response.request.url)
            url = redact_url(raw_url)  # a query may carry an SSN or an e-mail
            if check.scope == "site":
                loc = UrlLocation(url, "GET", hit.parameter, "/", hit.parameter_in)
            else:
                loc = UrlLocation(url, response.request.method, hit.parameter, ctx.route or route_template(raw_url),
                                  hit.parameter_in)
            rule = check.rule(stage)
            props: dict[str, Any] = {"zap_id": check.zap, "http": evidence[1], "urls": [url]}
            props.update(hit.properties)
            out.append(Finding.from_rule(rule, message=f"{check.title}: {hit.message}", location=loc,
                                         evidence=evidence[0], severity=hit.severity or rule.severity,
                                         properties=props))
    return out


def aggregate(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per fingerprint: the first one's evidence, every URL as an occurrence, the
    highest severity seen."""
    groups: dict[str, list[Finding]] = {}
    for f in findings:
        groups.setdefault(f.fingerprint, []).append(f)
    out: list[Finding] = []
    for group in groups.values():
        first = max(group, key=lambda f: f.severity.rank)
        urls: list[str] = []
        for f in group:
            own = f.location.url if isinstance(f.location, UrlLocation) else ""
            for u in (*f.properties.get("urls", ()), own):
                if u and u not in urls:
                    urls.append(str(u))
        if len(group) == 1 and len(urls) <= 1:
            out.append(first)
            continue
        props = dict(first.properties)
        props["urls"] = urls[:MAX_URLS]
        occ = [Occurrence(line=None, path=u) for u in urls]
        out.append(Finding.from_rule(_rule_of(first), message=first.message, location=first.location,
                                     evidence=first.evidence, severity=first.severity,
                                     confidence=first.confidence, identity=first.identity, properties=props,
                                     occurrences=occ, occurrence_count=len(urls)))
    return out


def _rule_of(f: Finding) -> Rule:
    return Rule(id=f.rule_id, stage=f.stage, title=f.title, severity=f.severity, confidence=f.confidence,
                cwe=f.cwe, owasp=f.owasp, remediation=f.remediation)
