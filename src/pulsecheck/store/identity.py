"""Which repository and branch an audit belongs to, read from the filesystem only.

The store keys every audit by a stable repository id and a branch, so that many CI runners of
many repositories can share one store. The repository id is, in order:

1. ``PULSECHECK_REPO_ID`` when set (a monorepo's sub-project, a checkout without a remote);
2. the URL of its ``origin`` remote (else the first remote) from ``.git/config``, without
   credentials, scheme, user, query or ``.git`` suffix: ``https://user:tok@GitHub.com/org/app.git``
   and ``git@github.com:org/app`` are both ``github.com/org/app``;
3. the resolved path of the audited directory; URLs and hosts for an audit without one.

The branch is ``PULSECHECK_BRANCH`` when set, else the symbolic ref in ``.git/HEAD``, else the
CI's branch variable (``GITHUB_HEAD_REF``, ``GITHUB_REF_NAME``, ``CI_COMMIT_REF_NAME``) for a
detached checkout, else empty (shown as ``(detached)``).

The scanned repository is hostile: git is never run here (nothing of its config is executed),
``.git/HEAD`` and ``.git/config`` are read with a byte cap and without following symlinks
(:func:`pulsecheck.saferead.read_capped`), and what is read is bounded and made one line.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from pulsecheck.saferead import ReadRefused, read_capped
from pulsecheck.sources.git_history import Repository, locate_repository
from pulsecheck.textsafe import one_line

MAX_KEY = 500
MAX_BRANCH = 255
_CONFIG_LIMIT = 256 * 1024
_SECTION = re.compile(r'^\s*\[\s*remote\s+"([^"\n]{1,200})"\s*\]')
_OTHER_SECTION = re.compile(r"^\s*\[")
_URL = re.compile(r"^\s*url\s*=\s*(.*?)\s*$", re.IGNORECASE)
_SCP = re.compile(r"^(?:[^@/\s]+@)?([A-Za-z0-9.\-]+):(?!//)(.+)$")


@dataclass(frozen=True, slots=True)
class RepoIdentity:
    key: str
    branch: str
    """Empty for a detached HEAD without a CI branch variable."""


def identify(path: str | None, urls: Sequence[str] = (), hosts: Sequence[str] = (),
             env: Mapping[str, str] | None = None) -> RepoIdentity:
    """The store key and branch of an audit of ``path`` (and/or ``urls``, ``hosts``)."""
    env = os.environ if env is None else env
    repo = None
    if path is not None:
        located = locate_repository(Path(path))
        repo = located if isinstance(located, Repository) else None
    key = (env.get("PULSECHECK_REPO_ID") or "").strip()
    if not key and repo is not None:
        key = remote_key(repo.git_dir) or ""
    if not key and path is not None:
        key = str(Path(path).resolve())
    if not key:
        key = " ".join(sorted({*urls, *hosts})) or "(no target)"
    branch = (env.get("PULSECHECK_BRANCH") or "").strip()
    if not branch and repo is not None:
        branch = head_branch(repo.git_dir) or ""
    if not branch:
        branch = next((env[v].strip() for v in ("GITHUB_HEAD_REF", "GITHUB_REF_NAME", "CI_COMMIT_REF_NAME")
                       if env.get(v, "").strip()), "")
    return RepoIdentity(key=one_line(key)[:MAX_KEY], branch=one_line(branch)[:MAX_BRANCH])


def checkout_root(start: Path) -> Path:
    """The checkout ``start`` lies in (the nearest directory upwards with a ``.git``), else
    ``start``: for commands run from a sub-directory of the user's own checkout."""
    start = start.resolve()
    return next((p for p in (start, *start.parents) if os.path.lexists(p / ".git")), start)


def head_branch(git_dir: Path) -> str | None:
    """The branch ``HEAD`` names (``ref: refs/heads/X``), None when detached or unreadable."""
    try:
        text = read_capped(git_dir / "HEAD", 4096).decode("utf-8", "replace")
    except ReadRefused:
        return None
    first = text.splitlines()[0].strip() if text.strip() else ""
    if first.startswith("ref:"):
        ref = first[4:].strip()
        return ref.removeprefix("refs/heads/") or None
    return None


def remote_key(git_dir: Path) -> str | None:
    """The normalised URL of ``origin`` (else the first remote) in ``git_dir/config``."""
    try:
        text = read_capped(git_dir / "config", _CONFIG_LIMIT).decode("utf-8", "replace")
    except ReadRefused:
        return None
    remotes: dict[str, str] = {}
    current: str | None = None
    for line in text.splitlines():
        if m := _SECTION.match(line):
            current = m.group(1)
            continue
        if _OTHER_SECTION.match(line):
            current = None
            continue
        if current is not None and current not in remotes and (m := _URL.match(line)):
            remotes[current] = m.group(1).strip('"')
    url = remotes.get("origin") or next(iter(remotes.values()), None)
    return normalise_remote(url) if url else None


def normalise_remote(url: str) -> str:
    """A remote URL as a stable id: no credentials, scheme, user, port-less host in lower case,
    no query, no trailing ``.git`` or slash. Local paths stay paths."""
    url = url.strip()
    if "://" in url:
        parts = urlsplit(url)
        if parts.scheme == "file":
            return parts.path.rstrip("/") or "/"
        host = (parts.hostname or "").lower()
        port = f":{parts.port}" if _port(parts) else ""
        path = parts.path
    elif m := _SCP.match(url):
        host, port, path = m.group(1).lower(), "", "/" + m.group(2).lstrip("/")
    else:
        return url.rstrip("/") or url
    path = path.rstrip("/").removesuffix(".git").rstrip("/")
    return f"{host}{port}{path}"


def _port(parts: object) -> int | None:
    try:
        return getattr(parts, "port", None)
    except ValueError:
        return None


__all__ = ["RepoIdentity", "checkout_root", "head_branch", "identify", "normalise_remote", "remote_key"]
