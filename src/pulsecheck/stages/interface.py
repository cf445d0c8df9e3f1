"""The contract every audit stage implements (contract v2; see docs/ARCHITECTURE.md).

A stage declares what it is and what it needs; the engine owns everything else. It builds the
audit's inputs once (the file index, the history), lends resources (CPU, processes, HTTP) through
``ctx.runtime``, validates the stage's ``Options`` when the configuration loads, schedules by
``needs`` and ``provides``, enforces the time limit and captures every error. A stage only scans.

Stages report what they could not scan through ``ctx.note`` (an input skipped on purpose) and
``ctx.gap`` (a hole in coverage: the result is "partial", never clean).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol, runtime_checkable

from pulsecheck.model import Finding, Rule, Targets
from pulsecheck.observer import Observer
from pulsecheck.options import StageOptions
from pulsecheck.settings import Settings

if TYPE_CHECKING:
    from pulsecheck.knowledge import ProfileFacts
    from pulsecheck.runtime import StageRuntime
    from pulsecheck.sources.workspace import Workspace

Need = Literal["repo", "tree", "history", "profile", "urls", "hosts"]
"""``repo``: a repository path; ``tree``/``history``: the shared file index and git history;
``profile``: the profile facts (the stage waits for whichever stage provides them)."""

DEFAULT_NEEDS: frozenset[str] = frozenset({"repo"})


class StageError(Exception):
    """A stage cannot run at all (bad input it cannot skip past); becomes Errored."""


class StageSkip(Exception):  # noqa: N818 - it is a signal, not an error
    """Raised by a stage that finds nothing to do for these targets; becomes Skipped."""


class Recorder:
    """What a stage learned besides findings: notes, gaps and facts. Thread-safe."""

    def __init__(self, observer: Observer) -> None:
        self._observer = observer
        self._lock = threading.Lock()
        self.notes: list[str] = []
        self.gaps: list[str] = []
        self.facts: dict[str, Any] = {}

    def note(self, message: str) -> None:
        with self._lock:
            self.notes.append(message)
        self._observer.stage_note(message)

    def gap(self, message: str) -> None:
        with self._lock:
            self.gaps.append(message)
        self._observer.stage_note(f"NOT SCANNED: {message}")


@dataclass(frozen=True)
class StageContext:
    """Everything a stage receives; frozen: a stage cannot change what other stages see."""

    stage: str
    targets: Targets
    settings: Settings
    observer: Observer
    scratch_dir: Path
    """The stage's own scratch directory; removed only after the stage has ended."""
    options: Any = None
    """The stage's validated ``Options`` instance (``[stages.<name>]``)."""
    profile: Mapping[str, Any] = field(default_factory=dict)
    """Facts from the stage that provides ``profile`` (stack, app kind, data map), read-only."""
    runtime: StageRuntime | None = None
    workspace: Workspace | None = None
    cancel: threading.Event = field(default_factory=threading.Event)
    record: Recorder = field(default_factory=lambda: Recorder(Observer()))

    @property
    def repo(self) -> Path | None:
        return Path(self.targets.path) if self.targets.path else None

    @property
    def profile_facts(self) -> ProfileFacts | None:
        """The profile as typed facts (``data_map.is_personal(table, column)``, ``is_medical``...),
        None when no stage provided a profile."""
        if not self.profile:
            return None
        from pulsecheck.knowledge import ProfileFacts

        return ProfileFacts.from_json(self.profile)

    @property
    def notes(self) -> list[str]:
        return self.record.notes

    @property
    def gaps(self) -> list[str]:
        return self.record.gaps

    @property
    def facts(self) -> dict[str, Any]:
        """What this stage learned that later stages or the report use (the profile writes here)."""
        return self.record.facts

    def note(self, message: str) -> None:
        """Record something that was not scanned or went wrong on one input; shown in the report."""
        self.record.note(message)

    def gap(self, message: str) -> None:
        """Record a hole in coverage; the stage ends "partial" and the audit cannot pass clean."""
        self.record.gap(message)


@runtime_checkable
class Stage(Protocol):
    """A stage. Beyond these members it may declare (class attributes, with defaults):

    * ``Options``: a :class:`~pulsecheck.options.StageOptions` model of ``[stages.<name>]``;
    * ``needs``: a frozenset of :data:`Need` (default ``{"repo"}``);
    * ``provides``: what it hands later stages (the profile stage: ``{"profile"}``).
    """

    name: str

    def applies(self, targets: Targets) -> bool:
        """Whether this stage has anything to scan in these targets."""
        ...

    def rules(self) -> Sequence[Rule]:
        """Every rule the stage can report, for ``pulsecheck rules list`` and SARIF."""
        ...

    def run(self, ctx: StageContext) -> Iterator[Finding]:
        """Yield findings; may call ``ctx.note``/``ctx.gap``; should check ``ctx.cancel``."""
        ...


class StageBase:
    """Optional base with the v2 declarations; stages may also declare them directly."""

    name: ClassVar[str]
    Options: ClassVar[type[StageOptions]] = StageOptions
    needs: ClassVar[frozenset[str]] = DEFAULT_NEEDS
    provides: ClassVar[frozenset[str]] = frozenset()


def needs_of(stage: object) -> frozenset[str]:
    return frozenset(getattr(stage, "needs", DEFAULT_NEEDS))


def provides_of(stage: object) -> frozenset[str]:
    return frozenset(getattr(stage, "provides", frozenset()))
