"""Raw TCP connections that reach only the hosts in scope: the one place a stage opens a socket.

Recon talks TLS, SSH, RESP, BSON... so it cannot go through the HTTP client; it goes through
:class:`Net` instead (``ctx.runtime.net``). Every connection is checked against the audit's host
scope *before* the socket is opened (an IP address outside every host, network and resolved name
the user gave is refused with :class:`OutOfNetScope` and never dialled), and holds one slot of a
global cap and one of a per-host cap while it is open.

No name is resolved: hosts are IP literals, CIDR networks or ``localhost`` (127.0.0.1 and ::1).
A host name in scope is resolved once, and only when the stage asks for it because the user
enabled it (:meth:`Net.resolve`); the addresses it gave join the scope. Tools that open their own
sockets (sslyze) are authorised first with :meth:`Net.authorize`, which applies the same check.
Every attempt, allowed or refused, is told to the ``listeners`` (tests record them).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
import ssl
import threading
import weakref
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field

from pulsecheck.targets import HostTarget

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
LOCALHOST = ("127.0.0.1", "::1")


class OutOfNetScope(OSError):
    """A connection to an address outside the audit's hosts; it was never opened."""


def literal(host: str) -> IPAddress | IPNetwork | None:
    """The address or network ``host`` spells (``10.0.0.5``, ``10.0.0.0/24``, ``::1``), or None for a name."""
    text = host.strip().strip("[]")
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        pass
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


@dataclass
class NetScope:
    """The addresses the audit may connect to: networks, plus what in-scope names resolved to."""

    networks: tuple[IPNetwork, ...] = ()
    names: tuple[str, ...] = ()
    """Host names in scope that are not resolved yet (they allow nothing until :meth:`Net.resolve`)."""
    resolved: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, hosts: Iterable[HostTarget | str]) -> NetScope:
        networks: list[IPNetwork] = []
        names: list[str] = []
        for h in hosts:
            text = h.host if isinstance(h, HostTarget) else HostTarget.parse(h).host
            if text == "localhost":
                networks += [ipaddress.ip_network(a) for a in LOCALHOST]
                continue
            value = literal(text)
            if value is None:
                names.append(text)
            elif isinstance(value, ipaddress.IPv4Network | ipaddress.IPv6Network):
                networks.append(value)
            else:
                networks.append(ipaddress.ip_network(value))
        return cls(tuple(dict.fromkeys(networks)), tuple(dict.fromkeys(names)))

    def allows(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address.strip("[]"))
        except ValueError:
            return False  # a name is never dialled: only addresses are
        if any(ip in net for net in self.networks):
            return True
        return any(str(ip) in addrs for addrs in self.resolved.values())


class _LoopLimits:
    def __init__(self, total: int, per_host: int) -> None:
        self.total = asyncio.Semaphore(total)
        self.per_host_n = per_host
        self.hosts: dict[str, asyncio.Semaphore] = {}

    def host(self, address: str) -> asyncio.Semaphore:
        sem = self.hosts.get(address)
        if sem is None:
            sem = self.hosts[address] = asyncio.Semaphore(self.per_host_n)
        return sem


Listener = Callable[[str, int, bool], None]
"""Called with (address, port, allowed) for every connection attempt."""


class Net:
    """Scoped, capped TCP connections (asyncio streams, or authorisation for a tool's own sockets)."""

    def __init__(self, scope: NetScope, *, total: int = 512, per_host: int = 256) -> None:
        self.scope = scope
        self.total = total
        self.per_host = per_host
        self.listeners: list[Listener] = []
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopLimits] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def allows(self, address: str) -> bool:
        return self.scope.allows(address)

    def authorize(self, address: str, port: int) -> None:
        """Raise :class:`OutOfNetScope` unless ``address`` is in scope (and tell the listeners)."""
        allowed = self.scope.allows(address) and 0 < port < 65536
        for listener in list(self.listeners):
            listener(address, port, allowed)
        if not allowed:
            raise OutOfNetScope(f"{address}:{port}: not in the audit's host scope, connection not opened")

    def resolve(self, name: str, *, enabled: bool) -> tuple[str, ...]:
        """The addresses of an in-scope host name, looked up once, only when ``enabled`` (the
        user's choice); they join the scope. A name the user did not give is never looked up."""
        name = name.lower()
        if name == "localhost":
            return LOCALHOST
        if name not in self.scope.names:
            raise OutOfNetScope(f"{name}: not a host name in scope, not looked up")
        if not enabled:
            return ()
        with self._lock:
            if name in self.scope.resolved:
                return self.scope.resolved[name]
        infos = socket.getaddrinfo(name, None, type=socket.SOCK_STREAM)
        addrs = tuple(dict.fromkeys(str(info[4][0]) for info in infos))
        with self._lock:
            self.scope.resolved[name] = addrs
        return addrs

    def _limits(self) -> _LoopLimits:
        loop = asyncio.get_running_loop()
        with self._lock:
            limits = self._loops.get(loop)
            if limits is None:
                limits = self._loops[loop] = _LoopLimits(self.total, self.per_host)
            return limits

    @contextlib.asynccontextmanager
    async def connection(self, address: str, port: int, *, timeout: float,
                         tls: ssl.SSLContext | None = None, server_hostname: str | None = None,
                         ) -> AsyncIterator[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
        """An open stream to ``address:port`` (in scope, within the caps), closed on exit.

        ``timeout`` bounds the connect (and the TLS handshake); reads are the caller's to bound."""
        self.authorize(address, port)
        limits = self._limits()
        async with limits.total, limits.host(address):
            kwargs: dict[str, object] = {}
            if tls is not None:
                kwargs = {"ssl": tls, "server_hostname": server_hostname or "",
                          "ssl_handshake_timeout": timeout}
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(address, port, **kwargs), timeout)  # type: ignore[arg-type]
            try:
                yield reader, writer
            finally:
                writer.close()
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(writer.wait_closed(), 1.0)
