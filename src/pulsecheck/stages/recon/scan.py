"""The asyncio TCP connect scan: every (address, port) through the runtime's scoped connector.

A fixed pool of workers (``concurrency``) takes jobs from one iterator, so a /16 of 1,000 ports
each never holds more than the pool in memory; the connector adds the per-host cap. A connect
that times out is retried ``retries`` times; a refusal is final (the host is up). Host-down
detection needs no ICMP: the first ports of each host go first, and a host where every one of
them timed out (nothing accepted, nothing refused) is reported down and not scanned further.
Nothing starts after the deadline; what is left is counted as not scanned.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from pulsecheck.runtime.net import Net, OutOfNetScope
from pulsecheck.stages.recon.scope import HostPlan

State = Literal["open", "closed", "filtered", "skipped"]
DISCOVERY_PORTS = 8
LIKELY = (80, 443, 22, 3389, 445, 8080, 21, 25, 139, 135, 53, 8443, 3306, 5432)
"""Ports tried first on each host: a live host usually accepts or refuses one of them."""


def discovery_order(ports: tuple[int, ...]) -> tuple[int, ...]:
    """``ports`` with the likely ones first (same set, nothing added)."""
    present = set(ports)
    first = [p for p in LIKELY if p in present]
    chosen = set(first)
    return (*first, *(p for p in ports if p not in chosen))


@dataclass
class HostScan:
    address: str
    open: list[int] = field(default_factory=list)
    closed: int = 0
    filtered: int = 0
    skipped: int = 0
    down: bool = False
    refused_scope: int = 0


async def connect(net: Net, address: str, port: int, timeout: float, retries: int, deadline: float) -> State:
    for _ in range(retries + 1):
        left = deadline - time.monotonic()
        if left <= 0:
            return "skipped"
        try:
            async with net.connection(address, port, timeout=min(timeout, left)):
                return "open"
        except ConnectionRefusedError:
            return "closed"
        except OutOfNetScope:
            raise
        except TimeoutError:
            continue
        except OSError:
            return "filtered"
    return "filtered"


async def _pool(net: Net, jobs: Iterator[tuple[HostScan, int]], workers: int, timeout: float, retries: int,
                deadline: float) -> None:
    async def worker() -> None:
        for host, port in jobs:
            if time.monotonic() >= deadline:
                host.skipped += 1
                continue
            try:
                state = await connect(net, host.address, port, timeout, retries, deadline)
            except OutOfNetScope:
                host.refused_scope += 1
                continue
            if state == "open":
                host.open.append(port)
            elif state == "closed":
                host.closed += 1
            elif state == "filtered":
                host.filtered += 1
            else:
                host.skipped += 1
    await asyncio.gather(*(worker() for _ in range(max(1, workers))))


async def scan(net: Net, plans: list[HostPlan], *, concurrency: int, timeout: float, retries: int,
               deadline: float, skip_down: bool) -> list[HostScan]:
    """Scan every planned port; returns one :class:`HostScan` per address, open ports sorted."""
    results = [HostScan(p.address) for p in plans]
    orders = [discovery_order(p.ports) for p in plans]
    split = DISCOVERY_PORTS if skip_down else 0
    first = ((r, port) for r, o in zip(results, orders, strict=True) for port in o[:split])
    if split:
        await _pool(net, iter(first), concurrency, timeout, retries, deadline)
        for r, p in zip(results, plans, strict=True):
            if len(p.ports) > split and not r.open and not r.closed and r.filtered:
                r.down = True
                r.skipped += len(p.ports) - split
    rest = ((r, port) for r, o in zip(results, orders, strict=True) if not r.down for port in o[split:])
    await _pool(net, iter(rest), concurrency, timeout, retries, deadline)
    for r in results:
        r.open.sort()
    return results
