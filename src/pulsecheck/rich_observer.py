"""Live progress for an interactive terminal (rich), one line per stage."""

from __future__ import annotations

import threading

from rich.console import Console
from rich.markup import escape

from pulsecheck.observer import NoteBudget, Observer
from pulsecheck.textsafe import terminal_safe


class RichObserver(Observer):
    def __init__(self) -> None:
        self._console = Console(stderr=True, highlight=False)
        self._lock = threading.Lock()
        self._notes = NoteBudget()

    def stage_started(self, name: str) -> None:
        with self._lock:
            self._console.print(f"[cyan]▶ {escape(name)}[/] started")

    def stage_finished(self, name: str, status: str, findings: int, duration_s: float) -> None:
        held = self._notes.release_summary()
        if held:
            with self._lock:
                self._console.print(f"[dim]{escape(held)}[/]", emoji=False)
        colour = {"completed": "green", "partial": "yellow", "skipped": "dim", "errored": "red"}.get(status, "white")
        with self._lock:
            self._console.print(
                f"[{colour}]■ {escape(name)}[/] {escape(status)}: {findings} finding(s) in {duration_s:.2f}s")

    def stage_note(self, message: str) -> None:
        if not self._notes.take():
            return
        with self._lock:
            self._console.print(f"  [dim]note:[/] {escape(terminal_safe(message))}", markup=True, emoji=False)

    def warning(self, message: str) -> None:
        with self._lock:
            self._console.print(f"[yellow]warning:[/] {escape(terminal_safe(message))}", emoji=False)
