"""HTTP clients that reach only the origins in scope, politely.

Every request a stage makes (DAST, recon, the deps registry lookups) goes through a client from
:meth:`~pulsecheck.runtime.stage.StageRuntime.http`: the origin is checked against the audit's
scope before a connection is opened, redirects are never followed out of scope, and each host
gets a connection cap and a request-rate cap shared by every stage of the audit.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx


class OutOfScope(httpx.HTTPError):
    """A request to an origin that is not in the audit's scope; it was never sent."""


def origin_of(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    scheme = (parts.scheme or "http").lower()
    port = parts.port or (443 if scheme == "https" else 80)
    return scheme, (parts.hostname or "").lower(), port


@dataclass
class HostLimiter:
    """Per-host concurrency and rate, shared by every client of the audit."""

    connections: int = 4
    per_second: float = 20.0
    _sems: dict[str, threading.BoundedSemaphore] = field(default_factory=dict)
    _last: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def acquire(self, host: str) -> threading.BoundedSemaphore:
        with self._lock:
            sem = self._sems.setdefault(host, threading.BoundedSemaphore(self.connections))
        sem.acquire()
        with self._lock:
            now = time.monotonic()
            wait = self._last.get(host, 0.0) + 1.0 / self.per_second - now
            self._last[host] = max(now, self._last.get(host, 0.0) + 1.0 / self.per_second)
        if wait > 0:
            time.sleep(wait)
        return sem


@dataclass(frozen=True)
class Scope:
    """The origins (scheme, host, port) a client may reach."""

    origins: frozenset[tuple[str, str, int]]

    @classmethod
    def of(cls, urls: Iterable[str]) -> Scope:
        return cls(frozenset(origin_of(u) for u in urls))

    def allows(self, url: str) -> bool:
        return origin_of(url) in self.origins


class _ScopedTransport(httpx.BaseTransport):
    def __init__(self, scope: Scope, limiter: HostLimiter, inner: httpx.BaseTransport) -> None:
        self._scope, self._limiter, self._inner = scope, limiter, inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        if not self._scope.allows(url):
            raise OutOfScope(f"{origin_of(url)[1]}: not in scope, request not sent")
        sem = self._limiter.acquire(request.url.host)
        try:
            response = self._inner.handle_request(request)
            response.read()
            return response
        finally:
            sem.release()

    def close(self) -> None:
        self._inner.close()


def scoped_client(scope: Scope, limiter: HostLimiter, *, timeout: float = 10.0, verify: bool = True) -> httpx.Client:
    """An ``httpx.Client`` limited to ``scope``; redirects are not followed (check them yourself).

    ``verify=False`` accepts any TLS certificate (a DAST scan of a staging app with a self-signed
    one; the certificate itself is recon's finding)."""
    transport = _ScopedTransport(scope, limiter, httpx.HTTPTransport(retries=0, verify=verify))
    return httpx.Client(transport=transport, timeout=timeout, follow_redirects=False, trust_env=False)
