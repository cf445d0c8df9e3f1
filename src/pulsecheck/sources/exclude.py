"""The one exclusion rule, used by the file index, the history and the engine's policy alike.

Before, ``exclude = ["docs"]`` hid a tracked ``docs/`` file from the tree scan while the history
scan still reported it "in git history only": three places had three rules. A pattern matches a
path when it matches the whole path as a glob (``docs/**``, ``*.min.js``) or names a directory
the path lies under (``docs``, ``docs/``).
"""

from __future__ import annotations

from collections.abc import Sequence
from fnmatch import fnmatchcase


def is_excluded(rel: str, patterns: Sequence[str]) -> bool:
    """Whether the repo-relative POSIX path ``rel`` is excluded by any of ``patterns``."""
    for pattern in patterns:
        pat = pattern.strip()
        if not pat:
            continue
        if pat.startswith("./"):
            pat = pat[2:]
        if fnmatchcase(rel, pat) or rel.startswith(pat.rstrip("/") + "/"):
            return True
        if pat.endswith("/**") and (rel == pat[:-3] or rel.startswith(pat[:-2])):
            return True
    return False
