"""One CPU budget for the whole audit.

Before this, phi and secrets each started a pool of every core at once. Now a stage asks for
the workers it could use and gets what is free (at least one, waiting if need be), so the
stages running side by side never hold more worker processes than there are cores.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager


def usable_cpus() -> int:
    """Cores this process may run on (the affinity mask, not the machine's total)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


class CpuBudget:
    """A counting budget of worker slots with greedy, never-empty leases."""

    def __init__(self, total: int | None = None) -> None:
        self.total = max(1, total or usable_cpus())
        self._free = self.total
        self._cond = threading.Condition()

    @property
    def free(self) -> int:
        with self._cond:
            return self._free

    @contextmanager
    def lease(self, wanted: int, cancel: threading.Event | None = None) -> Iterator[int]:
        """Hold up to ``wanted`` slots (at least one) for the ``with`` block; yields how many."""
        wanted = max(1, min(wanted, self.total))
        with self._cond:
            while self._free < 1:
                if cancel is not None and cancel.is_set():
                    break
                self._cond.wait(0.2)
            granted = max(1, min(wanted, self._free))
            self._free -= granted
        try:
            yield granted
        finally:
            with self._cond:
                self._free += granted
                self._cond.notify_all()


PARALLEL_MIN_BYTES = 16 * 1024 * 1024
_MIN_BYTES_ENV = "PULSECHECK_PARALLEL_MIN_BYTES"


def parallel_min_bytes(default: int = PARALLEL_MIN_BYTES) -> int:
    """How much data a stage needs before starting workers pays (``PULSECHECK_PARALLEL_MIN_BYTES``
    lowers it, for tests and benchmarks that must see workers start on a small tree)."""
    raw = os.environ.get(_MIN_BYTES_ENV, "")
    return int(raw) if raw.isdigit() else default
