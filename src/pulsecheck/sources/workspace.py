"""The audit workspace: the inputs the engine builds once and every stage reads.

One file index (one walk, one exclusion rule, symlinks out of the root refused, text read once)
and one history source (one pass over git, segments on scratch) per audit. Stages declare
``needs = {"tree"}`` / ``{"history"}`` and read ``ctx.workspace.tree`` / ``ctx.workspace.history``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class Workspace:
    """The repository root and its shared sources (built lazily, once, thread-safe)."""

    root: Path
    exclude: tuple[str, ...] = ()
    scratch: Path | None = None
    tree: Any = None
    history: Any = None


def open_workspace(root: Path, exclude: tuple[str, ...], scratch: Path, runtime: Any) -> Workspace:
    """The workspace of one audit; its sources are built on first use."""
    return Workspace(root=root, exclude=exclude, scratch=scratch)
