"""Active injection checks (only with ``active``), one parameter at a time.

Each injection point is a query parameter (OpenAPI, crawled URLs, GET forms) or a top-level
JSON body field (OpenAPI operations that are not destructive). A finding needs a difference
from the point's own baseline answer, never a keyword alone:

* SQL injection: error signatures absent from the baseline; boolean pairs (true answer like the
  baseline, false answer different); time-based delays, each confirmed by a second delayed
  request, all within ``delay_budget`` seconds for the whole scan;
* reflected XSS (an unescaped tag in an HTML answer), SSTI (``{{7*191}}`` evaluated), path
  traversal (``/etc/passwd`` content), open redirect (``Location`` to the reserved name
  ``pulsecheck.invalid``, never followed), SSRF (the target fetched the scan's own canary on
  127.0.0.1), OS command injection (time-based), NoSQL operators in JSON bodies, CRLF (an
  injected response header).
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from pulsecheck.model import Confidence, Finding
from pulsecheck.stages.dast.client import Identity, Scanner
from pulsecheck.stages.dast.findings import finding
from pulsecheck.stages.dast.openapi import Operation, generated_body, sample

SQL_ERRORS = re.compile(
    r"(?i)(?:SQL syntax[^\n]{0,80}MySQL|Warning[^\n]{0,40}mysqli?_|ERROR:\s+syntax error at or near"
    r"|unterminated quoted string|pg_query\(\)|SQLite3?::|sqlite3\.OperationalError|SQLITE_ERROR"
    r"|near \"[^\"\n]{0,40}\": syntax error|unrecognized token:|ORA-\d{5}|Unclosed quotation mark"
    r"|Microsoft OLE DB Provider for SQL Server|SQLSTATE\[|org\.hibernate\.|psycopg2?\.errors\."
    r"|sqlalchemy\.exc\.(?:Operational|Programming)Error|You have an error in your SQL syntax)")
XSS_MARK = "pcx7\"><svg/onload=pcx7>"
SSTI = ("pcx{{7*191}}x", "pcx${7*191}x", "pcx<%= 7*191 %>x", "pcx#{7*191}x")
TRAVERSAL = ("../../../../../../../../etc/passwd", "..%2f..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd", "/etc/passwd")
PASSWD = re.compile(r"root:[^:\n]{0,40}:0:0:")
REDIRECT_HOST = "pulsecheck.invalid"
MAX_BODY_FIELDS = 3
"""JSON body fields injected per operation (a create operation stores what each probe sends)."""
FILEISH = re.compile(r"(?i)^(?:file|filename|path|page|template|doc|document|dir|folder|include|download|img|image)$")
URLISH = re.compile(r"(?i)^(?:next|url|uri|redirect|redirect_?uri|redirect_?url|return|return_?to|return_?url"
                    r"|continue|dest|destination|goto|target|callback|webhook|feed|image_?url|avatar_?url|fetch"
                    r"|proxy|link|src|href)$")


@dataclass
class Point:
    method: str
    url: str
    route: str
    param: str
    where: str  # query | body
    params: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=dict)


class Canary:
    """A tiny HTTP listener on 127.0.0.1 that records the paths it is asked for (SSRF proof)."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        canary = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server API
                canary.hits.append(self.path[:200])
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            do_POST = do_GET  # noqa: N815

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, name="dast-canary", daemon=True)
        self.thread.start()

    def url(self, token: str) -> str:
        return f"http://127.0.0.1:{self.port}/{token}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def points(origin: str, ops: list[Operation], crawled: list[str], forms: list[Any]) -> list[Point]:
    out: list[Point] = []
    seen: set[tuple[str, str, str]] = set()

    def add(p: Point) -> None:
        key = (p.method, p.route, p.param)
        if key not in seen and len(out) < 200:
            seen.add(key)
            out.append(p)

    for op in ops:
        if op.destructive:
            continue
        if op.method == "GET" and op.query_params and not op.path_params:
            base = {p.name: str(p.example if p.example is not None else sample(p.schema, p.name))
                    for p in op.query_params if p.required}
            for p in op.query_params:
                add(Point("GET", origin + op.path, op.path, p.name, "query",
                          {**base, p.name: base.get(p.name, str(sample(p.schema, p.name)))}))
        elif op.method in ("POST", "PUT", "PATCH") and not op.path_params and op.body_schema is not None:
            body = generated_body(op)
            if isinstance(body, dict):
                for name, value in list(body.items())[:MAX_BODY_FIELDS]:
                    if isinstance(value, str | int) and not isinstance(value, bool):
                        add(Point(op.method, origin + op.path, op.path, name, "body", body=dict(body)))
    from urllib.parse import parse_qsl, urlsplit

    from pulsecheck.model import route_template
    for url in crawled:
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        for name in query:
            add(Point("GET", f"{parts.scheme}://{parts.netloc}{parts.path}", route_template(url).split("?")[0],
                      name, "query", dict(query)))
    for form in forms:
        if form.method == "GET":
            parts = urlsplit(form.action)
            for name in form.fields:
                add(Point("GET", f"{parts.scheme}://{parts.netloc}{parts.path}", parts.path, name, "query",
                          {k: v or "a" for k, v in form.fields.items()}))
    return out


class Injector:
    def __init__(self, scanner: Scanner, identity: Identity, *, delay: float, delay_budget: float,
                 canary: Canary | None) -> None:
        self.scanner = scanner
        self.identity = identity
        self.delay = delay
        self.delay_left = delay_budget
        self.canary = canary
        self.base_seconds = 0.0
        self.known_user: str | None = None

    def send(self, p: Point, value: Any, *, timeout: float | None = None) -> httpx.Response | None:
        if p.where == "query":
            return self.scanner.try_send(p.method, p.url, identity=self.identity, params={**p.params, p.param: value},
                                         timeout=timeout)
        return self.scanner.try_send(p.method, p.url, identity=self.identity, json={**p.body, p.param: value},
                                     timeout=timeout)

    def original(self, p: Point) -> Any:
        return p.params.get(p.param, "a") if p.where == "query" else p.body.get(p.param, "a")

    def _f(self, rule_id: str, r: httpx.Response, p: Point, message: str, **kw: Any) -> Finding:
        return finding(rule_id, r, route=p.route, parameter=p.param, parameter_in=p.where, method=p.method,
                       message=message, **kw)

    def run(self, p: Point) -> Iterator[Finding]:
        started = time.monotonic()
        base = self.send(p, self.original(p))
        self.base_seconds = time.monotonic() - started
        if base is None:
            return
        v = str(self.original(p))
        found_sql = False
        for payload in (v + "'", v + '"'):
            r = self.send(p, payload)
            if r is not None and SQL_ERRORS.search(r.text[:200_000]) and not SQL_ERRORS.search(base.text[:200_000]):
                m = SQL_ERRORS.search(r.text[:200_000])
                yield self._f("dast.sql-injection", r, p, f"{p.param}={payload!r} produced a database error "
                              f"({m.group(0)[:60] if m else ''!r}) absent from the baseline",
                              properties={"technique": "error-based", "payload": payload})
                found_sql = True
                break
        if p.where == "body":  # light set: each request may store a record
            yield from self._ssti(p, base)
            yield from self._nosql(p, base)
            return
        if not found_sql:
            found = yield from self._boolean(p, base, v)
            found_sql = found
        if not found_sql:
            yield from self._time(p, base, v, "dast.sql-injection-time",
                                  ("{v}' AND SLEEP({d})-- ", "{v}'; SELECT pg_sleep({d})--", "{v} AND SLEEP({d})",
                                   "{v}'; WAITFOR DELAY '0:0:{d}'--"))
        yield from self._reflection(p, base)
        yield from self._time(p, base, v, "dast.os-command-injection",
                              ("{v};sleep {d}", "{v}|sleep {d}", "{v}$(sleep {d})"))

    def _boolean(self, p: Point, base: httpx.Response, v: str) -> Generator[Finding, None, bool]:
        pairs = ((f"{v}' AND '1'='1", f"{v}' AND '1'='2"), (f"{v}%' AND 1=1 -- ", f"{v}%' AND 1=2 -- "),
                 (f"{v} AND 1=1", f"{v} AND 1=2"))
        for true, false in pairs:
            rt = self.send(p, true)
            if rt is None or rt.status_code != base.status_code or not _same(rt, base):
                continue
            rf = self.send(p, false)
            if rf is None or _same(rf, rt):
                continue
            rt2 = self.send(p, true.replace("1=1", "2=2").replace("'1'='1", "'2'='2"))
            if rt2 is None or not _same(rt2, rt):
                continue
            yield self._f("dast.sql-injection", rt, p, f"{p.param}: {true!r} answers like the baseline and "
                          f"{false!r} differently (boolean-based)", properties={"technique": "boolean-based",
                                                                                "payload": true})
            return True
        return False

    def _time(self, p: Point, base: httpx.Response, v: str, rule_id: str, templates: tuple[str, ...]
              ) -> Iterator[Finding]:
        d = self.delay
        base_s = self.base_seconds
        for template in templates:
            if self.delay_left < d * 2 or self.scanner.out_of_budget:
                return
            payload = template.format(v=v, d=int(d) if d == int(d) else d)
            start = time.monotonic()
            r = self.send(p, payload, timeout=d + 10)
            took = time.monotonic() - start
            self.delay_left -= min(took, d + 1)
            if r is None or took < d * 0.95 + base_s:
                continue
            start = time.monotonic()
            r2 = self.send(p, payload, timeout=d + 10)
            took2 = time.monotonic() - start
            self.delay_left -= min(took2, d + 1)
            quick = template.format(v=v, d=0)
            start = time.monotonic()
            self.send(p, quick, timeout=d + 10)
            took0 = time.monotonic() - start
            if r2 is not None and took2 >= d * 0.95 and took0 < d * 0.5:
                yield self._f(rule_id, r2, p, f"{p.param}={payload!r} delayed the answer by {took:.1f}/{took2:.1f} s "
                              f"(baseline {base_s:.2f} s, zero delay {took0:.2f} s)", confidence=Confidence.MEDIUM,
                              properties={"technique": "time-based", "payload": payload})
                return

    def _reflection(self, p: Point, base: httpx.Response) -> Iterator[Finding]:
        r = self.send(p, XSS_MARK)
        if r is not None and "html" in (r.headers.get("content-type") or "") and "<svg/onload=pcx7>" in r.text:
            yield self._f("dast.xss-reflected", r, p, f"{p.param} reflected unescaped into an HTML answer")
        yield from self._ssti(p, base)
        r = self.send(p, "pcx\r\nX-Pulsecheck-Crlf: 1")
        if r is not None and r.headers.get("x-pulsecheck-crlf") is not None:
            yield self._f("dast.crlf-injection", r, p, f"{p.param} with CR LF added a response header")
        if FILEISH.match(p.param):
            for payload in TRAVERSAL:
                r = self.send(p, payload)
                if r is not None and PASSWD.search(r.text[:100_000]) and not PASSWD.search(base.text[:100_000]):
                    yield self._f("dast.path-traversal", r, p, f"{p.param}={payload!r} returned /etc/passwd")
                    break
        if URLISH.match(p.param):
            r = self.send(p, f"https://{REDIRECT_HOST}/")
            loc = (r.headers.get("location") or "") if r is not None else ""
            if r is not None and 300 <= r.status_code < 400 and re.match(rf"^(?:https?:)?//{re.escape(REDIRECT_HOST)}",
                                                                        loc):
                yield self._f("dast.open-redirect", r, p, f"{p.param} redirected to {loc[:80]}")
            if self.canary is not None:
                token = "pcx-" + secrets.token_hex(8)
                r = self.send(p, self.canary.url(token))
                time.sleep(0.2)
                if r is not None and any(token in h for h in self.canary.hits):
                    yield self._f("dast.ssrf", r, p, f"{p.param}: the server fetched the scan's canary URL")

    def _ssti(self, p: Point, base: httpx.Response) -> Iterator[Finding]:
        for payload in SSTI[:2] if p.where == "body" else SSTI:
            r = self.send(p, payload)
            if r is not None and "pcx1337x" in r.text and "pcx1337x" not in base.text:
                yield self._f("dast.ssti", r, p, f"{p.param}={payload!r} was evaluated (pcx1337x in the answer)")
                return

    def _nosql(self, p: Point, base: httpx.Response) -> Iterator[Finding]:
        user_key = next((k for k in p.body if k != p.param and re.search(r"(?i)email|user|login", k)), None)
        if user_key is not None and self.known_user:  # an operator only bypasses a check for a real account
            p = Point(p.method, p.url, p.route, p.param, p.where, dict(p.params), {**p.body, user_key: self.known_user})
            base = self.send(p, self.original(p)) or base
        r = self.send(p, {"$ne": "pulsecheck-nosuchvalue"})
        if r is not None and base.status_code >= 400 and 200 <= r.status_code < 300:
            yield self._f("dast.nosql-injection", r, p, f"{p.param}={{'$ne': ...}} turned a {base.status_code} "
                          f"into {r.status_code}")


def _same(a: httpx.Response, b: httpx.Response) -> bool:
    if a.status_code != b.status_code:
        return False
    if a.content == b.content:
        return True
    la, lb = len(a.content), len(b.content)
    return abs(la - lb) <= max(16, 0.02 * max(la, lb)) and "json" not in (a.headers.get("content-type") or "")


def path_traversal_routes(scanner: Scanner, origin: str, identity: Identity) -> Iterator[Finding]:
    """Catch-all static routes: an encoded ``../`` in the path itself."""
    for path in ("/..%2f..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd", "/static/..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd"):
        r = scanner.try_send("GET", origin + path, identity=identity)
        if r is not None and r.status_code == 200 and PASSWD.search(r.text[:100_000]):
            yield finding("dast.path-traversal", r, route=path.rsplit("/..", 1)[0] + "/{path}", parameter="path",
                          parameter_in="path", message=f"GET {path} returned /etc/passwd")
            return


_DOM_SINK = re.compile(r"(?:\.innerHTML|\.outerHTML|document\.write(?:ln)?|insertAdjacentHTML|\beval)\s*[(=+]"
                       r"[^;\n]{0,200}?(?:location\.(?:hash|search|href)|document\.(?:URL|referrer|cookie)"
                       r"|window\.name)")


def dom_sinks(responses: dict[str, httpx.Response]) -> Iterator[Finding]:
    """Scripts that write the URL (location.hash/search...) into an HTML sink: DOM XSS markers
    (a marker, medium confidence: no browser runs them here)."""
    for url, r in list(responses.items())[:500]:
        ctype = r.headers.get("content-type") or ""
        if r.status_code != 200 or not ("javascript" in ctype or "html" in ctype):
            continue
        m = _DOM_SINK.search(r.text[:2_000_000])
        if m:
            yield finding("dast.dom-xss-sink", r, message=f"script writes {m.group(0)[:80]!r}", url=url,
                          confidence=Confidence.MEDIUM)


def login_ops(ops: list[Operation]) -> list[Operation]:
    return [op for op in ops if op.method == "POST" and re.search(r"(?i)(login|signin|sign-in|session|token|auth)",
                                                                 op.path)
            and op.body_schema is not None
            and any("pass" in k.lower() for k in (op.body_schema.get("properties") or {}))]


def reset_checks(scanner: Scanner, origin: str, ops: list[Operation], known_email: str | None) -> Iterator[Finding]:
    """Password reset / forgot: a known account and an unknown one must get the same answer."""
    if not known_email:
        return
    for op in ops:
        if op.method != "POST" or not re.search(r"(?i)(reset|forgot|recover)", op.path) or op.body_schema is None:
            continue
        props = op.body_schema.get("properties") or {}
        key = next((k for k in props if re.search(r"(?i)email|user|login", k)), None)
        if key is None:
            continue
        body = generated_body(op)
        body = dict(body) if isinstance(body, dict) else {}
        unknown = f"pulsecheck-{secrets.token_hex(4)}@example.org"
        r_known = scanner.try_send("POST", origin + op.path, json={**body, key: known_email})
        r_unknown = scanner.try_send("POST", origin + op.path, json={**body, key: unknown})
        if r_known is not None and r_unknown is not None and (
                r_known.status_code != r_unknown.status_code
                or r_known.text.replace(known_email, "") != r_unknown.text.replace(unknown, "")):
            yield finding("dast.user-enumeration", r_unknown, route=op.path, parameter=key, parameter_in="body",
                          message=f"password reset answers a known account {r_known.status_code} and an unknown "
                                  f"one {r_unknown.status_code} (or a different body)")


def login_checks(scanner: Scanner, origin: str, ops: list[Operation], known_email: str | None, burst: int
                 ) -> Iterator[Finding]:
    for op in login_ops(ops)[:2]:
        props = op.body_schema.get("properties", {}) if op.body_schema else {}
        user_key = next((k for k in props if re.search(r"(?i)email|user|login|name", k)), None)
        pass_key = next(k for k in props if "pass" in k.lower())
        if user_key is None:
            continue
        body = generated_body(op)
        body = dict(body) if isinstance(body, dict) else {}
        wrong = "pulsecheck-Wrong-" + secrets.token_hex(4)
        unknown = f"pulsecheck-{secrets.token_hex(4)}@example.org"
        url = origin + op.path
        if known_email:
            r_known = scanner.try_send("POST", url, json={**body, user_key: known_email, pass_key: wrong})
            r_unknown = scanner.try_send("POST", url, json={**body, user_key: unknown, pass_key: wrong})
            if r_known is not None and r_unknown is not None and (
                    r_known.status_code != r_unknown.status_code
                    or r_known.text.replace(known_email, "") != r_unknown.text.replace(unknown, "")):
                yield finding("dast.user-enumeration", r_known, route=op.path, parameter=user_key, parameter_in="body",
                              message=f"a known account and an unknown one got different answers "
                                      f"({r_known.status_code} vs {r_unknown.status_code})")
        statuses = []
        last: httpx.Response | None = None
        for _ in range(burst):
            last = scanner.try_send("POST", url, json={**body, user_key: known_email or unknown, pass_key: wrong},
                                    passive=False)
            if last is None:
                break
            statuses.append(last.status_code)
            if last.status_code in (423, 429) or last.headers.get("retry-after"):
                break
        if last is not None and len(statuses) == burst and not {423, 429} & set(statuses) \
                and not re.search(r"(?i)locked|too many|try again later|captcha", last.text[:5000]):
            yield finding("dast.login-rate-limit-missing", last, route=op.path, parameter=pass_key, parameter_in="body",
                          message=f"{burst} wrong passwords in a row all answered {sorted(set(statuses))}, "
                                  f"none throttled or locked")
