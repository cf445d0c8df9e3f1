"""Progress hooks. The library itself prints nothing; the CLI picks an observer."""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO


class Observer:
    """Silent base observer: the library API uses it when nobody is watching."""

    def stage_started(self, name: str) -> None:
        """Called when a stage begins."""

    def stage_finished(self, name: str, status: str, findings: int, duration_s: float) -> None:
        """Called when a stage ends, whatever its outcome."""

    def stage_note(self, message: str) -> None:
        """Called when a stage records something it could not scan."""

    def warning(self, message: str) -> None:
        """Called for audit-wide warnings (stale database, unreadable config...)."""


class PlainObserver(Observer):
    """One line per event, for CI logs and pipes (no cursor control)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream or sys.stderr
        self._lock = threading.Lock()
        self._started: dict[str, float] = {}

    def _line(self, text: str) -> None:
        from pulsecheck.textsafe import terminal_safe

        with self._lock:
            print(terminal_safe(text), file=self._stream, flush=True)

    def stage_started(self, name: str) -> None:
        self._started[name] = time.monotonic()
        self._line(f"[{name}] started")

    def stage_finished(self, name: str, status: str, findings: int, duration_s: float) -> None:
        self._line(f"[{name}] {status}: {findings} finding(s) in {duration_s:.2f}s")

    def stage_note(self, message: str) -> None:
        self._line(f"  note: {message}")

    def warning(self, message: str) -> None:
        self._line(f"warning: {message}")
