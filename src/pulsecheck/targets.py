"""Typed audit targets: the running apps (with their identities, scope and budget) and the hosts.

The DAST stage tests authorization with two identities, and a bearer token must never travel
through an untyped options dict next to ``max_bytes``, nor reach a report: credential values are
:class:`Credential` objects whose ``repr`` and ``str`` are redacted; only the runtime's HTTP
client reads ``reveal()``. Host targets carry their port set, so recon and the runtime agree on
what is in scope without each parsing ``"127.0.0.1:8443"``.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit


@dataclass(frozen=True, slots=True)
class Credential:
    """A secret value (a token, a cookie, a password) that prints as ``'…REDACTED'``."""

    _value: str = field(repr=False)

    def reveal(self) -> str:
        return self._value

    def __str__(self) -> str:
        return "…REDACTED"


@dataclass(frozen=True, slots=True)
class LoginRecipe:
    """How to obtain a session: POST ``fields`` (values from the environment) to ``url`` and read
    the token at ``token_path`` (JSON dotted path) or the cookie named ``cookie``."""

    url: str
    fields: tuple[tuple[str, str], ...] = ()
    """(form or JSON field, name of the environment variable that holds its value)."""
    kind: Literal["form", "json"] = "json"
    token_path: str | None = "access_token"
    cookie: str | None = None
    header: str = "Authorization"
    scheme: str = "Bearer"


@dataclass(frozen=True, slots=True)
class Identity:
    """One user the scan acts as: static headers and cookies, or a login recipe."""

    name: str
    headers: tuple[tuple[str, Credential], ...] = ()
    cookies: tuple[tuple[str, Credential], ...] = ()
    login: LoginRecipe | None = None

    @classmethod
    def bearer(cls, name: str, token: str) -> Identity:
        return cls(name=name, headers=(("Authorization", Credential(f"Bearer {token}")),))


@dataclass(frozen=True, slots=True)
class RequestBudget:
    """Limits that keep a scan safe to point at a staging system."""

    max_requests: int = 5000
    per_second: float = 20.0
    connections_per_host: int = 4
    max_seconds: float = 600.0


@dataclass(frozen=True, slots=True)
class UrlTarget:
    """A running web app or API; ``scope`` lists the origins and path prefixes it may be probed at."""

    base_url: str
    identities: tuple[Identity, ...] = ()
    scope: tuple[str, ...] = ()
    budget: RequestBudget = RequestBudget()

    @property
    def origin(self) -> str:
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"

    def in_scope(self) -> tuple[str, ...]:
        return self.scope or (self.origin,)


PortSet = tuple[int, ...]


@dataclass(frozen=True, slots=True)
class HostTarget:
    """A host in scope and the ports to look at (empty: the stage's default port list)."""

    host: str
    ports: PortSet = ()

    @classmethod
    def parse(cls, text: str) -> HostTarget:
        """``"10.0.0.5"``, ``"db.internal:5432"``, ``"[::1]:8443"``, ``"127.0.0.1:80,443"``."""
        text = text.strip()
        if text.startswith("["):
            host, _, rest = text[1:].partition("]")
            ports = rest[1:] if rest.startswith(":") else ""
        elif text.count(":") == 1:
            host, ports = text.split(":")
        else:
            host, ports = text, ""
        if not host:
            raise ValueError(f"{text!r}: no host")
        parsed: list[int] = []
        for part in filter(None, ports.split(",")):
            low, _, high = part.partition("-")
            lo, hi = int(low), int(high or low)
            if not 1 <= lo <= hi <= 65535:
                raise ValueError(f"{text!r}: port {part} out of range 1-65535")
            parsed.extend(range(lo, hi + 1))
        return cls(host=host.lower(), ports=tuple(dict.fromkeys(parsed)))

    @property
    def is_loopback(self) -> bool:
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return self.host == "localhost"
