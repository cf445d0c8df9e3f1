"""The audit's inputs, built once per audit and shared by every stage (see ``workspace``).

``tree``: the file index (one listing, one exclusion rule, symlinks and special files refused,
text read once). ``history``: one pass over git, in segments. Both record what they could not
read, once, so a stage can say exactly what it did not scan.
"""

from __future__ import annotations

from pulsecheck.sources.git_history import HistoryChunk, iter_history, iter_staged, safe_git_env
from pulsecheck.sources.tree import FileEntry, FileIndex, Skip

__all__ = ["FileEntry", "FileIndex", "HistoryChunk", "Skip", "iter_history", "iter_staged", "safe_git_env"]
