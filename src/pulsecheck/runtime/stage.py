"""The audit's runtime and each stage's view of it."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpx

from pulsecheck.runtime.cpu import CpuBudget
from pulsecheck.runtime.http import HostLimiter, Scope, scoped_client
from pulsecheck.runtime.net import Net, NetScope
from pulsecheck.runtime.pool import WorkerPool
from pulsecheck.runtime.procs import ProcessGroup
from pulsecheck.targets import HostTarget


class Runtime:
    """One per audit: the CPU budget, the shared per-host limits, the sources' own processes."""

    def __init__(self, cpus: int | None = None, scope: Iterable[str] = (),
                 hosts: Iterable[HostTarget | str] = ()) -> None:
        self.cpu = CpuBudget(cpus)
        self.limiter = HostLimiter()
        self.scope = Scope.of(scope)
        self.net = Net(NetScope.of(hosts))
        """Raw TCP to the audit's hosts only (``Targets.network``), with connection caps."""
        self.sources = ProcessGroup("sources")
        self._stages: dict[str, StageRuntime] = {}
        self._lock = threading.Lock()

    def for_stage(self, name: str, scratch: Path, cancel: threading.Event) -> StageRuntime:
        with self._lock:
            rt = StageRuntime(self, name, scratch, cancel)
            self._stages[name] = rt
            return rt

    def kill_all(self) -> None:
        """Stop every process of every stage and of the sources (Ctrl-C, end of audit)."""
        with self._lock:
            stages = list(self._stages.values())
        for rt in stages:
            rt.procs.kill_all()
        self.sources.kill_all()


class StageRuntime:
    """What one stage may use: CPU leases, processes and worker pools killed with it, scoped HTTP."""

    def __init__(self, runtime: Runtime, name: str, scratch: Path, cancel: threading.Event) -> None:
        self.runtime = runtime
        self.name = name
        self.scratch = scratch
        self.cancel = cancel
        self.procs = ProcessGroup(name)

    @property
    def cpu(self) -> CpuBudget:
        return self.runtime.cpu

    @property
    def net(self) -> Net:
        """Scoped raw TCP connections to the audit's hosts (runtime/net.py)."""
        return self.runtime.net

    def pool(self, workers: int, *, initializer: str | None = None, initargs: tuple[Any, ...] = ()) -> WorkerPool:
        """Isolated worker processes; hold a ``cpu.lease`` for ``workers`` while using it."""
        return WorkerPool(self.procs, workers, self.scratch, initializer=initializer, initargs=initargs)

    def http(self, extra_scope: Iterable[str] = (), *, timeout: float = 10.0) -> httpx.Client:
        """A client for the audit's URL targets plus ``extra_scope`` (e.g. a registry the user named)."""
        scope = Scope(self.runtime.scope.origins | Scope.of(extra_scope).origins)
        return scoped_client(scope, self.runtime.limiter, timeout=timeout)
