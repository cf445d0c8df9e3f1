"""The contract every audit stage implements.

A stage is a small object with a ``name``, an ``applies`` test and a ``run`` generator of
findings. The engine owns scheduling, time limits and error capture, so a stage only scans.
Stages report what they could not scan through :meth:`StageContext.note` instead of
silently dropping it: an incomplete scan must never look clean.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from pulsecheck.model import Finding, Rule, Targets
from pulsecheck.observer import Observer
from pulsecheck.settings import Settings


class StageError(Exception):
    """A stage cannot run at all (bad input it cannot skip past); becomes Errored."""


class StageSkip(Exception):  # noqa: N818 - it is a signal, not an error
    """Raised by a stage that finds nothing to do for these targets; becomes Skipped."""


@dataclass
class StageContext:
    stage: str
    targets: Targets
    settings: Settings
    observer: Observer
    scratch_dir: Path
    profile: Mapping[str, Any] = field(default_factory=dict)
    """Facts from the profile stage (stack, app kind, data map), empty if it did not run."""
    cancel: threading.Event = field(default_factory=threading.Event)
    notes: list[str] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)
    """What the stage could not cover (git errors, unchecked packages): the result is "partial"."""
    facts: dict[str, Any] = field(default_factory=dict)
    """What this stage learned that later stages or the report use (the profile writes here)."""

    @property
    def repo(self) -> Path | None:
        return Path(self.targets.path) if self.targets.path else None

    @property
    def options(self) -> dict[str, Any]:
        """This stage's ``[stages.<name>]`` options from the settings."""
        return self.settings.options_for(self.stage)

    def note(self, message: str) -> None:
        """Record something that was not scanned or went wrong on one input; shown in the report."""
        self.notes.append(message)
        self.observer.stage_note(message)

    def gap(self, message: str) -> None:
        """Record a hole in coverage; the stage ends "partial" and the audit cannot pass clean."""
        self.gaps.append(message)
        self.observer.stage_note(f"NOT SCANNED: {message}")


@runtime_checkable
class Stage(Protocol):
    name: str

    def applies(self, targets: Targets) -> bool:
        """Whether this stage has anything to scan in these targets."""
        ...

    def rules(self) -> Sequence[Rule]:
        """Every rule the stage can report, for ``pulsecheck rules list`` and SARIF."""
        ...

    def run(self, ctx: StageContext) -> Iterator[Finding]:
        """Yield findings; may call ``ctx.note`` for skipped inputs; should check ``ctx.cancel``."""
        ...
