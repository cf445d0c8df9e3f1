"""Authentication verified, then authorization with two identities (OWASP API Top 10).

* :func:`verify` finds, for each identity, a request that needs credentials: anonymous gets
  401/403, the identity gets 2xx. An identity that cannot be verified is a gap (the scan is
  partial, never clean), so a scan that only looks authenticated is never reported as one.
* **BOLA/IDOR** (:func:`bola`): the objects identity B sees (ids in its list responses, and
  with ``active`` the objects B creates) are requested by identity A and anonymously, on every
  GET route with one path parameter naming that kind of object. Decided by status and by
  response similarity with B's own view; a control request for a missing id rules out routes
  that answer the same whatever the id. One finding per route template, listing the ids tried.
  Identity A should be a peer of B (not an administrator who may see everything).
* **mass assignment** (:func:`mass_assignment`): a privileged property present in a resource
  (``role``, ``is_admin``...) sent in a PATCH/PUT the spec exposes on that same path; found when
  a read-back shows it persisted (then the old value is put back).
* **broken authentication**, **function-level authorization**, **excessive data exposure**.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from pulsecheck.model import Confidence, Finding, Severity
from pulsecheck.stages.dast.auth import Session, jwt_parts
from pulsecheck.stages.dast.client import ANONYMOUS, Identity, Scanner
from pulsecheck.stages.dast.crawl import concrete, list_ids
from pulsecheck.stages.dast.findings import finding
from pulsecheck.stages.dast.openapi import Operation, generated_body

MAX_IDS = 3
_PREFERRED = re.compile(r"(?i)/(?:me|profile|account|user|session|whoami|userinfo)(?:/|$)")
PRIVILEGED = ("role", "roles", "is_admin", "isAdmin", "admin", "is_staff", "is_superuser", "isSuperuser",
              "permissions", "account_type", "user_type", "group", "groups", "scope", "scopes")
_SENSITIVE_KEY = re.compile(r"(?i)^(?:password|passwd|pwd|password_?hash|hashed_?password|pass_?hash|salt"
                            r"|secret|client_?secret|api_?key|private_?key|mfa_?secret|totp_?secret|otp_?secret)$")
_ADMINISH = re.compile(r"(?i)/(?:admin|administrator|internal|manage|management|superuser|staff|debug|sysadmin)"
                       r"(?:/|$)")


@dataclass
class Principal:
    session: Identity
    verified_url: str | None = None
    who: str = ""
    """What tells two identities apart (JWT sub, or the verified response's body)."""
    claims: dict[str, Any] = field(default_factory=dict)
    profile: dict[str, Any] = field(default_factory=dict)

    @property
    def admin(self) -> bool:
        role = str(self.claims.get("role", self.profile.get("role", ""))).lower()
        roles = self.claims.get("roles", self.profile.get("roles", []))
        return role in ("admin", "administrator", "superuser") or bool(self.claims.get("is_admin")) or (
            isinstance(roles, list) and any(str(r).lower() in ("admin", "administrator") for r in roles))


def candidate_urls(origin: str, ops: list[Operation], crawled: list[str]) -> list[str]:
    urls = [origin + op.path for op in ops if op.method == "GET" and not op.path_params
            and not any(p.required for p in op.query_params)]
    urls += [u for u in crawled if "/api" in u or "/fhir" in u]
    urls = list(dict.fromkeys(urls))
    urls.sort(key=lambda u: (not _PREFERRED.search(u), len(u)))
    return urls[:12]


def verify(scanner: Scanner, principal: Principal, urls: list[str], anonymous: dict[str, int]) -> bool:
    """True when some request needs credentials and succeeds with this identity's."""
    for url in urls:
        if url not in anonymous:
            r0 = scanner.try_send("GET", url)
            if r0 is None:
                continue
            anonymous[url] = r0.status_code
        if anonymous[url] not in (401, 403):
            continue
        r = scanner.try_send("GET", url, identity=principal.session)
        if r is not None and 200 <= r.status_code < 300:
            principal.verified_url = url
            token = principal.session.bearer_token() if isinstance(principal.session, Session) else None
            parts = jwt_parts(token) if token else None
            if parts is not None:
                principal.claims = parts[1]
            body = _json(r)
            if isinstance(body, dict) and _PREFERRED.search(url):
                principal.profile = body
            sub = principal.claims.get("sub")
            principal.who = f"sub:{sub}" if sub is not None else f"body:{r.text[:2000]}"
            return True
    return False


def _json(r: httpx.Response | None) -> Any:
    if r is None or "json" not in (r.headers.get("content-type") or ""):
        return None
    try:
        return r.json()
    except ValueError:
        return None


def _flat(doc: Any, prefix: str = "", out: dict[str, str] | None = None, depth: int = 0) -> dict[str, str]:
    out = {} if out is None else out
    if depth > 8 or len(out) > 2000:
        return out
    if isinstance(doc, dict):
        for k, v in doc.items():
            _flat(v, f"{prefix}.{k}", out, depth + 1)
    elif isinstance(doc, list):
        for i, v in enumerate(doc[:100]):
            _flat(v, f"{prefix}[{i}]", out, depth + 1)
    else:
        out[prefix] = json.dumps(doc)
    return out


def similar(a: httpx.Response, b: httpx.Response) -> bool:
    """Two 2xx answers that show the same object (equal bodies, or JSON agreeing on most values)."""
    if a.content == b.content:
        return bool(a.content.strip())
    ja, jb = _json(a), _json(b)
    if ja is None or jb is None:
        return False
    fa, fb = _flat(ja), _flat(jb)
    if not fa or not fb:
        return False
    same = sum(1 for k, v in fa.items() if fb.get(k) == v)
    return same / max(len(fa), len(fb)) >= 0.6


def singular(word: str) -> str:
    w = word.lower()
    for suffix, repl in (("ies", "y"), ("ses", "s"), ("s", "")):
        if w.endswith(suffix) and len(w) > len(suffix) + 1:
            return w[: -len(suffix)] + repl
    return w


def collection_key(path: str) -> str | None:
    segs = [s for s in path.split("?")[0].split("/") if s]
    if not segs or "{" in segs[-1]:
        return None
    return singular(segs[-1])


def item_keys(op: Operation) -> set[str]:
    """The kinds of object a one-parameter route reads (``/patients/{patient_id}`` -> patient)."""
    params = op.path_params
    if len(params) != 1:
        return set()
    name = params[0].name
    segs = [s for s in op.path.split("/") if s]
    keys = set()
    for i, seg in enumerate(segs):
        if seg == "{" + name + "}" and i > 0 and "{" not in segs[i - 1]:
            keys.add(singular(segs[i - 1]))
    base = re.sub(r"(?i)_?id$", "", name)
    if base and base.lower() != name.lower():
        keys.add(singular(base))
    return keys


@dataclass
class Objects:
    seen: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    """kind -> identity name -> ids it listed."""
    created: dict[str, dict[str, set[str]]] = field(default_factory=dict)

    def add(self, table: dict[str, dict[str, set[str]]], kind: str, who: str, ids: list[str]) -> None:
        table.setdefault(kind, {}).setdefault(who, set()).update(ids)


def collect_lists(scanner: Scanner, origin: str, ops: list[Operation], principals: list[Principal],
                  objects: Objects) -> None:
    for op in ops:
        if op.method != "GET" or op.path_params or any(p.required for p in op.query_params):
            continue
        kind = collection_key(op.path)
        if kind is None:
            continue
        for p in principals:
            doc = _json(scanner.try_send("GET", origin + op.path, identity=p.session))
            ids = list_ids(doc)
            if ids:
                objects.add(objects.seen, kind, p.session.name, ids)


def create_objects(scanner: Scanner, origin: str, ops: list[Operation], principals: list[Principal],
                   objects: Objects, wanted: set[str]) -> None:
    """With ``active``: each identity creates one object of each kind a read route exists for."""
    for op in ops:
        if op.method != "POST" or op.path_params or op.destructive or op.body_schema is None:
            continue
        kind = collection_key(op.path)
        if kind is None or kind not in wanted:
            continue
        for p in principals:
            body = generated_body(op)
            if not isinstance(body, dict):
                continue
            r = scanner.try_send("POST", origin + op.path, identity=p.session, json=body)
            doc = _json(r)
            if r is not None and 200 <= r.status_code < 300 and isinstance(doc, dict):
                value = doc.get("id")
                if isinstance(value, int | str) and not isinstance(value, bool):
                    objects.add(objects.created, kind, p.session.name, [str(value)])


def bola(scanner: Scanner, origin: str, ops: list[Operation], principals: list[Principal],
         objects: Objects) -> Iterator[Finding]:
    for op in ops:
        if op.method != "GET":
            continue
        keys = item_keys(op)
        if not keys:
            continue
        param = op.path_params[0].name
        for owner in principals:
            for reader in principals:
                if owner is reader or owner.who == reader.who or reader.admin:
                    continue
                ids: list[str] = []
                for kind in keys:
                    created = objects.created.get(kind, {}).get(owner.session.name, set())
                    listed = objects.seen.get(kind, {}).get(owner.session.name, set())
                    theirs = objects.seen.get(kind, {}).get(reader.session.name, set())
                    ids += sorted(created) + sorted(listed - theirs - created)
                ids = list(dict.fromkeys(ids))[:MAX_IDS]
                if ids:
                    yield from _bola_route(scanner, origin, op, param, owner, reader, ids)


def _bola_route(scanner: Scanner, origin: str, op: Operation, param: str, owner: Principal, reader: Principal,
                ids: list[str]) -> Iterator[Finding]:
    leaked: list[str] = []
    anon: list[str] = []
    evidence: httpx.Response | None = None
    anon_evidence: httpx.Response | None = None
    control: httpx.Response | None = None
    for oid in ids:
        url = concrete(origin, op.path, {param: oid})
        mine = scanner.try_send("GET", url, identity=owner.session)
        if mine is None or not 200 <= mine.status_code < 300:
            continue
        if control is None:
            missing = "999999999" if oid.isdigit() else "pulsecheck-missing-0"
            control = scanner.try_send("GET", concrete(origin, op.path, {param: missing}), identity=reader.session)
            if control is not None and 200 <= control.status_code < 300 and similar(control, mine):
                return  # answers the same whatever the id: not an object read
        theirs = scanner.try_send("GET", url, identity=reader.session)
        if theirs is not None and 200 <= theirs.status_code < 300 and similar(theirs, mine):
            leaked.append(oid)
            evidence = evidence or theirs
        nobody = scanner.try_send("GET", url, identity=ANONYMOUS)
        if nobody is not None and 200 <= nobody.status_code < 300 and similar(nobody, mine):
            anon.append(oid)
            anon_evidence = anon_evidence or nobody
    props = {"ids_tried": ids, "owner": owner.session.name, "reader": reader.session.name}
    if evidence is not None:
        yield finding("dast.bola", evidence, route=op.path, parameter=param, parameter_in="path",
                      message=f"{reader.session.name} read {len(leaked)} of {len(ids)} {op.path} objects of "
                              f"{owner.session.name} (ids {', '.join(leaked)})",
                      properties={**props, "ids_leaked": leaked})
    if anon_evidence is not None:
        yield finding("dast.bola-anonymous", anon_evidence, route=op.path, parameter=param, parameter_in="path",
                      message=f"{op.path} objects of {owner.session.name} readable without credentials "
                              f"(ids {', '.join(anon)})", properties={**props, "ids_leaked": anon})


def unauthorized_delete(scanner: Scanner, origin: str, ops: list[Operation], principals: list[Principal],
                        objects: Objects) -> Iterator[Finding]:
    """With ``allow_destructive``: the reader deletes an object the owner created (never a
    listed one: only what the scan itself made is ever deleted); the owner's read-back decides."""
    for op in ops:
        if op.method != "DELETE":
            continue
        for owner, reader, param, oid in _others_created(op, principals, objects):
            url = concrete(origin, op.path, {param: oid})
            r = scanner.try_send("DELETE", url, identity=reader.session, destructive=True)
            if r is None or not 200 <= r.status_code < 300:
                continue
            after = scanner.try_send("GET", url, identity=owner.session)
            if after is not None and after.status_code in (404, 410):
                yield finding("dast.bola", r, route=op.path, parameter=param, parameter_in="path",
                              message=f"{reader.session.name} deleted {owner.session.name}'s object {oid} "
                                      f"(DELETE {op.path}; the owner's read-back answered {after.status_code})",
                              properties={"ids_tried": [oid], "owner": owner.session.name,
                                          "reader": reader.session.name})


def _others_created(op: Operation, principals: list[Principal], objects: Objects
                    ) -> Iterator[tuple[Principal, Principal, str, str]]:
    """(owner, reader, path parameter, id) for one object each owner created during the scan and
    another, non-admin identity will try to touch (never a listed object: only the scan's own)."""
    keys = item_keys(op)
    if not keys:
        return
    param = op.path_params[0].name
    for owner in principals:
        for reader in principals:
            if owner is reader or owner.who == reader.who or reader.admin:
                continue
            ids = sorted({i for k in keys for i in objects.created.get(k, {}).get(owner.session.name, set())})
            for oid in ids[:1]:
                yield owner, reader, param, oid


def cross_user_update(scanner: Scanner, origin: str, ops: list[Operation], principals: list[Principal],
                      objects: Objects) -> Iterator[Finding]:
    """With ``active``: the reader changes one text field of an object the owner created (never
    a listed one); the owner's read-back decides, and the owner puts the old value back."""
    gets = {op.path for op in ops if op.method == "GET"}
    for op in ops:
        if op.method not in ("PATCH", "PUT") or op.destructive or op.path not in gets:
            continue
        for owner, reader, param, oid in _others_created(op, principals, objects):
            url = concrete(origin, op.path, {param: oid})
            before = _json(scanner.try_send("GET", url, identity=owner.session))
            if not isinstance(before, dict):
                continue
            field_name = next((k for k, v in before.items() if isinstance(v, str) and k not in PRIVILEGED
                               and k not in ("id", "owner", "email") and len(v) < 200), None)
            if field_name is None:
                continue
            new = before[field_name] + " pcx-changed"
            body = {field_name: new} if op.method == "PATCH" else {**before, field_name: new}
            r = scanner.try_send(op.method, url, identity=reader.session, json=body)
            after = _json(scanner.try_send("GET", url, identity=owner.session))
            if r is not None and isinstance(after, dict) and after.get(field_name) == new:
                scanner.try_send(op.method, url, identity=owner.session,
                                 json={field_name: before[field_name]} if op.method == "PATCH" else before)
                yield finding("dast.bola", r, route=op.path, parameter=param, parameter_in="path",
                              message=f"{reader.session.name} changed {field_name!r} of {owner.session.name}'s "
                                      f"object {oid} ({op.method} {op.path}; read back by the owner, then "
                                      f"put back)", properties={"ids_tried": [oid], "field": field_name})


def mass_assignment(scanner: Scanner, origin: str, ops: list[Operation], principal: Principal) -> Iterator[Finding]:
    gets = {op.path for op in ops if op.method == "GET" and not op.path_params}
    for op in ops:
        if op.method not in ("PATCH", "PUT") or op.path_params or op.path not in gets or op.destructive:
            continue
        url = origin + op.path
        before = _json(scanner.try_send("GET", url, identity=principal.session))
        if not isinstance(before, dict):
            continue
        declared = set((op.body_schema or {}).get("properties", {}) or {})
        for key in PRIVILEGED:
            if key not in before or key in declared:
                continue
            old = before[key]
            new = _escalated(old)
            if new is None:
                continue
            body = {key: new} if op.method == "PATCH" else {**before, key: new}
            r = scanner.try_send(op.method, url, identity=principal.session, json=body)
            if r is None or not 200 <= r.status_code < 300:
                continue
            after = _json(scanner.try_send("GET", url, identity=principal.session))
            if isinstance(after, dict) and after.get(key) == new and new != old:
                scanner.try_send(op.method, url, identity=principal.session,
                                 json={key: old} if op.method == "PATCH" else {**before})
                yield finding("dast.mass-assignment", r, route=op.path, parameter=key, parameter_in="body",
                              message=f"{op.method} {op.path} accepted {key!r} (changed from {old!r} to {new!r}, "
                                      f"read back from GET {op.path}; the old value was put back)",
                              properties={"property": key})


def _escalated(old: Any) -> Any:
    if isinstance(old, bool):
        return not old
    if isinstance(old, str):
        return "admin" if old.lower() != "admin" else None
    if isinstance(old, list):
        return [*old, "admin"]
    return None


def broken_authentication(scanner: Scanner, origin: str, ops: list[Operation], principal: Principal | None
                          ) -> Iterator[Finding]:
    for op in ops:
        if op.method != "GET" or op.security is not True or op.path_params or any(p.required for p in op.query_params):
            continue
        url = origin + op.path
        r = scanner.try_send("GET", url)
        if r is None or not 200 <= r.status_code < 300 or not r.content.strip():
            continue
        if principal is not None:
            ref = scanner.try_send("GET", url, identity=principal.session)
            if ref is None or not similar(r, ref):
                continue
        yield finding("dast.broken-authentication", r, route=op.path,
                      message=f"GET {op.path} answered {r.status_code} without credentials; the spec requires them")


def function_level(scanner: Scanner, origin: str, ops: list[Operation], crawled: list[str],
                   principals: list[Principal]) -> Iterator[Finding]:
    urls = [origin + op.path for op in ops if op.method == "GET" and not op.path_params and _ADMINISH.search(op.path)]
    urls += [u for u in crawled if _ADMINISH.search(u)]
    for url in list(dict.fromkeys(urls))[:20]:
        for p in principals:
            if p.admin:
                continue
            r = scanner.try_send("GET", url, identity=p.session)
            if r is None or not 200 <= r.status_code < 300 or len(r.content.strip()) < 3:
                continue
            if (r.headers.get("content-type") or "").startswith("text/html") and b"<form" in r.content[:20000].lower():
                continue  # a login page
            yield finding("dast.function-level-authorization", r, message=f"{p.session.name} (not an administrator) "
                          f"got {r.status_code} from administrative route {url}")
            break


def excessive_exposure(responses: list[httpx.Response], ops: list[Operation]) -> Iterator[Finding]:
    from pulsecheck.model import route_template

    schemas = {(op.method, op.path): op.response_schema for op in ops if op.response_schema}
    seen: set[str] = set()
    for r in responses:
        doc = _json(r)
        if doc is None or not 200 <= r.status_code < 300:
            continue
        records = [doc] if isinstance(doc, dict) else [d for d in doc[:50] if isinstance(d, dict)] \
            if isinstance(doc, list) else []
        keys = sorted({k for rec in records for k, v in rec.items() if isinstance(k, str) and _SENSITIVE_KEY.match(k)
                       and v not in (None, "", [])})
        route = route_template(str(r.request.url))
        if keys and route not in seen:
            seen.add(route)
            many = isinstance(doc, list) and len(records) > 1
            yield finding("dast.debug-endpoint" if many and any("pass" in k.lower() for k in keys)
                          else "dast.excessive-data-exposure", r,
                          message=f"response carries {', '.join(keys)}", properties={"fields": keys},
                          severity=Severity.HIGH)
            continue
        schema = _match_schema(schemas, r)
        props = schema.get("properties") if isinstance(schema, dict) else None
        if isinstance(props, dict) and props and records and schema.get("additionalProperties") is not True:
            extra = sorted({k for rec in records for k in rec if k not in props})
            if extra and route not in seen:
                seen.add(route)
                yield finding("dast.excessive-data-exposure", r, message=f"fields beyond the response schema: "
                              f"{', '.join(extra[:20])}", properties={"fields": extra[:50]},
                              severity=Severity.LOW, confidence=Confidence.MEDIUM)


def _match_schema(schemas: dict[tuple[str, str], Any], r: httpx.Response) -> Any:
    path = r.request.url.path
    for (method, template), schema in schemas.items():
        if method != r.request.method:
            continue
        rx = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(rx, path):
            if isinstance(schema, dict) and schema.get("type") == "array":
                return schema.get("items")
            return schema
    return None
