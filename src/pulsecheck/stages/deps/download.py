"""``db update``: fetch OSV's per-ecosystem ``all.zip`` exports and import them.

Downloads go to ``<cache>/osv-zips/<Ecosystem>/all.zip.part`` and resume from where an
interrupted run stopped (HTTP Range); a finished download is checked as a zip before it
atomically replaces the previous ``all.zip``, and only then is it imported. A failed
ecosystem leaves the previous data in place and the others still update.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from pulsecheck.safeio import make_dirs, open_append
from pulsecheck.stages.deps.archive import ArchiveError, check_zip
from pulsecheck.stages.deps.db import ImportStats, import_path

DEFAULT_BASE = "https://osv-vulnerabilities.storage.googleapis.com"
DEFAULT_ECOSYSTEMS = ("PyPI", "npm", "Go", "crates.io", "Maven", "NuGet", "RubyGems", "Packagist", "Pub",
                      "Hex")
CHUNK = 1 << 16


@dataclass
class UpdateResult:
    imported: dict[str, int] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)


def base_url(explicit: str | None = None) -> str:
    return (explicit or os.environ.get("PULSECHECK_OSV_URL") or DEFAULT_BASE).rstrip("/")


def fetch(url: str, dest: Path, client: httpx.Client) -> Path:
    """Download ``url`` to ``dest`` via ``dest.part``, resuming a partial file; atomic replace."""
    make_dirs(dest.parent)
    part = dest.with_name(dest.name + ".part")
    have = part.stat().st_size if part.is_file() and not part.is_symlink() else 0
    headers = {"Range": f"bytes={have}-"} if have else {}
    with client.stream("GET", url, headers=headers) as response:
        if response.status_code == 416:  # the part file is already complete
            pass
        elif response.status_code == 206 and have:
            with open_append(part) as out:
                for chunk in response.iter_bytes(CHUNK):
                    out.write(chunk)
        elif response.status_code == 200:
            with open_append(part, truncate=True) as out:
                for chunk in response.iter_bytes(CHUNK):
                    out.write(chunk)
        else:
            raise ArchiveError(f"{url}: HTTP {response.status_code}")
    try:
        check_zip(part).close()
    except ArchiveError:
        part.unlink(missing_ok=True)  # corrupt or hostile: start over next time
        raise
    os.replace(part, dest)
    return dest


def update(db_path: Path, ecosystems: Sequence[str] = DEFAULT_ECOSYSTEMS, base: str | None = None,
           cache_dir: Path | None = None, progress: Callable[[str], None] | None = None,
           timeout: float = 60.0) -> UpdateResult:
    root = base_url(base)
    cache = cache_dir or db_path.parent / "osv-zips"
    result = UpdateResult()
    with httpx.Client(timeout=timeout, follow_redirects=True) as client:
        for eco in ecosystems:
            url = f"{root}/{eco}/all.zip"
            try:
                zip_path = fetch(url, cache / eco / "all.zip", client)
                stats: ImportStats = import_path(zip_path, db_path, replace=True, origin=url)
            except (ArchiveError, httpx.HTTPError, OSError) as exc:
                result.failed[eco] = str(exc) or type(exc).__name__
                if progress:
                    progress(f"{eco}: failed: {result.failed[eco]}")
                continue
            result.imported[eco] = stats.advisories
            if progress:
                progress(f"{eco}: {stats.advisories} advisories")
    return result
