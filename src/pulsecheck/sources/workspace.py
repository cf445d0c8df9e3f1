"""The audit workspace: the inputs the engine builds once and every stage reads.

One file index (one walk, one exclusion rule, symlinks out of the root refused, text read once)
and one history source (one pass over git, segments on scratch) per audit. Stages declare
``needs = {"tree"}`` / ``{"history"}`` and read ``ctx.workspace.tree`` / ``ctx.workspace.history``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulsecheck.sources.history import History
from pulsecheck.sources.tree import FileIndex


@dataclass
class Workspace:
    """The repository root and its shared sources (built lazily, once, thread-safe)."""

    root: Path
    exclude: tuple[str, ...] = ()
    scratch: Path | None = None
    tree: FileIndex | None = None
    """The one file index; it lists the tree on first use (:class:`~.tree.FileIndex`)."""
    history: History | None = None
    """The one history pass (all refs; ``history.for_range(since)`` for ``since..HEAD``), run on first use."""
    _reported: set[str] = field(default_factory=set, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def for_directory(cls, root: Path, exclude: tuple[str, ...] = ()) -> Workspace:
        """A workspace outside the engine (``pulsecheck profile PATH``, a library call)."""
        return cls(root=Path(root), exclude=exclude, tree=FileIndex(Path(root), exclude))

    def first_to_report(self, what: str) -> bool:
        """True once per audit for ``what``: index-wide notes are rendered by one stage only."""
        with self._lock:
            if what in self._reported:
                return False
            self._reported.add(what)
            return True


def open_workspace(root: Path, exclude: tuple[str, ...], scratch: Path, runtime: Any) -> Workspace:
    """The workspace of one audit; its sources are built on first use."""
    procs = getattr(runtime, "sources", None)
    return Workspace(root=root, exclude=exclude, scratch=scratch, tree=FileIndex(root, exclude, procs=procs),
                     history=History(root, scratch / "history", procs))


def tree_for(workspace: Workspace | None, root: Path, exclude: tuple[str, ...] = ()) -> FileIndex:
    """The audit's index, or (a stage called outside the engine) a new one for ``root``."""
    if workspace is not None and workspace.tree is not None:
        return workspace.tree
    return FileIndex(root, exclude)


def report_tree_skips(workspace: Workspace | None, index: FileIndex, note: Callable[[str], None],
                      facts: dict[str, Any]) -> None:
    """Note what the index did not scan once per audit (one line: counts and the first few
    paths). The typed list is in the report once, under ``inputs.skipped`` (the engine puts it
    there), not copied into the facts of whichever stage noted it first."""
    if workspace is not None and not workspace.first_to_report("tree-skips"):
        return
    for message in index.notes:
        note(message)
    summary = index.skip_summary()
    if summary:
        note(summary)
