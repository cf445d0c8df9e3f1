"""Recon against real servers on 127.0.0.1: ports, services, TLS findings, open Redis, scope
safety (a connection outside scope is never opened, checked at the socket) and the time budget."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pulsecheck import engine
from pulsecheck.demo.tls import accepts_tls10
from pulsecheck.model import HostLocation, Report, Targets, UrlLocation
from pulsecheck.runtime.net import Net, NetScope, OutOfNetScope
from pulsecheck.settings import Settings
from pulsecheck.stages.recon.scope import ScopeError, parse_ports, plan, top_ports
from pulsecheck.targets import HostTarget
from stages.recon.servers import free_port, http_server, resp_server, tls_context


def _run(hosts: tuple[str, ...], **options: object) -> Report:
    return engine.run(Targets(hosts=hosts), Settings(stages=("recon",), stage_options={"recon": dict(options)}))


def _by_rule(report: Report) -> dict[str, list[int | None]]:
    out: dict[str, list[int | None]] = {}
    for f in report.findings:
        if isinstance(f.location, HostLocation):
            out.setdefault(f.rule_id, []).append(f.location.port)
    return out


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, int]]:
    legacy = tls_context(tmp_path_factory.mktemp("legacy"), legacy=True)
    modern = tls_context(tmp_path_factory.mktemp("modern"), legacy=False)
    with http_server(legacy) as weak, http_server(modern) as strong, http_server() as plain, resp_server() as redis:
        yield {"weak": weak, "strong": strong, "plain": plain, "redis": redis, "closed": free_port()}


@pytest.fixture(scope="module")
def scanned(lab: dict[str, int]) -> Report:
    ports = ",".join(str(p) for p in lab.values())
    return _run((f"127.0.0.1:{ports}",))


def test_ports_and_services_by_behaviour(scanned: Report, lab: dict[str, int]) -> None:
    (result,) = scanned.stages
    assert result.status == "completed", result.outcome
    services = {s["port"]: s for s in result.outcome.facts["services"]}  # type: ignore[union-attr]
    assert set(services) == {lab["weak"], lab["strong"], lab["plain"], lab["redis"]}
    assert services[lab["weak"]]["tls"] and services[lab["weak"]]["service"] == "https"
    assert services[lab["strong"]]["tls"] and services[lab["strong"]]["service"] == "https"
    assert not services[lab["plain"]]["tls"] and services[lab["plain"]]["service"] == "http"
    assert (services[lab["plain"]]["product"], services[lab["plain"]]["version"]) == ("nginx", "1.18.0")
    assert services[lab["redis"]]["service"] == "redis" and services[lab["redis"]]["version"] == "6.0.16"


def test_tls_findings_on_the_weak_port_only(scanned: Report, lab: dict[str, int]) -> None:
    rules = _by_rule(scanned)
    assert lab["weak"] in rules["recon.tls-self-signed-cert"] and lab["strong"] in rules["recon.tls-self-signed-cert"]
    if accepts_tls10(lab["weak"]):
        assert rules["recon.tls-weak-protocol-tls10"] == [lab["weak"]]
        assert rules["recon.tls-weak-protocol-tls11"] == [lab["weak"]]
    assert lab["strong"] not in rules.get("recon.tls-weak-protocol-tls10", [])
    strong_above_low = [f for f in scanned.findings if isinstance(f.location, HostLocation)
                        and f.location.port == lab["strong"] and f.severity > "low"
                        and "self-signed" not in f.rule_id and "eol" not in f.rule_id]
    assert strong_above_low == []


def test_shared_web_checks_on_each_http_service(scanned: Report, lab: dict[str, int]) -> None:
    # URL identity has no port (model.UrlLocation): one site-wide finding per host lists every
    # service's URL in properties["urls"]
    web: set[tuple[str, str]] = set()
    for f in scanned.findings:
        if isinstance(f.location, UrlLocation):
            web.update((f.rule_id, str(u)) for u in (f.location.url, *f.properties.get("urls", ())))
    assert ("recon.missing-hsts", f"https://127.0.0.1:{lab['weak']}/") in web
    assert ("recon.missing-hsts", f"https://127.0.0.1:{lab['strong']}/") in web
    assert ("recon.missing-csp", f"http://127.0.0.1:{lab['plain']}/") in web
    assert not any(f"127.0.0.1:{lab['redis']}" in url for _, url in web)


def test_open_redis_cleartext_http_and_eol(scanned: Report, lab: dict[str, int]) -> None:
    rules = _by_rule(scanned)
    assert rules["recon.unauthenticated-datastore"] == [lab["redis"]]
    redis = next(f for f in scanned.findings if f.rule_id == "recon.unauthenticated-datastore")
    assert redis.severity == "critical" and "CWE-306" in redis.cwe
    assert rules["recon.cleartext-http"] == [lab["plain"]]
    assert lab["plain"] in rules["recon.eol-software"]  # nginx 1.18: EOL 2021
    (result,) = scanned.stages
    assessed = result.outcome.facts["assessed"]  # type: ignore[union-attr]
    assert "164.312(e)(1)" in assessed["recon.cleartext-http"]
    assert "164.312(a)(1)" in assessed["recon.unauthenticated-datastore"]


def test_fingerprints_stable_across_runs(scanned: Report, lab: dict[str, int]) -> None:
    again = _run((f"127.0.0.1:{lab['redis']},{lab['plain']}",))
    first = {f.fingerprint for f in scanned.findings if f.location.display().startswith(
        (f"127.0.0.1:{lab['redis']}/", f"127.0.0.1:{lab['plain']}/", f"GET http://127.0.0.1:{lab['plain']}/"))}
    assert {f.fingerprint for f in again.findings} == first


def test_plan_connects_nowhere(lab: dict[str, int], monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[object] = []
    real = socket.socket.connect
    monkeypatch.setattr(socket.socket, "connect", lambda self, addr: (seen.append(addr), real(self, addr))[1])
    report = _run(("127.0.0.1", "10.1.2.0/30:22"), plan=True)
    (result,) = report.stages
    assert seen == [] and report.findings == ()
    facts = result.outcome.facts["plan"]  # type: ignore[union-attr]
    assert [p["address"] for p in facts] == ["127.0.0.1", "10.1.2.1", "10.1.2.2"]
    assert facts[0]["port_count"] == len(parse_ports("top1000")) >= 1000 and facts[1]["ports"] == "22"


def test_out_of_scope_never_connected(lab: dict[str, int], monkeypatch: pytest.MonkeyPatch) -> None:
    """Every socket connect the process makes during the audit is recorded at the socket level."""
    seen: list[tuple[str, int]] = []
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def connect(self: socket.socket, addr: tuple[str, int]) -> None:
        seen.append((addr[0], addr[1]))
        real_connect(self, addr)

    def connect_ex(self: socket.socket, addr: tuple[str, int]) -> int:
        seen.append((addr[0], addr[1]))
        return real_connect_ex(self, addr)
    names: list[object] = []
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
        names.append(host)
        return real_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]
    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    report = _run((f"127.0.0.2:{lab['plain']}", f"127.0.0.1:{lab['plain']},{lab['weak']}"))
    assert seen, "the guard saw no connection at all"
    assert {str(n) for n in names} <= {"127.0.0.1", "127.0.0.2", "None"}, names  # no DNS: literals only
    assert {a for a, _ in seen} <= {"127.0.0.1", "127.0.0.2"}
    assert {p for a, p in seen if a == "127.0.0.2"} <= {lab["plain"]}
    assert {p for a, p in seen if a == "127.0.0.1"} <= {lab["plain"], lab["weak"]}
    assert {f.location.host for f in report.findings if isinstance(f.location, HostLocation)} <= {
        "127.0.0.1", "127.0.0.2"}


def test_net_refuses_before_connecting() -> None:
    net = Net(NetScope.of([HostTarget.parse("127.0.0.0/30"), HostTarget.parse("db.internal")]))
    attempts: list[tuple[str, int, bool]] = []
    net.listeners.append(lambda a, p, ok: attempts.append((a, p, ok)))
    with pytest.raises(OutOfNetScope):
        net.authorize("127.0.0.9", 80)
    with pytest.raises(OutOfNetScope):
        net.authorize("db.internal", 80)  # a name is never dialled, even in scope
    net.authorize("127.0.0.2", 80)
    assert attempts == [("127.0.0.9", 80, False), ("db.internal", 80, False), ("127.0.0.2", 80, True)]
    assert net.resolve("db.internal", enabled=False) == ()
    with pytest.raises(OutOfNetScope):
        net.resolve("example.com", enabled=True)


def test_time_budget_is_honoured(lab: dict[str, int]) -> None:
    # 127.0.0.1:1-65535 cannot finish in one second; the stage stops and says what it left
    start = time.monotonic()
    report = _run(("127.0.0.1",), ports="all", max_seconds=1.0, tls=False, concurrency=8, per_host=8)
    elapsed = time.monotonic() - start
    (result,) = report.stages
    assert result.status == "partial"
    assert any("time budget" in g for g in result.outcome.gaps)  # type: ignore[union-attr]
    assert elapsed < 30


def test_bad_ports_and_huge_cidr_are_one_line_gaps() -> None:
    with pytest.raises(ScopeError):
        parse_ports("80,http")
    report = _run(("10.0.0.0/8",), ports="80")
    (result,) = report.stages
    assert result.status == "partial" and report.findings == ()
    assert any("more than the 65,536" in g for g in result.outcome.gaps)  # type: ignore[union-attr]
    bad = _run(("127.0.0.1",), ports="99999")
    assert any("out of range" in g for g in bad.stages[0].outcome.gaps)  # type: ignore[union-attr]


def test_scope_expansion() -> None:
    assert len(top_ports()) == 1000 and 443 in top_ports() and 6379 not in top_ports()
    assert {6379, 27017, 2575, 104, 11112} <= set(parse_ports("top1000"))
    plans, skipped = plan((HostTarget.parse("127.0.0.1:80"), HostTarget.parse("localhost:443"),
                           HostTarget.parse("db.internal")), "top1000", max_addresses=10)
    assert [(p.address, p.ports) for p in plans] == [("127.0.0.1", (80, 443))]
    assert skipped[0].target == "db.internal" and "DNS is off" in skipped[0].reason


def test_version_table(tmp_path: Path) -> None:
    from datetime import date

    from pulsecheck.stages.recon.versions import judge, products_in
    assert judge("nginx", "1.18.0", date(2026, 1, 1)).rule == "recon.eol-software"  # type: ignore[union-attr]
    assert judge("nginx", "1.28.0", date(2026, 1, 1)) is None
    assert judge("PostgreSQL", "16.2", date(2026, 1, 1)).rule == "recon.outdated-software"  # type: ignore[union-attr]
    assert judge("OpenSSH", "9.2p1", date(2026, 1, 1)).rule == "recon.outdated-software"  # type: ignore[union-attr]
    assert judge("uvicorn", "", date(2026, 1, 1)) is None
    assert products_in("Apache/2.4.57 (Debian) OpenSSL/1.1.1w PHP/7.4.33") == [
        ("Apache", "2.4.57"), ("OpenSSL", "1.1.1w"), ("PHP", "7.4.33")]
