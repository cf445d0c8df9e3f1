"""Build the site map: HTML links and forms, JavaScript-referenced paths, robots.txt, sitemap.xml,
the OpenAPI spec (given or found at the usual paths) and a HAR recording.

Strict scope: a URL is queued only when its origin is one of the target's (the scanner refuses
anything else anyway); redirects are never followed by the client, an in-scope ``Location`` is
queued like a link. At most :data:`PER_TEMPLATE` concrete URLs per route template are fetched
(``/items/1``..``/items/9999`` is one page to a scanner), and ``max_depth`` link hops.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections import deque
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urldefrag, urljoin, urlsplit, urlunsplit

import defusedxml.ElementTree as DefusedET
import httpx

from pulsecheck.model import route_template
from pulsecheck.stages.dast.client import ANONYMOUS, Identity, Refused, Scanner
from pulsecheck.stages.dast.openapi import Operation, Param, Spec, parse_spec

PER_TEMPLATE = 3
SPEC_PATHS = ("/openapi.json", "/swagger.json", "/v3/api-docs", "/api/openapi.json", "/swagger/v1/swagger.json")
MAX_LINKS_PER_PAGE = 500
_JS_PATH = re.compile(r"""["'`](/(?:api|v\d|fhir|graphql|rest|auth|admin|user|account)[A-Za-z0-9_\-./]{0,200})"""
                      r"""(?:\?[^"'`\s]{0,200})?(?:\$\{|["'`])""")
_ROBOTS = re.compile(r"(?im)^\s*(?:dis)?allow\s*:\s*(/\S{0,300})")
_SITEMAP = re.compile(r"(?im)^\s*sitemap\s*:\s*(\S{1,500})")


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str]
    page: str


@dataclass
class Page:
    url: str
    status: int
    content_type: str
    depth: int


@dataclass
class SiteMap:
    pages: dict[str, Page] = field(default_factory=dict)
    forms: list[Form] = field(default_factory=list)
    operations: list[Operation] = field(default_factory=list)
    spec: Spec | None = None
    spec_url: str | None = None
    templates: dict[str, int] = field(default_factory=dict)
    responses: dict[str, httpx.Response] = field(default_factory=dict)
    """URL -> the crawl's response (identity A, or anonymous)."""
    har_requests: list[dict[str, Any]] = field(default_factory=list)
    title_words: set[str] = field(default_factory=set)

    def get_urls(self) -> list[str]:
        return [u for u, p in self.pages.items() if 200 <= p.status < 300]


class _Links(HTMLParser):
    def __init__(self, base: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base
        self.links: list[str] = []
        self.forms: list[Form] = []
        self.scripts: list[str] = []
        self._form: Form | None = None
        self._in_script = False
        self._in_title = False
        self.title = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if len(self.links) > MAX_LINKS_PER_PAGE:
            return
        if tag in ("a", "link", "area") and a.get("href"):
            self.links.append(a["href"])
        elif tag in ("script", "iframe", "frame") and a.get("src"):
            self.links.append(a["src"])
        elif tag == "form":
            self._form = Form(a.get("action") or self.base, (a.get("method") or "get").upper(), {}, self.base)
            self.forms.append(self._form)
        elif tag in ("input", "textarea", "select") and self._form is not None and a.get("name"):
            self._form.fields[a["name"]] = a.get("value") or ""
        if tag == "script" and not a.get("src"):
            self._in_script = True
        if tag == "title":
            self._in_title = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "script":
            self._in_script = False
        elif tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_script and len(self.scripts) < 50:
            self.scripts.append(data[:200_000])
        if self._in_title:
            self.title += data[:200]


def normalize(base: str, link: str) -> str | None:
    link = link.strip()
    if not link or link.startswith(("javascript:", "mailto:", "tel:", "data:", "#")):
        return None
    url, _ = urldefrag(urljoin(base, link))
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return None
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


class Crawler:
    def __init__(self, scanner: Scanner, base_url: str, *, identity: Identity = ANONYMOUS, max_depth: int = 5,
                 concurrency: int = 4, note: Any = None) -> None:
        self.scanner = scanner
        self.base = base_url if base_url.endswith("/") else base_url + "/"
        self.origin = "{0.scheme}://{0.netloc}".format(urlsplit(base_url))
        self.identity = identity
        self.max_depth = max_depth
        self.concurrency = concurrency
        self.note = note or (lambda _m: None)
        self.map = SiteMap()
        self._queued: set[str] = set()
        self._queue: deque[tuple[str, int]] = deque()

    # -- queue ---------------------------------------------------------------------------------
    def enqueue(self, url: str | None, depth: int) -> None:
        if url is None or depth > self.max_depth or url in self._queued:
            return
        if not self.scanner.in_scope(url):
            return  # never requested, not even once
        template = route_template(url)
        if self.map.templates.get(template, 0) >= PER_TEMPLATE:
            return
        self.map.templates[template] = self.map.templates.get(template, 0) + 1
        self._queued.add(url)
        self._queue.append((url, depth))

    def seed(self, openapi: str | None = None, har: str | None = None) -> None:
        self.enqueue(self.base, 0)
        for extra in ("robots.txt", "sitemap.xml"):
            self.enqueue(urljoin(self.origin + "/", extra), 1)
        if har:
            self.load_har(har)
        self.load_spec(openapi)

    # -- OpenAPI ---------------------------------------------------------------------------------
    def load_spec(self, option: str | None) -> None:
        candidates: list[tuple[str, str | None]] = []
        if option:
            if option.startswith(("http://", "https://")):
                if not self.scanner.in_scope(option):
                    self.note(f"openapi {option}: not in the scan's scope; not fetched")
                else:
                    candidates.append((option, None))
            else:
                try:
                    text = Path(option).read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError) as exc:
                    self.note(f"openapi {option}: unreadable ({type(exc).__name__})")
                else:
                    candidates.append((option, text))
        candidates += [(self.origin + p, None) for p in SPEC_PATHS]
        for source, given in candidates:
            text = given or ""
            if given is None:
                try:
                    r = self.scanner.send("GET", source, identity=self.identity)
                except Refused:
                    continue
                if r.status_code != 200 or len(r.content) > 20_000_000:
                    continue
                text = r.text
            spec = parse_spec(text, source)
            if spec is None:
                if source == option:
                    self.note(f"openapi {option}: not an OpenAPI/Swagger document")
                continue
            self.map.spec, self.map.spec_url = spec, source
            self.map.operations.extend(spec.operations())
            return

    # -- HAR -------------------------------------------------------------------------------------
    def load_har(self, path: str) -> None:
        try:
            doc = json.loads(Path(path).read_text(encoding="utf-8"))
            entries = doc["log"]["entries"]
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
            self.note(f"har {path}: unreadable ({type(exc).__name__})")
            return
        for entry in entries[:5000] if isinstance(entries, list) else []:
            req = entry.get("request") if isinstance(entry, dict) else None
            if not isinstance(req, dict) or not isinstance(req.get("url"), str):
                continue
            url = req["url"]
            if not self.scanner.in_scope(url):
                continue
            method = str(req.get("method", "GET")).upper()
            self.map.har_requests.append(req)
            if method == "GET":
                self.enqueue(url, 1)
            else:
                body = (req.get("postData") or {}).get("text")
                example: Any = None
                if isinstance(body, str):
                    try:
                        example = json.loads(body)
                    except ValueError:
                        example = None
                path = urlsplit(url).path
                params = tuple(Param(k, "query", False, {}, v) for k, v in parse_qsl(urlsplit(url).query))
                self.map.operations.append(Operation(method, route_template(path), params, body_schema=None,
                                                     body_example=example, source="har"))

    # -- crawl -------------------------------------------------------------------------------------
    def run(self) -> SiteMap:
        with ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="dast-crawl") as pool:
            while self._queue and not self.scanner.out_of_budget:
                batch = [self._queue.popleft() for _ in range(min(len(self._queue), self.concurrency * 2))]
                for url, depth, response in pool.map(self._fetch, batch):
                    if response is not None:
                        self._parse(url, depth, response)
        for op in self.map.operations:
            if op.method == "GET" and not op.path_params:
                self.enqueue(self.origin + op.path + self._query(op), 1)
        while self._queue and not self.scanner.out_of_budget:
            url, depth = self._queue.popleft()
            _, _, response = self._fetch((url, depth))
            if response is not None:
                self._parse(url, depth, response)
        return self.map

    @staticmethod
    def _query(op: Operation) -> str:
        from pulsecheck.stages.dast.openapi import sample

        required = [p for p in op.query_params if p.required]
        if not required:
            return ""
        return "?" + str(httpx.QueryParams({p.name: str(p.example if p.example is not None else sample(p.schema, p.name))
                                           for p in required}))

    def _fetch(self, item: tuple[str, int]) -> tuple[str, int, httpx.Response | None]:
        url, depth = item
        try:
            return url, depth, self.scanner.send("GET", url, identity=self.identity)
        except Refused:
            return url, depth, None

    def _parse(self, url: str, depth: int, r: httpx.Response) -> None:
        ctype = (r.headers.get("content-type") or "").split(";")[0].strip().lower()
        self.map.pages[url] = Page(url, r.status_code, ctype, depth)
        self.map.responses[url] = r
        if 300 <= r.status_code < 400 and r.headers.get("location"):
            self.enqueue(normalize(url, r.headers["location"]), depth + 1)
            return
        if r.status_code >= 400 or len(r.content) > 5_000_000:
            return
        text = r.text
        path = urlsplit(url).path
        if path == "/robots.txt":
            for m in _ROBOTS.finditer(text[:100_000]):
                if "*" not in m.group(1):
                    self.enqueue(normalize(url, m.group(1)), depth + 1)
            for m in _SITEMAP.finditer(text[:100_000]):
                self.enqueue(normalize(url, m.group(1)), depth + 1)
        elif path.endswith(".xml") and "<urlset" in text[:2000] or "<sitemapindex" in text[:2000]:
            self._sitemap(url, text, depth)
        elif ctype in ("text/html", "application/xhtml+xml"):
            parser = _Links(url)
            with contextlib.suppress(Exception):  # a malformed page keeps what was parsed
                parser.feed(text[:2_000_000])
            self.map.title_words |= {w.lower() for w in re.findall(r"[A-Za-z][A-Za-z0-9]{2,30}", parser.title)}
            for link in parser.links:
                self.enqueue(normalize(url, link), depth + 1)
            for form in parser.forms:
                form.action = normalize(url, form.action) or url
                if self.scanner.in_scope(form.action):
                    self.map.forms.append(form)
                    if form.method == "GET":
                        self.enqueue(form.action + "?" + str(httpx.QueryParams(
                            {k: v or "a" for k, v in form.fields.items()})), depth + 1)
            for script in parser.scripts:
                self._js(url, script, depth)
        elif ctype in ("application/javascript", "text/javascript") or path.endswith((".js", ".mjs")):
            self._js(url, text, depth)

    def _js(self, url: str, text: str, depth: int) -> None:
        for m in _JS_PATH.finditer(text[:2_000_000]):
            self.enqueue(normalize(url, m.group(1)), depth + 1)

    def _sitemap(self, url: str, text: str, depth: int) -> None:
        try:
            root = DefusedET.fromstring(text[:5_000_000])
        except Exception:  # noqa: BLE001 - not XML: nothing to follow
            return
        for el in root.iter():
            if el.tag.endswith("loc") and el.text:
                self.enqueue(normalize(url, el.text.strip()), depth + 1)


def concrete(origin: str, template: str, values: dict[str, Any]) -> str:
    path = re.sub(r"\{([^}/]+)\}", lambda m: str(values.get(m.group(1), "1")), template)
    return origin + path


def list_ids(doc: Any) -> list[str]:
    """Ids of the objects a list response holds (``[{"id": 3}, ...]``, ``{"items": [...]}``, a
    FHIR Bundle)."""
    items: Iterable[Any] = ()
    if isinstance(doc, list):
        items = doc
    elif isinstance(doc, dict):
        if doc.get("resourceType") == "Bundle":
            items = [e.get("resource") for e in doc.get("entry", []) if isinstance(e, dict)]
        else:
            for key in ("items", "data", "results", "records", "content"):
                if isinstance(doc.get(key), list):
                    items = doc[key]
                    break
    out = []
    for item in list(items)[:200]:
        if isinstance(item, dict):
            value = item.get("id", item.get("uuid", item.get("_id")))
            if isinstance(value, int | str) and not isinstance(value, bool) and str(value):
                out.append(str(value))
    return out
