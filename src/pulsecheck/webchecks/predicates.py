"""The predicates of the passive checks: each reads one response and returns its hits.

A predicate never sends anything. It knows a JSON API answer from an HTML page (frame and CSP
checks are about documents a browser renders, never about ``application/json``). Every regex
here is linear on hostile input (no nested quantifiers) and runs on a bounded body prefix.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from pulsecheck.model import Severity

MAX_BODY = 512 * 1024
"""Bytes of a body the predicates look at."""


@dataclass(frozen=True, slots=True)
class ResponseContext:
    """What the caller knows about the request that got this response."""

    authenticated: bool = False
    """The request carried an identity's credentials."""
    route: str | None = None
    """The server's route template when known (``/api/patients/{id}``)."""
    origin_probe: str | None = None
    """The ``Origin`` header the caller sent (to judge a reflected CORS origin)."""


@dataclass(frozen=True, slots=True)
class Hit:
    message: str
    parameter: str | None = None
    parameter_in: Any = None
    severity: Severity | None = None
    properties: dict[str, Any] = field(default_factory=dict)


class ResponseView:
    """A response with the derived facts the predicates share, computed once."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.url = str(response.request.url)
        self.https = response.request.url.scheme == "https"
        self.status = response.status_code
        self.headers = response.headers
        self.phi: tuple[str, ...] | None = None

    def header(self, name: str) -> str | None:
        value = self.headers.get(name)
        return None if value is None else str(value)

    @cached_property
    def content_type(self) -> str:
        return (self.headers.get("content-type") or "").split(";")[0].strip().lower()

    @cached_property
    def body(self) -> bytes:
        return self.response.content[:MAX_BODY]

    @cached_property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @cached_property
    def is_html(self) -> bool:
        if self.content_type in ("text/html", "application/xhtml+xml"):
            return True
        return not self.content_type and self.text.lstrip()[:15].lower().startswith(("<!doctype html", "<html"))

    @cached_property
    def is_json(self) -> bool:
        return self.content_type == "application/json" or self.content_type.endswith("+json")

    @cached_property
    def json(self) -> Any:
        if not self.is_json or len(self.response.content) > MAX_BODY:
            return None
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    @cached_property
    def set_cookies(self) -> list[tuple[str, str]]:
        """(cookie name, the whole Set-Cookie line) for each cookie set."""
        out = []
        for line in self.headers.get_list("set-cookie"):
            name = line.split("=", 1)[0].strip()
            if name:
                out.append((name, line))
        return out


Predicate = Callable[[ResponseView, ResponseContext], list[Hit]]
PREDICATES: dict[str, Predicate] = {}


def predicate(fn: Predicate) -> Predicate:
    PREDICATES[fn.__name__] = fn
    return fn


def _is_success_page(r: ResponseView) -> bool:
    return 200 <= r.status < 400


@predicate
def missing_hsts(r: ResponseView, ctx: ResponseContext) -> list[Hit]:
    if r.https and r.header("strict-transport-security") is None:
        return [Hit("no Strict-Transport-Security on an HTTPS response", "Strict-Transport-Security", "header")]
    return []


_MAX_AGE = re.compile(r"(?i)max-age\s*=\s*\"?(\d{1,12})")


@predicate
def weak_hsts(r: ResponseView, ctx: ResponseContext) -> list[Hit]:
    value = r.header("strict-transport-security")
    if not r.https or value is None:
        return []
    m = _MAX_AGE.search(value)
    if m is None or int(m.group(1)) < 15_552_000:  # 180 days
        return [Hit(f"Strict-Transport-Security: {value[:80]}", "Strict-Transport-Security", "header")]
    return []


def _csp(r: ResponseView) -> str | None:
    return r.header("content-security-policy")


@predicate
def missing_csp(r: ResponseView, ctx: ResponseContext) -> list[Hit]:
    if r.is_html and _is_success_page(r) and _csp(r) is None:
        return [Hit("no Content-Security-Policy on an HTML page", "Content-Security-Policy", "header")]
    return []


def _directives(csp: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in csp.split(";")[:64]:
        words = part.split()
        if words:
            out.setdefault(words[0].lower(), [w.lower() for w in words[1:64]])
    return out


@predicate
def weak_csp(r: ResponseView, ctx: ResponseContext) -> list[Hit]:
    csp = _csp(r)
    if csp is None or not r.is_html:
        return []
    d = _directives(csp)
    script = d.get("script-src", d.get("default-src"))
    weak: list[str] = []
    if script is None:
        weak.append("no script-src or default-src")
    else:
        weak += [w for w in script if w in ("'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:")]
    if "object-src" not in d and "default-src" not in d:
        weak.append("no object-src")
    if weak:
        return [Hit(f"weak directives: {', '.join(weak)}", "Content-Security-Policy", "header")]
    return []


@predicate
def missing_frame_options(r: ResponseView, ctx: ResponseContext) -> list[Hit]:
    if not r.is_html or not _is_success_page(r):
        return []
    xfo = (r.header("x-frame-options") or "").strip().lower()
    csp = _directives(_csp(r) or "")
    if xfo in ("deny", "sameorigin") or "frame-ancestors" in csp:
        return []
    return [Hit("neither X-Frame-Options nor CSP frame-ancestors on an HTML page", "X-Frame-Options", "header")]


@predicate
def missing_nosniff(r: ResponseView, ctx: ResponseContext) -> list[Hit]:
    if not r.body or r.status >= 400 and not r.is_html:
        return []
    if (r.header("x-content-type-options") or "").strip().lower() != "nosniff":
        return [Hit("no X-Content-Type-Options: nosniff", "X-Content-Type-Options", "header")]
    return []


@predicate
def missing_referrer_policy(r: ResponseView, ctx: ResponseContext) -> list[Hit]:
    if r.is_html and _is_success_page(r) and r.header("referrer-policy") is None:
        return [Hit("no Referrer-Policy on an HTML page", "Referrer-Policy", "header")]
    return []


@predicate
def missing_permissions_policy(r: ResponseView, ctx: ResponseContext) -> list[Hit]:
    if r.is_html and _is_success_page(r) and r.header("permissions-policy") is None:
        return [Hit("no Permissions-Policy on an HTML page", "Permissions-Policy", "header")]
    return []


def _attrs(line: str) -> set[str]:
    return {p.split("=", 1)[0].strip().lower() for p in line.split(";")[1:]}


def _samesite(line: str) -> str:
    for p in line.split(";")[1:]:
        k, _, v = p.partition("=")
        if k.strip().lower() == "samesite":
            return v.strip().lower()
    return ""


def _deleting(line: str) -> bool:
    value = line.split("=", 1)[1].split(";", 1)[0].strip() if "=" in line else ""
    lower = line.lower()
    return value in ("", '""') or "max-age=0" in lower or "expires=thu, 01 jan 1970" in lower


def _cookie_hits(r: ResponseView, flag: str, what: str) -> list[Hit]:
    out = []
    for name, line in r.set_cookies:
        if _deleting(line):
            continue
        ok = _samesite(line) in ("lax", "strict") if flag == "samesite" else flag in _attrs(line)
        if not ok:
            out.append(Hit(f"cookie {name!r} {what}", name, "cookie"))
    return out


@predicate
def cookie_no_secure(r: ResponseView, ctx: ResponseContext) -> list[Hit]:
    return _cookie_hits(r, "secure", "without Secure")


@predicate
def cookie_no_httponly(r: ResponseView, ctx: ResponseContext) -> list[Hit]:
    return _cookie_hits(r, "httponly", "without HttpOnly")


@predicate
def cookie_no_samesite(r: ResponseView, ctx: ResponseContext) -> list[Hit]:
    return _cookie_hits(r, "samesite", "without SameSite=Lax/Strict")


def _credentials(r: ResponseView) -> bool:
    return (r.header("access-control-allow-credentials") or "").strip().lower() == "true"


@predicate
def cors_wildcard(r: ResponseView, ctx: ResponseContext) -> list[Hit]:
    if (r.header("access-control-allow-origin") or "").strip() == "*":
        return [Hit("Access-Control-Allow-Origin: *", "Access-Control-Allow-Origin", "header")]
    return []


@predicate
def cors_reflected(r: ResponseView, ctx: ResponseContext) -> list[Hit]:
    allowed = (r.header("access-control-allow-origin") or "").strip()
    if not allowed or not _credentials(r):
        return []
    if ctx.origin_probe and allowed.lower() == ctx.origin_probe.lower():
        return [Hit(f"Origin {ctx.origin_probe} echoed with Access-Control-Allow-Credentials: true",
                    "Access-Control-Allow-Origin", "header")]
    if allowed.lower() == "null":
        return [Hit("Access-Control-Allow-Origin: null with credentials", "Access-Control-Allow-Origin", "header")]
    return []


_VERSION = re.compile(r"[A-Za-z][\w.-]{0,40}/\d+(?:\.\d+){0,3}")


@predicate
def server_version(r: ResponseView, ctx: ResponseContext) -> list[Hit]:
    value = r.header("server") or ""
    m = _VERSION.search(value[:200])
    return [Hit(f"Server: {m.group(0)}", "Server", "header")] if m else []


@predicate
def powered_by(r: ResponseView, ctx: ResponseContext) -> list[Hit]:
    out = []
    for name in ("x-powered-by", "x-aspnet-version", "x-aspnetmvc-version", "x-generator"):
        value = r.header(name)
        if value:
            out.append(Hit(f"{name}: {value[:60]}", name, "header"))
    return out


_STATIC = re.compile(r"(?i)\.(?:css|js|mjs|png|jpe?g|gif|svg|ico|woff2?|ttf|map)$|^/(?:openapi|swagger)\.json$")


@predicate
def cacheable_private(r: ResponseView, ctx: ResponseContext) -> list[Hit]:
    if not 200 <= r.status < 300 or not r.body:
        return []
    cc = (r.header("cache-control") or "").lower()
    if "no-store" in cc:
        return []
    private = bool(phi_kinds(r)) or ctx.authenticated and (r.is_json or r.is_html)
    if not private or _STATIC.search(urlsplit(r.url).path):
        return []
    why = "authenticated" if ctx.authenticated else "PHI-bearing"
    return [Hit(f"{why} response with Cache-Control: {cc or '(none)'}", "Cache-Control", "header")]


_TRACES = (
    re.compile(r"Traceback \(most recent call last\):"),
    re.compile(r"\n\s+at [\w$.<>]+\([\w$]+\.java:\d+\)"),
    re.compile(r"\bat [\w.]+\.[\w<>]+\(.*?\) in [^\n]{1,200}:line \d+"),
    re.compile(r"(?:Fatal error|Warning|Parse error)</b>:? .{1,200} on line <b>\d+"),
    re.compile(r"\n\s+at \S{1,200} \((?:/|file:|node:)[^\n)]{1,300}:\d+:\d+\)"),
    re.compile(r"(?i)<title>[^<]{0,80}(?:Werkzeug Debugger|Django Debug|Whoops!|Application Error|Exception)"),
    re.compile(r"(?:ActionController::RoutingError|RuntimeError at /|django\.core\.exceptions)"),
    re.compile(r"(?:System\.(?:NullReference|InvalidOperation)Exception|java\.lang\.\w+Exception)"),
)


@predicate
def stack_trace(r: ResponseView, ctx: ResponseContext) -> list[Hit]:
    text = r.text
    for rx in _TRACES:
        m = rx.search(text)
        if m:
            return [Hit(f"{m.group(0).strip()[:80]!r} in a {r.status} response")]
    return []


_LISTING = re.compile(r"(?i)<title>\s*(?:Index of /|Directory listing for /)")


@predicate
def directory_listing(r: ResponseView, ctx: ResponseContext) -> list[Hit]:
    if r.status == 200 and r.is_html and _LISTING.search(r.text[:4096]):
        return [Hit("an automatic directory index")]
    return []


_HTTP_RESOURCE = re.compile(r"""(?i)<(?:script|link|img|iframe|source|audio|video|embed|object)\b[^>]{0,500}?"""
                            r"""\b(?:src|href|data)\s*=\s*["']?(http://[^\s"'>]{1,300})""")


@predicate
def mixed_content(r: ResponseView, ctx: ResponseContext) -> list[Hit]:
    if not r.https or not r.is_html:
        return []
    found = [m.group(1) for m in _HTTP_RESOURCE.finditer(r.text)][:5]
    return [Hit(f"loads {', '.join(found)}", properties={"resources": found})] if found else []


_URL_PHI_PARAM = re.compile(r"(?i)^(?:ssn|social|dob|birth_?date|date_?of_?birth|mrn|medical_?record|mbi|"
                            r"diagnosis|icd|patient_?name|first_?name|last_?name|full_?name|email|phone|address)$")


_VALUE_SHAPES = {
    "email": re.compile(r"[^@\s]{1,64}@[^@\s]{1,255}\.[A-Za-z]{2,24}"),
    "ssn": re.compile(r"\d{3}-?\d{2}-?\d{4}"),
    "dob": re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4}"),
    "phone": re.compile(r"\+?[\d ().-]{7,20}"),
    "mrn": re.compile(r"[A-Za-z]{0,4}\d{5,12}"),
}


def _shape_of(name: str) -> str | None:
    lower = name.lower().replace("_", "")
    for kind, words in (("email", ("email",)), ("ssn", ("ssn", "social")), ("dob", ("dob", "birth")),
                        ("phone", ("phone",)), ("mrn", ("mrn", "medicalrecord"))):
        if any(w in lower for w in words):
            return kind
    return None


@predicate
def phi_in_url(r: ResponseView, ctx: ResponseContext) -> list[Hit]:
    """A query value that is a person's identifier: found by the phi detectors, or named like
    one (``ssn``, ``email``, ``dob``...) and shaped like one (a filler like ``a`` is not)."""
    from pulsecheck.stages.phi import detect

    query = urlsplit(r.url).query
    out = []
    for name, value in parse_qsl(query, keep_blank_values=False)[:50]:
        kinds = sorted({h.kind for h in detect.scan(f"{name}={value}") if not h.synthetic} - {"phone"})
        shape = _shape_of(name)
        if shape is not None and _VALUE_SHAPES[shape].fullmatch(value.strip()):
            kinds = sorted({*kinds, shape})
        if kinds:
            out.append(Hit(f"query parameter {name!r} carries {', '.join(kinds)}", name, "query",
                           properties={"kinds": kinds}))
    return out


def phi_kinds(r: ResponseView) -> list[str]:
    """The PHI/PII kinds in a response body (JSON records, FHIR Patients, identifiers in text)."""
    if r.phi is not None:
        return list(r.phi)
    from pulsecheck.stages.phi import detect, structured

    kinds: set[str] = set()
    doc = r.json
    if doc is not None:
        records = list(structured.json_records(doc))
        count, _, _ = structured.fhir_patients(records)
        if count:
            kinds.add("fhir_patient")
        n, keys = structured.json_phi(records)
        if n:
            kinds.update(f"field:{k}" for k in keys[:10])
    if r.content_type.startswith(("text/", "application/json")) or r.is_json:
        kinds.update(h.kind for h in detect.scan(r.text[:200_000])
                     if not h.synthetic and h.kind in ("ssn", "mrn", "medicare_mbi", "npi", "dob_with_name",
                                                       "icd10_with_name"))
    r.phi = tuple(sorted(kinds))
    return sorted(kinds)


@predicate
def phi_in_response(r: ResponseView, ctx: ResponseContext) -> list[Hit]:
    if not 200 <= r.status < 300 or not ctx.authenticated:
        return []
    kinds = phi_kinds(r)
    return [Hit(f"response carries {', '.join(kinds)}", properties={"kinds": kinds})] if kinds else []


@predicate
def phi_unauthenticated(r: ResponseView, ctx: ResponseContext) -> list[Hit]:
    if not 200 <= r.status < 300 or ctx.authenticated:
        return []
    kinds = phi_kinds(r)
    return [Hit(f"unauthenticated request answered with {', '.join(kinds)}", properties={"kinds": kinds})] \
        if kinds else []
