"""Where scanners read text from: a working tree (or any directory) and a git history.

Shared by the secrets and PHI stages. Both sources are streaming, never follow a symlink out
of the root, and report every input they skip (``on_skip``) or could not read (``on_gap``)
so a stage can say exactly what it did not scan.
"""

from __future__ import annotations

from pulsecheck.sources.git_history import HistoryChunk, iter_history, iter_staged, safe_git_env
from pulsecheck.sources.worktree import SourceFile, iter_files, read_text

__all__ = ["HistoryChunk", "SourceFile", "iter_files", "iter_history", "iter_staged", "read_text",
           "safe_git_env"]
