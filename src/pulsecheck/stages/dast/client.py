"""The one door every DAST request goes through: scope, method policy, budgets, rate, identities.

:class:`Scanner` wraps the runtime's scoped ``httpx.Client`` (which already refuses origins out
of the audit's scope and caps each host) and adds the target's own rules:

* **scope**: only the target's origins (``UrlTarget.in_scope``); a redirect is never followed
  here (callers queue an in-scope ``Location`` themselves);
* **methods**: GET/HEAD/OPTIONS unless ``active``; DELETE and operations marked destructive
  only with ``allow_destructive``;
* **budgets**: ``max_requests`` requests and ``max_seconds`` of wall clock, then every further
  request is refused (``exhausted`` says why); Ctrl-C / the stage time-out (``cancel``) too;
* **rate**: ``per_second`` (a shared pacing clock) and ``concurrency`` requests in flight;
* **plan**: in plan mode nothing is sent; each request is listed in ``planned`` instead;
* **identities**: an :class:`~.auth.Session` adds its headers/cookies; a 401 with a login
  recipe re-logs in once and retries.

Every response is also run through the passive checks (:mod:`pulsecheck.webchecks`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from pulsecheck import webchecks
from pulsecheck.model import Finding
from pulsecheck.runtime.http import OutOfScope, Scope

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
USER_AGENT = "pulsecheck-dast/1 (+authorized security test)"


class Refused(Exception):  # noqa: N818 - a signal
    """A request the scanner would not send (budget, policy, plan, scope)."""


@dataclass
class Budget:
    max_requests: int
    max_seconds: float
    per_second: float
    concurrency: int
    started: float = field(default_factory=time.monotonic)

    @property
    def deadline(self) -> float:
        return self.started + self.max_seconds

    def remaining_s(self) -> float:
        return self.deadline - time.monotonic()


class Identity:
    """What a request carries to act as one user (headers, cookies); see :mod:`.auth`."""

    name: str = "anonymous"

    def apply(self, headers: dict[str, str]) -> None:
        """Add this identity's credentials to ``headers``."""

    def refresh(self, scanner: Scanner) -> bool:
        """Obtain a fresh session after a 401 (login recipes); True when it did."""
        return False

    @property
    def anonymous(self) -> bool:
        return True


ANONYMOUS = Identity()


@dataclass
class Exchange:
    method: str
    url: str
    identity: str
    status: int
    elapsed: float


class Scanner:
    def __init__(self, client: httpx.Client, origins: tuple[str, ...], budget: Budget, *, active: bool,
                 allow_destructive: bool, plan: bool, cancel: threading.Event,
                 disabled: frozenset[str] = frozenset(), on_passive: Callable[[list[Finding]], None] | None = None
                 ) -> None:
        self.client = client
        self.scope = Scope.of(origins)
        self.base_url = origins[0] if origins else ""
        self.budget = budget
        self.active = active
        self.allow_destructive = allow_destructive
        self.plan = plan
        self.cancel = cancel
        self.disabled = disabled
        self.on_passive = on_passive
        self.sent = 0
        self.refused: dict[str, int] = {}
        self.planned: list[str] = []
        self.exhausted: str | None = None
        self.log: list[Exchange] = []
        self._lock = threading.Lock()
        self._next_slot = time.monotonic()
        self._slots = threading.BoundedSemaphore(budget.concurrency)
        self.first_sent: float | None = None
        self.last_sent: float | None = None

    def in_scope(self, url: str) -> bool:
        return urlsplit(url).scheme in ("http", "https") and self.scope.allows(url)

    def _refuse(self, why: str) -> Refused:
        with self._lock:
            self.refused[why] = self.refused.get(why, 0) + 1
        return Refused(why)

    def _admit(self, method: str, url: str, destructive: bool, login: bool = False) -> None:
        if not self.in_scope(url):
            raise self._refuse("out of scope")
        if method not in SAFE_METHODS and not self.active and not login:
            raise self._refuse(f"{method} needs --active")
        if (method == "DELETE" or destructive) and not self.allow_destructive:
            raise self._refuse("destructive operation needs --allow-destructive")
        if self.plan:
            with self._lock:
                self.planned.append(f"{method} {url}")
            raise Refused("plan")
        if self.cancel.is_set():
            self.exhausted = self.exhausted or "cancelled"
            raise Refused("cancelled")
        with self._lock:
            if self.sent >= self.budget.max_requests:
                self.exhausted = self.exhausted or f"request budget ({self.budget.max_requests}) reached"
                raise Refused("request budget")
            if time.monotonic() >= self.budget.deadline:
                self.exhausted = self.exhausted or f"time budget ({self.budget.max_seconds:g} s) reached"
                raise Refused("time budget")
            self.sent += 1
            now = time.monotonic()
            slot = max(now, self._next_slot)
            self._next_slot = slot + 1.0 / self.budget.per_second
        wait = slot - time.monotonic()
        if wait > 0:
            if slot >= self.budget.deadline:
                self.exhausted = self.exhausted or f"time budget ({self.budget.max_seconds:g} s) reached"
                raise Refused("time budget")
            if self.cancel.wait(wait):
                raise Refused("cancelled")

    @property
    def out_of_budget(self) -> bool:
        return self.exhausted is not None or self.cancel.is_set()

    def send(self, method: str, url: str, *, identity: Identity = ANONYMOUS, headers: Mapping[str, str] | None = None,
             params: Mapping[str, Any] | None = None, json: Any = None, content: bytes | str | None = None,
             data: Mapping[str, str] | None = None, destructive: bool = False, passive: bool = True,
             timeout: float | None = None, retry_auth: bool = True, login: bool = False) -> httpx.Response:
        """Send one request (raises :class:`Refused` when policy or a budget says no, or the
        transport failed; the reason is counted in ``refused``). ``login`` marks the POST of a
        login recipe, the one non-safe request a passive scan sends."""
        method = method.upper()
        request_url = str(httpx.URL(url, params=params)) if params else url
        self._admit(method, request_url, destructive, login)
        hdrs: dict[str, str] = {"User-Agent": USER_AGENT}
        identity.apply(hdrs)
        if headers:
            hdrs.update(headers)
        started = time.monotonic()
        self._slots.acquire()
        try:
            with self._lock:
                self.first_sent = self.first_sent or started
            kwargs: dict[str, Any] = {"headers": hdrs}
            if json is not None:
                kwargs["json"] = json
            elif content is not None:
                kwargs["content"] = content
            elif data is not None:
                kwargs["data"] = data
            if timeout is not None:
                kwargs["timeout"] = timeout
            response = self.client.request(method, request_url, **kwargs)
        except OutOfScope:
            raise self._refuse("out of scope") from None
        except (httpx.HTTPError, ValueError) as exc:
            raise self._refuse(f"transport: {type(exc).__name__}") from None
        finally:
            self._slots.release()
            with self._lock:
                self.last_sent = time.monotonic()
        elapsed = time.monotonic() - started
        with self._lock:
            self.log.append(Exchange(method, request_url, identity.name, response.status_code, elapsed))
        if response.status_code == 401 and retry_auth and not identity.anonymous and identity.refresh(self):
            return self.send(method, url, identity=identity, headers=headers, params=params, json=json,
                             content=content, data=data, destructive=destructive, passive=passive,
                             timeout=timeout, retry_auth=False)
        if passive and self.on_passive is not None:
            origin = (headers or {}).get("Origin")
            ctx = webchecks.ResponseContext(authenticated=not identity.anonymous, origin_probe=origin)
            self.on_passive(webchecks.passive_findings(response, stage="dast", context=ctx, disabled=self.disabled))
        return response

    def try_send(self, method: str, url: str, **kwargs: Any) -> httpx.Response | None:
        try:
            return self.send(method, url, **kwargs)
        except Refused:
            return None

    def achieved_rps(self) -> float:
        if self.first_sent is None or self.last_sent is None or self.sent < 2:
            return 0.0
        return (self.sent - 1) / max(1e-6, self.last_sent - self.first_sent)
