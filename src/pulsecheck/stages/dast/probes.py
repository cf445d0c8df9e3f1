"""Passive-mode probes: GET/OPTIONS requests that are safe on any system.

Sensitive files (each verified by its content, never by a 200 alone: a single-page app answers
200 with its index for every path, so the body must look like the file and differ from what a
random path gets), error provocation with malformed but harmless values (a huge integer for an
integer path parameter, a wrong type), a CORS probe with ``Origin: https://pulsecheck.invalid``
(a reserved name: nothing resolves it, nothing is sent there), plain HTTP not redirected to
HTTPS, FHIR CapabilityStatement and SMART configuration.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from pulsecheck import webchecks
from pulsecheck.model import Finding
from pulsecheck.stages.dast.client import ANONYMOUS, Identity, Scanner
from pulsecheck.stages.dast.findings import finding
from pulsecheck.stages.dast.openapi import Operation

EVIL_ORIGIN = "https://pulsecheck.invalid"


@dataclass(frozen=True)
class SensitiveFile:
    path: str
    rule_id: str
    what: str
    looks_like: Callable[[bytes, str], bool]


def _env(body: bytes, ctype: str) -> bool:
    text = body[:20_000].decode("utf-8", "replace")
    if "<html" in text[:500].lower():
        return False
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    return bool(lines) and sum(bool(re.match(r"^(?:export\s+)?[A-Za-z_][A-Za-z0-9_]{0,80}\s*=", ln)) for ln in lines) \
        >= max(1, len(lines) // 2)


def _text_has(*needles: str) -> Callable[[bytes, str], bool]:
    def check(body: bytes, ctype: str) -> bool:
        text = body[:50_000].decode("utf-8", "replace")
        return all(n in text for n in needles)
    return check


def _starts(prefix: bytes) -> Callable[[bytes, str], bool]:
    return lambda body, ctype: body.startswith(prefix)


def _sql_dump(body: bytes, ctype: str) -> bool:
    text = body[:50_000].decode("utf-8", "replace")
    return "<html" not in text[:500].lower() and re.search(r"(?i)\b(CREATE TABLE|INSERT INTO)\b", text) is not None


def _actuator(body: bytes, ctype: str) -> bool:
    text = body[:50_000].decode("utf-8", "replace")
    return "json" in ctype and ('"_links"' in text or '"propertySources"' in text or '"activeProfiles"' in text)


SENSITIVE_FILES = (
    SensitiveFile("/.env", "dast.exposed-env", ".env file", _env),
    SensitiveFile("/.git/config", "dast.exposed-git", "git config", _text_has("[core]")),
    SensitiveFile("/.git/HEAD", "dast.exposed-git", "git HEAD", lambda b, c: b.startswith(b"ref: refs/")),
    SensitiveFile("/.DS_Store", "dast.exposed-sensitive-file", ".DS_Store", _starts(b"\x00\x00\x00\x01Bud1")),
    SensitiveFile("/server-status", "dast.exposed-sensitive-file", "Apache server-status",
                  _text_has("Apache Server Status")),
    SensitiveFile("/phpinfo.php", "dast.exposed-sensitive-file", "phpinfo()", _text_has("PHP Version", "phpinfo")),
    SensitiveFile("/actuator/env", "dast.exposed-sensitive-file", "Spring actuator env", _actuator),
    SensitiveFile("/actuator", "dast.exposed-sensitive-file", "Spring actuator", _actuator),
    SensitiveFile("/backup.sql", "dast.exposed-sensitive-file", "SQL backup", _sql_dump),
    SensitiveFile("/dump.sql", "dast.exposed-sensitive-file", "SQL dump", _sql_dump),
    SensitiveFile("/backup.zip", "dast.exposed-sensitive-file", "backup archive", _starts(b"PK\x03\x04")),
    SensitiveFile("/.htpasswd", "dast.exposed-sensitive-file", ".htpasswd",
                  lambda b, c: re.match(rb"^[\w.-]{1,64}:(?:\$|\{SHA\})", b) is not None),
    SensitiveFile("/.aws/credentials", "dast.exposed-sensitive-file", "AWS credentials",
                  _text_has("aws_access_key_id")),
)


def sensitive_files(scanner: Scanner, origin: str, identity: Identity = ANONYMOUS) -> Iterator[Finding]:
    fallback = scanner.try_send("GET", f"{origin}/pulsecheck-{secrets.token_hex(6)}.txt", identity=identity)
    fallback_body = fallback.content if fallback is not None and fallback.status_code == 200 else None
    for sf in SENSITIVE_FILES:
        r = scanner.try_send("GET", origin + sf.path, identity=identity)
        if r is None or r.status_code != 200 or not r.content:
            continue
        if fallback_body is not None and r.content == fallback_body:
            continue
        ctype = (r.headers.get("content-type") or "").lower()
        if sf.looks_like(r.content[:100_000], ctype):
            yield finding(sf.rule_id, r, message=f"{sf.what} served at {sf.path} ({len(r.content)} bytes)",
                          route=sf.path)


def cors_probe(scanner: Scanner, urls: list[str], identity: Identity) -> None:
    """Requests with a foreign Origin (the passive CORS checks judge the answers)."""
    for url in urls[:4]:
        scanner.try_send("GET", url, identity=identity, headers={"Origin": EVIL_ORIGIN})


def https_redirect(scanner: Scanner, origin: str) -> Iterator[Finding]:
    if not origin.startswith("http://"):
        return
    r = scanner.try_send("GET", origin + "/", passive=False)
    if r is None:
        return
    location = r.headers.get("location", "")
    if not (300 <= r.status_code < 400 and location.startswith("https://")):
        yield finding("dast.http-not-redirected", r, message=f"GET {origin}/ over plain HTTP answered "
                      f"{r.status_code} instead of redirecting to HTTPS", route="/")


HUGE_INT = str(2 ** 70)


def provoke_errors(scanner: Scanner, origin: str, ops: list[Operation], identity: Identity) -> None:
    """Malformed but harmless GETs (huge integers, wrong types) whose answers the passive
    stack-trace check reads."""
    from pulsecheck.stages.dast.crawl import concrete

    sent = 0
    for op in ops:
        if op.method != "GET" or sent >= 12:
            continue
        ints = [p for p in op.path_params if str(p.schema.get("type")) in ("integer", "number")]
        if ints:
            scanner.try_send("GET", concrete(origin, op.path, {p.name: HUGE_INT for p in ints}), identity=identity)
            sent += 1
        qints = [p for p in op.query_params if str(p.schema.get("type")) in ("integer", "number")]
        if qints and not op.path_params:
            scanner.try_send("GET", origin + op.path, params={p.name: HUGE_INT for p in qints}, identity=identity)
            sent += 1


# ---- FHIR ---------------------------------------------------------------------------------------

FHIR_TYPES = ("Patient", "Observation", "Condition", "MedicationRequest")


def ok_json(r: httpx.Response | None) -> Any:
    """The parsed body of a 200 answer, else None (no answer, another status, not JSON)."""
    if r is None or r.status_code != 200:
        return None
    try:
        return r.json()
    except ValueError:
        return None


def fhir_bases(scanner: Scanner, origin: str, identity: Identity) -> list[tuple[str, Any]]:
    out = []
    for base in (origin, origin + "/fhir", origin + "/baseR4", origin + "/fhir/r4"):
        r = scanner.try_send("GET", base + "/metadata", identity=identity, headers={"Accept": "application/fhir+json"})
        doc = ok_json(r)
        if isinstance(doc, dict) and doc.get("resourceType") == "CapabilityStatement":
            out.append((base, doc))
    return out


def fhir_unauthenticated(scanner: Scanner, base: str, doc: Any, authed: Identity | None) -> Iterator[Finding]:
    declared = set()
    for rest in doc.get("rest", []) if isinstance(doc.get("rest"), list) else []:
        for res in rest.get("resource", []) if isinstance(rest, dict) else []:
            if isinstance(res, dict) and isinstance(res.get("type"), str):
                declared.add(res["type"])
    for kind in FHIR_TYPES:
        if declared and kind not in declared:
            continue
        r = scanner.try_send("GET", f"{base}/{kind}", params={"_count": "5"},
                             headers={"Accept": "application/fhir+json"})
        bundle = ok_json(r)
        entries = bundle.get("entry") if isinstance(bundle, dict) else None
        if r is not None and isinstance(entries, list) and entries:
            yield finding("dast.fhir-unauthenticated-read", r, route=f"/{kind}",
                          message=f"GET {base}/{kind} without credentials returned {len(entries)} {kind} entries")


def _bundle_resources(r: httpx.Response | None) -> list[dict[str, Any]]:
    doc = ok_json(r)
    if not isinstance(doc, dict) or doc.get("resourceType") != "Bundle" or not isinstance(doc.get("entry"), list):
        return []
    return [e["resource"] for e in doc["entry"][:500] if isinstance(e, dict) and isinstance(e.get("resource"), dict)]


def fhir_compartment(scanner: Scanner, base: str, identity: Identity, patient: str) -> Iterator[Finding]:
    """A patient-scoped token (``patient`` claim) must only see its own compartment: searches,
    ``_include`` and ``_revinclude`` returning another patient's resources leak."""
    queries = (("Patient", {"_count": "10"}), ("Observation", {"_include": "Observation:subject", "_count": "20"}),
               ("Patient", {"_revinclude": "Observation:subject", "_count": "10"}))
    for kind, params in queries:
        r = scanner.try_send("GET", f"{base}/{kind}", identity=identity, params=params,
                             headers={"Accept": "application/fhir+json"})
        others: set[str] = set()
        for res in _bundle_resources(r):
            if res.get("resourceType") == "Patient":
                others.add(str(res.get("id")))
            subject = res.get("subject")
            ref = subject.get("reference") if isinstance(subject, dict) else None
            if isinstance(ref, str) and ref.startswith("Patient/"):
                others.add(ref.split("/", 1)[1])
        others.discard(patient)
        if others and r is not None:
            yield finding("dast.fhir-compartment-leak", r, route=f"/{kind}", parameter=next(iter(params)),
                          parameter_in="query", message=f"{identity.name} (patient {patient}) got resources of "
                          f"{len(others)} other patient(s) from {kind}?{'&'.join(f'{k}={v}' for k, v in params.items())}")
            return


def fhir_existence_oracle(scanner: Scanner, base: str, identity: Identity, foreign_ids: list[str]) -> Iterator[Finding]:
    """403 for another patient's record and 404 for a missing one tell an attacker which ids exist."""
    if not foreign_ids:
        return
    missing = scanner.try_send("GET", f"{base}/Patient/999999999", identity=identity)
    existing = scanner.try_send("GET", f"{base}/Patient/{foreign_ids[0]}", identity=identity)
    if missing is not None and existing is not None and existing.status_code == 403 and missing.status_code == 404:
        yield finding("dast.fhir-existence-oracle", existing, route="/Patient/{id}", parameter="id",
                      parameter_in="path", message="another patient's record answers 403, a missing one 404")


def smart_configuration(scanner: Scanner, bases: list[str]) -> Iterator[Finding]:
    for base in bases:
        r = scanner.try_send("GET", base + "/.well-known/smart-configuration")
        doc = ok_json(r)
        if r is None or not isinstance(doc, dict):
            continue
        problems = []
        for key in ("authorization_endpoint", "token_endpoint"):
            value = doc.get(key)
            if not isinstance(value, str):
                problems.append(f"no {key}")
            elif not value.startswith("https://"):
                problems.append(f"{key} is not HTTPS")
        methods = doc.get("code_challenge_methods_supported")
        if not isinstance(methods, list) or "S256" not in methods:
            problems.append("PKCE S256 not advertised")
        if "implicit" in (doc.get("grant_types_supported") or []):
            problems.append("implicit grant offered")
        if problems:
            yield finding("dast.smart-configuration", r, message="; ".join(problems),
                          route="/.well-known/smart-configuration")


def passive_of(response: httpx.Response, authenticated: bool) -> list[Finding]:
    ctx = webchecks.ResponseContext(authenticated=authenticated)
    return webchecks.passive_findings(response, stage="dast", context=ctx)
