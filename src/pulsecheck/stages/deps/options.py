"""``[stages.deps]``: what the deps stage reads from configuration, validated at load.

    db = "~/osv.sqlite"       # the local OSV database (default: user cache dir); user only
    include_vendored = false  # also read lockfiles under vendor/, node_modules/...
    eol = true                # report end-of-life runtimes and frameworks
    outdated = false          # ask PyPI/npm for the latest versions (network); user only
    pypi_url = "https://pypi.org"             # user only
    npm_url = "https://registry.npmjs.org"    # user only

``db``, ``outdated`` and the registry URLs are never taken from the scanned repository's config:
a repository must not point the audit at its own (empty) database or send every dependency
name to a server of its choosing. ``PULSECHECK_DB`` sets ``db`` from the environment.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator

from pulsecheck.options import RepoPath, StageOptions, narrows, user_only


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{value!r} is not an http(s) URL")
    return value.rstrip("/")


HttpUrl = Annotated[str, AfterValidator(_http_url)]


class Options(StageOptions):
    db: RepoPath | None = user_only(None, "the local OSV database file")
    include_vendored: bool = False
    eol: bool = narrows(True, "report end-of-life runtimes and frameworks")
    outdated: bool = user_only(False, "look up the latest versions on PyPI and npm (network)")
    pypi_url: HttpUrl | None = user_only(None, "PyPI base URL for the outdated check")
    npm_url: HttpUrl | None = user_only(None, "npm registry base URL for the outdated check")


DepsOptions = Options
