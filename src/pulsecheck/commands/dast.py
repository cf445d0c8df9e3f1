"""``pulsecheck dast record`` / ``pulsecheck dast replay``: drive DAST from a real session.

``record --listen 127.0.0.1:8089 --scope https://staging.example --output session.har`` runs an
intercepting HTTP proxy (mitmproxy as a library). Point a browser or client at it; requests to
origins in ``--scope`` are forwarded and recorded, any other origin gets a 403 from the proxy
and is neither forwarded nor recorded. Authorization, Cookie and Set-Cookie values are written
redacted unless ``--keep-credentials`` (the HAR then holds live sessions: guard it).

``replay session.har`` sends the recorded requests again through the scoped client (only to the
HAR's own origins, or ``--scope``), with tampering: ``--auth 'Authorization: Bearer …'``
(another identity: repeatable), ``--anonymous`` (credentials stripped), ``--mutate`` (each
numeric query or path id +1, each string query value with a quote), and prints one JSON line
per request: recorded status, replayed status, whether the body matched the recording. A
request another identity or nobody gets the same 2xx body for is flagged ``"access": true``.
Only GET/HEAD/OPTIONS are replayed unless ``--active`` (and never DELETE without
``--allow-destructive``), as in the stage. The HAR seeds the stage too: ``audit --har``.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import re
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import httpx
import typer

from pulsecheck.evidence import REDACTED
from pulsecheck.runtime.http import HostLimiter, OutOfScope, Scope, scoped_client
from pulsecheck.textsafe import one_line

CREDENTIAL_HEADERS = {"authorization", "proxy-authorization", "cookie", "set-cookie"}
MAX_BODY = 1_000_000


def _origin(url: str) -> str:
    p = urlsplit(url)
    return f"{p.scheme}://{p.netloc}"


def _headers(pairs: Any, keep: bool) -> list[dict[str, str]]:
    out = []
    for name, value in pairs:
        if not keep and str(name).lower() in CREDENTIAL_HEADERS:
            value = REDACTED
        out.append({"name": str(name), "value": str(value)})
    return out


def _body(content: bytes | None, ctype: str) -> dict[str, Any]:
    data = (content or b"")[:MAX_BODY]
    try:
        return {"mimeType": ctype, "text": data.decode("utf-8")}
    except UnicodeDecodeError:
        return {"mimeType": ctype, "text": base64.b64encode(data).decode(), "encoding": "base64"}


class HarRecorder:
    """A mitmproxy addon: refuses origins out of scope, records the rest as HAR entries."""

    def __init__(self, scope: Scope, keep_credentials: bool = False, max_entries: int = 100_000) -> None:
        self.scope = scope
        self.keep = keep_credentials
        self.max_entries = max_entries
        self.entries: list[dict[str, Any]] = []
        self.refused: list[str] = []
        self.done = threading.Event()

    def request(self, flow: Any) -> None:
        from mitmproxy import http

        if not self.scope.allows(flow.request.url):
            self.refused.append(_origin(flow.request.url))
            flow.response = http.Response.make(403, b"pulsecheck dast record: origin not in --scope\n",
                                               {"Content-Type": "text/plain"})

    def response(self, flow: Any) -> None:
        if not self.scope.allows(flow.request.url) or len(self.entries) >= self.max_entries:
            return
        req, resp = flow.request, flow.response
        started = datetime.fromtimestamp(req.timestamp_start or 0, UTC).isoformat()
        took = ((resp.timestamp_end or 0) - (req.timestamp_start or 0)) * 1000 if resp else 0
        entry: dict[str, Any] = {
            "startedDateTime": started, "time": round(max(took, 0), 1),
            "request": {"method": req.method, "url": req.url, "httpVersion": req.http_version,
                        "headers": _headers(req.headers.items(multi=True), self.keep),
                        "queryString": [{"name": k, "value": v} for k, v in req.query.items(multi=True)],
                        "cookies": [], "headersSize": -1, "bodySize": len(req.raw_content or b"")},
            "response": {"status": resp.status_code if resp else 0, "statusText": resp.reason if resp else "",
                         "httpVersion": resp.http_version if resp else "",
                         "headers": _headers(resp.headers.items(multi=True), self.keep) if resp else [],
                         "cookies": [], "content": _body(resp.raw_content if resp else b"",
                                                         resp.headers.get("content-type", "") if resp else ""),
                         "redirectURL": resp.headers.get("location", "") if resp else "",
                         "headersSize": -1, "bodySize": len(resp.raw_content or b"") if resp else 0},
            "cache": {}, "timings": {"send": 0, "wait": round(max(took, 0), 1), "receive": 0},
        }
        if req.raw_content:
            entry["request"]["postData"] = {"mimeType": req.headers.get("content-type", ""),
                                            "text": req.raw_content[:MAX_BODY].decode("utf-8", "replace")}
        self.entries.append(entry)
        if len(self.entries) >= self.max_entries:
            self.done.set()

    def har(self) -> dict[str, Any]:
        return {"log": {"version": "1.2", "creator": {"name": "pulsecheck dast record", "version": "1"},
                        "entries": self.entries}}


def record(listen: str, output: Path, scope: list[str], *, keep_credentials: bool = False,
           max_entries: int = 100_000, stop: threading.Event | None = None,
           ready: threading.Event | None = None) -> HarRecorder:
    """Run the proxy until Ctrl-C, ``stop`` or ``max_entries``; write the HAR; return the recorder."""
    from mitmproxy import options
    from mitmproxy.tools.dump import DumpMaster

    host, _, port = listen.rpartition(":")
    recorder = HarRecorder(Scope.of(scope), keep_credentials, max_entries)
    stop = stop or threading.Event()

    async def main() -> None:
        opts = options.Options(listen_host=host or "127.0.0.1", listen_port=int(port))
        master = DumpMaster(opts, with_termlog=False, with_dumper=False)
        master.addons.add(recorder)  # type: ignore[no-untyped-call]

        async def watch() -> None:
            while not stop.is_set() and not recorder.done.is_set():
                await asyncio.sleep(0.05)
            master.shutdown()  # type: ignore[no-untyped-call]

        watcher = asyncio.ensure_future(watch())
        if ready is not None:
            asyncio.get_running_loop().call_later(0.5, ready.set)
        try:
            await master.run()
        finally:
            watcher.cancel()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
    from pulsecheck.safeio import write_atomic

    write_atomic(output, json.dumps(recorder.har(), indent=1, ensure_ascii=False))
    return recorder


# ---- replay --------------------------------------------------------------------------------------

_ID = re.compile(r"^\d{1,18}$")


def load_har(path: Path) -> list[dict[str, Any]]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    entries = doc["log"]["entries"]
    if not isinstance(entries, list):
        raise ValueError("log.entries is not a list")
    return [e["request"] for e in entries if isinstance(e, dict) and isinstance(e.get("request"), dict)
            and isinstance(e["request"].get("url"), str)]


def _auth_headers(values: list[str]) -> dict[str, str]:
    out = {}
    for raw in values:
        name, sep, value = raw.partition(":")
        if not sep or not name.strip():
            raise typer.BadParameter(f"--auth {one_line(name)}: expected 'Header: value'")
        out[name.strip()] = value.strip()
    return out


def variants(req: dict[str, Any], identities: list[tuple[str, dict[str, str] | None]], mutate: bool
             ) -> list[tuple[str, str, dict[str, str] | None]]:
    """(label, url, identity headers) of every request to send for one recorded request."""
    url = req["url"]
    out: list[tuple[str, str, dict[str, str] | None]] = [(label, url, hdrs) for label, hdrs in identities]
    if mutate:
        parts = urlsplit(url)
        segs = parts.path.split("/")
        for i, seg in enumerate(segs):
            if _ID.match(seg):
                new = "/".join([*segs[:i], str(int(seg) + 1), *segs[i + 1:]])
                out.append((f"path:{seg}->{int(seg) + 1}", parts._replace(path=new).geturl(), None))
        q = httpx.QueryParams(parts.query)
        for key, value in q.multi_items():
            new_value = str(int(value) + 1) if _ID.match(value) else value + "'"
            out.append((f"query:{key}", parts._replace(query=str(q.set(key, new_value))).geturl(), None))
    return out


def replay(entries: list[dict[str, Any]], *, scope: list[str], auth: list[str], anonymous: bool, mutate: bool,
           active: bool, allow_destructive: bool, per_second: float = 10.0) -> list[dict[str, Any]]:
    origins = scope or sorted({_origin(r["url"]) for r in entries})
    client = scoped_client(Scope.of(origins), HostLimiter(connections=2, per_second=per_second), timeout=10.0)
    identities: list[tuple[str, dict[str, str] | None]] = [("as-recorded", None)]
    if auth:
        identities.append(("identity", _auth_headers(auth)))
    if anonymous:
        identities.append(("anonymous", {}))
    results: list[dict[str, Any]] = []
    try:
        for req in entries:
            method = str(req.get("method", "GET")).upper()
            if method not in ("GET", "HEAD", "OPTIONS") and not active:
                results.append({"method": method, "url": req["url"], "skipped": "needs --active"})
                continue
            if method == "DELETE" and not allow_destructive:
                results.append({"method": method, "url": req["url"], "skipped": "needs --allow-destructive"})
                continue
            base_headers = {h["name"]: h["value"] for h in req.get("headers", []) if isinstance(h, dict)
                            and str(h.get("name", "")).lower() not in ("host", "content-length", "connection")
                            and not str(h.get("name", "")).startswith(":") and h.get("value") != REDACTED}
            body = (req.get("postData") or {}).get("text")
            recorded: httpx.Response | None = None
            for label, url, ident in variants(req, identities, mutate):
                headers = dict(base_headers)
                if ident is not None:
                    headers = {k: v for k, v in headers.items() if k.lower() not in CREDENTIAL_HEADERS}
                    headers.update(ident)
                try:
                    r = client.request(method, url, headers=headers, content=body.encode() if body else None)
                except OutOfScope:
                    results.append({"method": method, "url": url, "variant": label, "skipped": "out of scope"})
                    continue
                except httpx.HTTPError as exc:
                    results.append({"method": method, "url": url, "variant": label, "error": type(exc).__name__})
                    continue
                if label == "as-recorded":
                    recorded = r
                same = recorded is not None and r.content == recorded.content
                row = {"method": method, "url": url, "variant": label, "status": r.status_code,
                       "recorded_status": recorded.status_code if recorded is not None else None,
                       "same_body": same}
                if label != "as-recorded" and same and 200 <= r.status_code < 300 and recorded is not None \
                        and label in ("identity", "anonymous"):
                    row["access"] = True
                results.append(row)
    finally:
        client.close()
    return results


def register(app: typer.Typer) -> None:
    dast = typer.Typer(help="DAST helpers: record a session through a proxy, replay it with tampering.",
                       no_args_is_help=True)
    app.add_typer(dast, name="dast")

    @dast.command("record")
    def record_cmd(
        listen: Annotated[str, typer.Option("--listen", help="host:port of the proxy (loopback advised).")],
        output: Annotated[Path, typer.Option("--output", "-o", help="HAR file to write.")],
        scope: Annotated[list[str], typer.Option("--scope", help="Origin to forward and record (repeatable).")],
        keep_credentials: Annotated[bool, typer.Option("--keep-credentials",
                                                       help="Write Authorization/Cookie values.")] = False,
        max_entries: Annotated[int, typer.Option("--max-entries", help="Stop after this many requests.")] = 100_000,
    ) -> None:
        """Intercepting proxy that records in-scope traffic to HAR (Ctrl-C to stop)."""
        if ":" not in listen:
            typer.echo("pulsecheck: error: --listen must be host:port", err=True)
            raise typer.Exit(2)
        typer.echo(f"recording {', '.join(scope)} through http://{listen} (Ctrl-C to stop)", err=True)
        rec = record(listen, output, scope, keep_credentials=keep_credentials, max_entries=max_entries)
        typer.echo(f"{len(rec.entries)} requests written to {output}; {len(rec.refused)} out of scope refused",
                   err=True)

    @dast.command("replay")
    def replay_cmd(
        har: Annotated[Path, typer.Argument(help="HAR recording.")],
        auth: Annotated[list[str] | None, typer.Option("--auth", help="Replay as this identity too.")] = None,
        anonymous: Annotated[bool, typer.Option("--anonymous", help="Replay without credentials too.")] = False,
        mutate: Annotated[bool, typer.Option("--mutate", help="Also send ids +1 and quoted values.")] = False,
        scope: Annotated[list[str] | None, typer.Option("--scope", help="Origins allowed (default: the HAR's).")] = None,
        active: Annotated[bool, typer.Option("--active", help="Replay non-GET requests too.")] = False,
        allow_destructive: Annotated[bool, typer.Option("--allow-destructive", help="Replay DELETE too.")] = False,
        per_second: Annotated[float, typer.Option("--per-second", help="Request rate.")] = 10.0,
    ) -> None:
        """Replay a HAR with identities swapped and parameters mutated; one JSON line per request."""
        try:
            entries = load_har(har)
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
            typer.echo(f"pulsecheck: error: {one_line(str(har))}: not a readable HAR ({type(exc).__name__})", err=True)
            raise typer.Exit(2) from None
        rows = replay(entries, scope=scope or [], auth=auth or [], anonymous=anonymous, mutate=mutate,
                      active=active, allow_destructive=allow_destructive, per_second=per_second)
        for row in rows:
            sys.stdout.write(json.dumps(row) + "\n")
        flagged = sum(1 for r in rows if r.get("access"))
        typer.echo(f"{len(rows)} requests replayed; {flagged} answered another identity or nobody like the recording",
                   err=True)
