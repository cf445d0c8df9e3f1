"""The recon stage: scope -> TCP connect scan -> TLS-first service identification -> findings for
open datastores, cleartext HTTP and outdated software -> sslyze TLS checks -> shared web checks.

Everything goes through ``ctx.runtime.net`` (raw TCP, scoped) and ``ctx.runtime.http`` (HTTP),
inside one hard time budget (``max_seconds``): what the budget cut short is a gap, never a
silent "clean".
"""

from __future__ import annotations

import asyncio
import threading
import time
import tomllib
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from functools import cache
from importlib import resources
from typing import Any

import httpx

from pulsecheck.evidence import PortObservation, TlsObservation
from pulsecheck.model import Confidence, Finding, HostLocation, Rule, Severity, Targets
from pulsecheck.runtime.net import Net, NetScope
from pulsecheck.stages.interface import StageContext
from pulsecheck.stages.recon import tlscheck, versions
from pulsecheck.stages.recon.options import ReconOptions
from pulsecheck.stages.recon.probes import Service, identify
from pulsecheck.stages.recon.scan import HostScan, scan
from pulsecheck.stages.recon.scope import HostPlan, ScopeError, parse_ports, plan

STAGE_NAME = "recon"
MAX_LINES = 20
"""Hosts listed by name in one note or gap; the rest are counted (all of them are in the facts)."""
HTTP_SERVICES = frozenset({"http", "https", "fhir", "elasticsearch"})
OPEN_SEVERITY = {"memcached": Severity.HIGH, "ftp": Severity.HIGH}
"""Unauthenticated access is critical (data readable by anyone who can connect) except where the
service holds less: a cache (memcached) or a file drop (anonymous FTP)."""


@cache
def _catalog() -> tuple[tuple[Rule, tuple[str, ...]], ...]:
    text = resources.files("pulsecheck.stages.recon").joinpath("rules.toml").read_text("utf-8")
    out = []
    for r in tomllib.loads(text)["rule"]:
        rule = Rule(id=r["id"], stage=STAGE_NAME, title=r["title"], severity=Severity(r["severity"]),
                    confidence=Confidence(r.get("confidence", "high")), cwe=tuple(r["cwe"]),
                    remediation=r["remediation"], tags=("recon",))
        out.append((rule, tuple(r.get("hipaa", ()))))
    return tuple(out)


def rule(rule_id: str) -> Rule:
    return next(r for r, _ in _catalog() if r.id == rule_id)


def _hipaa(rule_id: str) -> list[str]:
    return list(next(h for r, h in _catalog() if r.id == rule_id))


class ReconStage:
    name = STAGE_NAME
    Options = ReconOptions
    needs = frozenset({"hosts"})
    provides: frozenset[str] = frozenset()

    def applies(self, targets: Targets) -> bool:
        return bool(targets.network)

    def rules(self) -> Sequence[Rule]:
        from pulsecheck import webchecks

        return [r for r, _ in _catalog()] + webchecks.rules(STAGE_NAME)

    def run(self, ctx: StageContext) -> Iterator[Finding]:
        opts = ReconOptions.model_validate(ctx.options.model_dump()) if ctx.options is not None else ReconOptions()
        net = ctx.runtime.net if ctx.runtime is not None else Net(NetScope.of(ctx.targets.network))
        try:
            parse_ports(opts.ports)
            plans, skipped = plan(ctx.targets.network, opts.ports, max_addresses=opts.max_addresses,
                                  resolve=(lambda n: net.resolve(n, enabled=True)) if opts.enable_dns else None)
        except ScopeError as exc:
            ctx.gap(f"recon: {exc}")
            return
        for s in skipped:
            ctx.gap(f"recon: {s.target}: not scanned: {s.reason}")
        ctx.facts["plan"] = [{"address": p.address, "target": p.target, "ports": _ranges(p.ports),
                              "port_count": len(p.ports)} for p in plans]
        if opts.plan:
            for p in plans[:MAX_LINES]:
                ctx.note(f"plan: would scan {p.label} on {len(p.ports)} TCP ports ({_ranges(p.ports)[:120]})")
            if len(plans) > MAX_LINES:
                ctx.note(f"plan: and {len(plans) - MAX_LINES:,} more addresses (all in facts['plan'])")
            return
        if not plans:
            return
        deadline = time.monotonic() + opts.max_seconds
        timings: dict[str, float] = {}
        ctx.facts["timings_s"] = timings
        hosts, services = asyncio.run(self._discover(ctx, net, plans, opts, deadline, timings))
        ctx.facts["hosts"] = [{"address": h.address, "down": h.down, "open": h.open, "closed": h.closed,
                               "filtered": h.filtered, "not_scanned": h.skipped} for h in hosts]
        ctx.facts["services"] = [s.fact() for s in services]
        down = [h.address for h in hosts if h.down]
        if down:
            ctx.note(f"recon: {len(down)} host(s) gave no answer on their first ports (down or filtered), not "
                     f"scanned further: {', '.join(down[:MAX_LINES])}{' ...' if len(down) > MAX_LINES else ''}")
        cut = [h for h in hosts if h.skipped and not h.down]
        if cut:
            where = ", ".join(f"{h.address} ({h.skipped})" for h in cut[:MAX_LINES])
            ctx.gap(f"recon: {sum(h.skipped for h in cut):,} ports not scanned within the time budget of "
                    f"{opts.max_seconds:g}s on {len(cut)} host(s): {where}{' ...' if len(cut) > MAX_LINES else ''}")
        judged: set[str] = set()
        yield from self._service_findings(services, judged)
        tls_services = [s for s in services if s.tls or (s.service == "postgresql"
                                                         and s.details.get("ssl") == "offered")]
        if opts.tls and tls_services:
            started = time.monotonic()
            yield from self._tls(ctx, net, tls_services, opts, deadline, judged)
            timings["tls"] = round(time.monotonic() - started, 3)
        if opts.http_checks:
            started = time.monotonic()
            yield from self._web(ctx, services, deadline)
            timings["web"] = round(time.monotonic() - started, 3)
        ctx.facts["assessed"] = {rid: _hipaa(rid) for rid in sorted(judged)}
        age = (date.today() - versions.as_of()).days
        if age > 180 and any(s.version for s in services):
            ctx.note(f"recon: the versions table is dated {versions.as_of()} ({age} days old): releases after it "
                     "are unknown to the outdated check")

    async def _discover(self, ctx: StageContext, net: Net, plans: list[HostPlan], opts: ReconOptions,
                        deadline: float, timings: dict[str, float]) -> tuple[list[HostScan], list[Service]]:
        net.total, net.per_host = opts.concurrency, opts.per_host
        stop = _StopOnCancel(ctx.cancel, deadline)
        started = time.monotonic()
        hosts = await scan(net, plans, concurrency=opts.concurrency, timeout=opts.connect_timeout,
                           retries=opts.retries, deadline=stop.deadline(), skip_down=opts.skip_down_hosts)
        timings["scan"] = round(time.monotonic() - started, 3)
        started = time.monotonic()
        jobs = [(h.address, port) for h in hosts for port in h.open]
        services: list[Service] = []

        async def one(address: str, port: int) -> None:
            left = stop.deadline() - time.monotonic()
            if left <= 0:
                services.append(Service(address, port, details={"identified": "no (time budget)"}))
                return
            try:
                services.append(await asyncio.wait_for(identify(net, address, port, opts.probe_timeout), left))
            except TimeoutError:
                services.append(Service(address, port, details={"identified": "no (time budget)"}))
        sem = asyncio.Semaphore(max(1, min(opts.concurrency, 64)))

        async def bounded(address: str, port: int) -> None:
            async with sem:
                await one(address, port)
        await asyncio.gather(*(bounded(a, p) for a, p in jobs))
        unidentified = [f"{s.host}:{s.port}" for s in services if s.details.get("identified")]
        if unidentified:
            ctx.gap(f"recon: {len(unidentified)} open ports not identified within the time budget "
                    f"({', '.join(unidentified[:10])})")
        services.sort(key=lambda s: (s.host, s.port))
        timings["identify"] = round(time.monotonic() - started, 3)
        return hosts, services

    def _service_findings(self, services: list[Service], judged: set[str]) -> Iterator[Finding]:
        today = datetime.now(UTC).date()
        if services:
            judged.update({"recon.unauthenticated-datastore"})
        for s in services:
            loc = HostLocation(s.host, s.port, "tcp")
            evidence = PortObservation(s.host, s.port, "tcp", service=s.service, banner=s.banner)
            props: dict[str, Any] = {"service": s.service, "product": s.product or None,
                                     "version": s.version or None, "tls": s.tls}
            if s.open_access:
                r = rule("recon.unauthenticated-datastore")
                yield Finding.from_rule(r, message=f"{s.service} on {s.host}:{s.port} answers without "
                                                   f"authentication: {s.open_access}",
                                        location=loc, evidence=evidence, identity=s.open_kind,
                                        severity=OPEN_SEVERITY.get(s.open_kind, Severity.CRITICAL),
                                        properties={**props, "kind": s.open_kind})
            if s.service in HTTP_SERVICES:
                judged.add("recon.cleartext-http")
                if not s.tls:
                    yield self._cleartext(s, loc, evidence, props)
            yield from self._versions(s, loc, evidence, props, today, judged)

    def _cleartext(self, s: Service, loc: HostLocation, evidence: PortObservation,
                   props: dict[str, Any]) -> Finding:
        r = rule("recon.cleartext-http")
        location = s.http.header("location") if s.http is not None else ""
        redirects = s.http is not None and 300 <= s.http.status < 400 and location.lower().startswith("https://")
        message = (f"HTTP without TLS on {s.host}:{s.port}" + (f" ({s.details['title']})" if "title" in s.details else "")
                   + (": it redirects to HTTPS, but the first request still travels in cleartext" if redirects
                      else ": requests, credentials and responses travel in cleartext"))
        return Finding.from_rule(r, message=message, location=loc, evidence=evidence,
                                 severity=Severity.LOW if redirects else r.severity,
                                 properties={**props, "redirects_to_https": redirects})

    def _versions(self, s: Service, loc: HostLocation, evidence: PortObservation, props: dict[str, Any],
                  today: date, judged: set[str]) -> Iterator[Finding]:
        pairs: list[tuple[str, str]] = []
        if s.product and s.version:
            pairs.append((s.product, s.version))
        for header in ("server", "x-powered-by"):
            if header in s.details:
                pairs += versions.products_in(s.details[header])
        seen: set[str] = set()
        distro = any(t in (s.banner + s.details.get("os", "") + s.details.get("server", "")).lower()
                     for t in ("debian", "ubuntu", "deb1", "el7", "el8", "el9", "centos", "red hat"))
        for product, version in pairs:
            name = versions.canonical(product)
            if name is None or name in seen:
                continue
            seen.add(name)
            judged.update({"recon.eol-software", "recon.outdated-software"})
            verdict = versions.judge(product, version, today)
            if verdict is None:
                continue
            r = rule(verdict.rule)
            confidence = Confidence.LOW if distro and verdict.rule == "recon.outdated-software" else r.confidence
            yield Finding.from_rule(r, message=f"{s.host}:{s.port}: {verdict.message}", location=loc,
                                    evidence=evidence, identity=f"{verdict.product}", confidence=confidence,
                                    properties={**props, "product": verdict.product, "version": verdict.version,
                                                "table_as_of": str(versions.as_of()), "source": verdict.source})

    def _tls(self, ctx: StageContext, net: Net, services: list[Service], opts: ReconOptions, deadline: float,
             judged: set[str]) -> Iterator[Finding]:
        names = {(t.host, p) for t in ctx.targets.network for p in t.ports}
        servers = [(s.host, s.port, _cert_name(s.host, ctx.targets, names), "" if s.tls else "POSTGRES")
                   for s in services]
        reports: list[tlscheck.TlsReport] = []
        error: list[BaseException] = []

        def work() -> None:
            try:
                reports.extend(tlscheck.scan_all(net, servers, timeout=max(2.0, opts.probe_timeout * 2)))
            except Exception as exc:  # noqa: BLE001 - reported as a gap below
                error.append(exc)
        thread = threading.Thread(target=work, name="recon-sslyze", daemon=True)
        thread.start()
        while thread.is_alive() and time.monotonic() < deadline and not ctx.cancel.is_set():
            thread.join(0.2)
        if thread.is_alive():
            ctx.gap(f"recon: TLS checks not finished within the time budget ({len(reports)}/{len(servers)} done)")
        if error:
            ctx.gap(f"recon: TLS checks failed: {type(error[0]).__name__}: {str(error[0])[:200]}")
        by_port = {(s.host, s.port): s for s in services}
        for rep in list(reports):
            if rep.error:
                ctx.gap(f"recon: {rep.host}:{rep.port}: {rep.error}")
                continue
            judged.update(r.id for r, _ in _catalog() if r.id.startswith("recon.tls-"))
            svc = by_port.get((rep.host, rep.port))
            if svc is not None:
                svc_fact = next((f for f in ctx.facts.get("services", []) if f["host"] == rep.host
                                 and f["port"] == rep.port), None)
                if svc_fact is not None:
                    svc_fact["tls_protocols"] = rep.protocols
            loc = HostLocation(rep.host, rep.port, "tcp")
            for issue in rep.issues:
                r = rule(issue.rule)
                protocol = svc.tls_version if svc is not None else ""
                evidence = TlsObservation(rep.host, rep.port, protocol=protocol,
                                          cipher=svc.tls_cipher if svc is not None else "",
                                          certificate_subject=rep.subject, not_after=rep.not_after,
                                          detail=issue.detail)
                yield Finding.from_rule(r, message=f"{rep.host}:{rep.port} ({svc.service if svc else 'tls'}): "
                                                   f"{issue.message}",
                                        location=loc, evidence=evidence, identity=issue.identity,
                                        properties={"protocols": rep.protocols, "policy":
                                                    f"{tlscheck.policy()['name']} {tlscheck.policy()['version']}"})

    def _web(self, ctx: StageContext, services: list[Service], deadline: float) -> Iterator[Finding]:
        """The shared passive checks (pulsecheck.webchecks, DAST's) on ``GET /`` of every HTTP service:
        fetched through ``ctx.runtime.http`` with the service's origin in scope; where that client
        cannot complete the exchange (a certificate it does not trust), the probe's own response,
        fetched through the scoped connector, is judged instead."""
        from pulsecheck import webchecks

        found: list[Finding] = []
        for s in services:
            if s.service not in HTTP_SERVICES or s.http is None or time.monotonic() >= deadline or ctx.cancel.is_set():
                continue
            url = s.origin + "/"
            response: httpx.Response | None = None
            if ctx.runtime is not None:
                try:
                    with ctx.runtime.http(extra_scope=[s.origin], timeout=5.0) as client:
                        response = client.get(url)
                except httpx.HTTPError:
                    response = None
            if response is None:
                reply = s.http
                response = httpx.Response(reply.status, headers=reply.headers, content=reply.body[:65536],
                                          request=httpx.Request("GET", url))
            found.extend(webchecks.passive_findings(response, stage=STAGE_NAME))
        yield from webchecks.aggregate(found)


class _StopOnCancel:
    def __init__(self, cancel: threading.Event, deadline: float) -> None:
        self.cancel, self._deadline = cancel, deadline

    def deadline(self) -> float:
        return time.monotonic() if self.cancel.is_set() else self._deadline


def _cert_name(address: str, targets: Targets, names: set[tuple[str, int]]) -> str:
    for t in targets.network:
        if t.host == "localhost" and address in ("127.0.0.1", "::1"):
            return "localhost"
    return address


def _ranges(ports: tuple[int, ...]) -> str:
    out: list[str] = []
    start = prev = -2
    for p in ports:
        if p == prev + 1:
            prev = p
            continue
        if start >= 0:
            out.append(str(start) if start == prev else f"{start}-{prev}")
        start = prev = p
    if start >= 0:
        out.append(str(start) if start == prev else f"{start}-{prev}")
    return ",".join(out)


STAGE = ReconStage()
