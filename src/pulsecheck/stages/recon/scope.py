"""What recon may touch: the hosts, addresses and ports the user named, and nothing else.

Targets come from ``Targets.network`` (``--host``): an IP literal, a CIDR network (expanded, at
most ``max_addresses`` addresses in all), ``localhost`` (127.0.0.1) or a host name (scanned only
when the user enabled DNS; resolved once by the runtime). Ports: the host's own list
(``127.0.0.1:80,443``), else the ``ports`` option (``top1000``, ``all``, ``22,80,8000-8100``).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import cache
from importlib import resources

from pulsecheck.runtime.net import literal
from pulsecheck.targets import HostTarget


class ScopeError(ValueError):
    """A target or port list that cannot be scanned as given (one line for the report)."""


@cache
def top_ports() -> tuple[int, ...]:
    """Nmap's 1,000 most frequently open TCP ports (data/top1000_tcp.txt, with its source)."""
    return _port_file("top1000_tcp.txt")


@cache
def default_ports() -> tuple[int, ...]:
    """``top1000``: Nmap's 1,000 plus the datastore and clinical ports it lacks (data/extra_tcp.txt)."""
    return tuple(sorted(set(top_ports()) | set(_port_file("extra_tcp.txt"))))


def _port_file(name: str) -> tuple[int, ...]:
    text = resources.files("pulsecheck.stages.recon").joinpath(f"data/{name}").read_text("utf-8")
    ports: list[int] = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            low, _, high = line.partition("-")
            ports.extend(range(int(low), int(high or low) + 1))
    return tuple(sorted(set(ports)))


def parse_ports(spec: str) -> tuple[int, ...]:
    """``top1000`` (with the extra ports) | ``nmap1000`` | ``all`` | ``22,80,8000-8100`` -> sorted unique ports; ScopeError otherwise."""
    text = spec.strip().lower()
    if text in ("", "top1000", "default"):
        return default_ports()
    if text == "nmap1000":
        return top_ports()
    if text == "all":
        return tuple(range(1, 65536))
    ports: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        low, _, high = part.partition("-")
        if not low.isdigit() or (high and not high.isdigit()):
            raise ScopeError(f"ports {spec!r}: {part!r} is not a port or a range (e.g. 22,80,8000-8100)")
        lo, hi = int(low), int(high or low)
        if not 1 <= lo <= hi <= 65535:
            raise ScopeError(f"ports {spec!r}: {part} is out of range 1-65535")
        ports.update(range(lo, hi + 1))
    if not ports:
        raise ScopeError(f"ports {spec!r}: no port given")
    return tuple(sorted(ports))


@dataclass(frozen=True, slots=True)
class HostPlan:
    """One address to scan, the target it came from, and its ports."""

    address: str
    target: str
    ports: tuple[int, ...]

    @property
    def label(self) -> str:
        return self.address if self.target in (self.address, f"{self.address}/32") else f"{self.address} ({self.target})"


@dataclass(frozen=True, slots=True)
class Unscanned:
    target: str
    reason: str


def plan(targets: tuple[HostTarget, ...], ports_spec: str, *, max_addresses: int,
         resolve: object = None) -> tuple[list[HostPlan], list[Unscanned]]:
    """The addresses and ports to scan, and the targets that will not be (with why).

    ``resolve(name) -> tuple[str, ...]`` looks up an in-scope host name (None: names are not
    scanned). The default ports are parsed once; a bad list is a ScopeError for the caller."""
    default = parse_ports(ports_spec)
    plans: dict[str, HostPlan] = {}
    skipped: list[Unscanned] = []
    budget = max_addresses
    for t in targets:
        ports = t.ports or default
        if t.host == "localhost":
            addresses: list[str] = ["127.0.0.1"]
        else:
            value = literal(t.host)
            if value is None:
                if resolve is None:
                    skipped.append(Unscanned(t.host, "a host name, and DNS is off (enable_dns = true to resolve it)"))
                    continue
                try:
                    addresses = list(resolve(t.host))  # type: ignore[operator]
                except OSError as exc:
                    skipped.append(Unscanned(t.host, f"could not be resolved ({exc})"))
                    continue
                if not addresses:
                    skipped.append(Unscanned(t.host, "resolved to no address"))
                    continue
            elif isinstance(value, ipaddress.IPv4Network | ipaddress.IPv6Network):
                size = value.num_addresses
                if size > budget:
                    skipped.append(Unscanned(t.host, f"{size:,} addresses: more than the {max_addresses:,} "
                                                     "a scan may cover (max_addresses); split it or raise the cap"))
                    continue
                hosts = list(value.hosts()) if size > 2 else list(value)
                addresses = [str(a) for a in hosts]
            else:
                addresses = [str(value)]
        for address in addresses:
            if budget <= 0:
                skipped.append(Unscanned(t.host, f"{address} and after: over max_addresses ({max_addresses:,})"))
                break
            prior = plans.get(address)
            merged = tuple(sorted(set(prior.ports) | set(ports))) if prior else ports
            if prior is None:
                budget -= 1
            plans[address] = HostPlan(address, prior.target if prior else t.host, merged)
    return list(plans.values()), skipped
