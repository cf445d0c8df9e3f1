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


LIVE_NOTES = 25
"""Notes printed while the audit runs; the rest are counted (all of them are in the report), so
hundreds of "not scanned" lines never push the progress and the summary off the screen."""


class NoteBudget:
    """Thread-safe count of the live notes shown and held back."""

    def __init__(self, limit: int = LIVE_NOTES) -> None:
        self.limit, self.shown, self.held = limit, 0, 0
        self._lock = threading.Lock()

    def take(self) -> bool:
        """True when this note may be printed now."""
        with self._lock:
            if self.shown < self.limit:
                self.shown += 1
                return True
            self.held += 1
            return False

    def release_summary(self) -> str | None:
        """One line for the notes held back since the last call (None when there were none)."""
        with self._lock:
            held, self.held = self.held, 0
        return f"  note: {held} more note(s) not shown here; every note is in the report" if held else None


class PlainObserver(Observer):
    """One line per event, for CI logs and pipes (no cursor control)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream or sys.stderr
        self._lock = threading.Lock()
        self._started: dict[str, float] = {}
        self._notes = NoteBudget()

    def _line(self, text: str) -> None:
        from pulsecheck.textsafe import terminal_safe

        with self._lock:
            print(terminal_safe(text), file=self._stream, flush=True)

    def stage_started(self, name: str) -> None:
        self._started[name] = time.monotonic()
        self._line(f"[{name}] started")

    def stage_finished(self, name: str, status: str, findings: int, duration_s: float) -> None:
        held = self._notes.release_summary()
        if held:
            self._line(held)
        self._line(f"[{name}] {status}: {findings} finding(s) in {duration_s:.2f}s")

    def stage_note(self, message: str) -> None:
        if self._notes.take():
            self._line(f"  note: {message}")

    def warning(self, message: str) -> None:
        self._line(f"warning: {message}")
