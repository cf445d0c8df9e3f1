"""Outdated packages (``[stages.deps] outdated = true``): the latest release of each pinned PyPI
and npm package from the registries' public JSON metadata.

Answers are cached on disk for a day; offline, the cached answers are used and what could not
be looked up is listed in one note. No other ecosystem is asked, and nothing is sent but names.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from pulsecheck.model import FileLocation, Finding
from pulsecheck.safeio import write_atomic
from pulsecheck.stages.deps.package import Package
from pulsecheck.stages.deps.rules import OUTDATED
from pulsecheck.stages.deps.versions import version_key

TTL_S = 24 * 3600
MAX_LOOKUPS = 500
DEFAULT_URLS = {"PyPI": "https://pypi.org", "npm": "https://registry.npmjs.org"}


def _url(ecosystem: str, name: str, bases: dict[str, str]) -> str:
    if ecosystem == "PyPI":
        return f"{bases['PyPI']}/pypi/{quote(name)}/json"
    return f"{bases['npm']}/{quote(name, safe='@')}/latest"


def _latest(data: object, ecosystem: str) -> str | None:
    if not isinstance(data, dict):
        return None
    value = (data.get("info") or {}).get("version") if ecosystem == "PyPI" else data.get("version")
    return value if isinstance(value, str) else None


class LatestVersions:
    """Registry lookups behind a JSON file cache ``{"eco:name": [latest, fetched_at]}``."""

    def __init__(self, cache_file: Path, bases: dict[str, str] | None = None) -> None:
        self.cache_file = cache_file
        self.bases = {**DEFAULT_URLS, **(bases or {})}
        try:
            self.cache: dict[str, list[Any]] = json.loads(cache_file.read_text("utf-8"))
        except (OSError, ValueError):
            self.cache = {}

    def origins(self) -> list[str]:
        """The registries this lookup talks to: the only origins its HTTP client may reach."""
        return list(self.bases.values())

    def lookup(self, packages: Sequence[Package], client: httpx.Client) -> tuple[dict[str, str], list[str]]:
        """(``eco:key`` -> latest version, names that could not be looked up).

        ``client`` comes from the runtime (``ctx.runtime.http``): scoped to :meth:`origins`,
        no redirects followed, per-host connection and rate caps."""
        wanted = sorted({(p.ecosystem, p.key) for p in packages if p.ecosystem in DEFAULT_URLS})[:MAX_LOOKUPS]
        now = time.time()
        stale = [w for w in wanted if now - float(self.cache.get(f"{w[0]}:{w[1]}", [None, 0])[1] or 0) > TTL_S]
        failed: list[str] = []
        if stale:
            with ThreadPoolExecutor(max_workers=4) as pool:
                for (eco, name), latest in zip(stale, pool.map(lambda w: self._fetch(client, *w), stale),
                                               strict=True):
                    if latest is not None:
                        self.cache[f"{eco}:{name}"] = [latest, now]
                    elif f"{eco}:{name}" not in self.cache:
                        failed.append(name)
            self._save()
        found = {k: str(v[0]) for k, v in self.cache.items() if v and v[0]}
        return found, failed

    def _fetch(self, client: httpx.Client, ecosystem: str, name: str) -> str | None:
        try:
            response = client.get(_url(ecosystem, name, self.bases))
            return _latest(response.json(), ecosystem) if response.status_code == 200 else None
        except (httpx.HTTPError, ValueError):
            return None

    def _save(self) -> None:
        with contextlib.suppress(OSError):  # a cache that cannot be written only costs time
            write_atomic(self.cache_file, json.dumps(self.cache))


def findings(packages: Sequence[Package], latest: dict[str, str]) -> Iterator[Finding]:
    for pkg in packages:
        newest = latest.get(f"{pkg.ecosystem}:{pkg.key}")
        if not newest or not pkg.version:
            continue
        have, top = version_key(pkg.ecosystem, pkg.version), version_key(pkg.ecosystem, newest)
        if have is None or top is None or not have < top:
            continue
        yield Finding.from_rule(
            OUTDATED, location=FileLocation(pkg.path, pkg.line, pkg.line),
            message=f"{pkg.name} {pkg.version} ({pkg.ecosystem}) is behind the latest release {newest}",
            evidence=f"{pkg.name}=={pkg.version}", identity=f"{pkg.ecosystem}:{pkg.key}@{pkg.version}",
            properties={"package": pkg.name, "version": pkg.version, "ecosystem": pkg.ecosystem,
                        "latest": newest, "direct": pkg.direct, "dev": pkg.dev})
