"""The local OSV database: one SQLite file, built from OSV exports, read by the matcher.

Import is a single transaction (a reader sees the old data or the new, never half), and a
full ``all.zip`` replaces its ecosystem wholesale so withdrawn and deleted advisories go away.
Each ecosystem records when and from where it was imported, for ``db status`` and the audit's
staleness warning.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from pulsecheck.safeio import make_dirs
from pulsecheck.stages.deps.archive import ArchiveError, Source, iter_source, sources_of
from pulsecheck.stages.deps.osv import AdvisoryError, AdvisoryRow, parse_advisory

SCHEMA_VERSION = "1"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sources(ecosystem TEXT PRIMARY KEY, advisories INTEGER NOT NULL,
    imported_at TEXT NOT NULL, source TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS advisories(id TEXT PRIMARY KEY, summary TEXT, aliases TEXT, score REAL,
    vector TEXT, severity TEXT, modified TEXT, withdrawn INTEGER, informational TEXT);
CREATE TABLE IF NOT EXISTS affected(advisory_id TEXT NOT NULL, ecosystem TEXT NOT NULL,
    name TEXT NOT NULL, ranges TEXT NOT NULL, versions TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS affected_pkg ON affected(ecosystem, name);
CREATE INDEX IF NOT EXISTS affected_adv ON affected(advisory_id);
"""


class DatabaseError(Exception):
    """The database cannot be opened or written; the message says which file and why."""


@dataclass
class ImportStats:
    advisories: int = 0
    withdrawn: int = 0
    ecosystems: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def default_path(configured: str | None = None) -> Path:
    """``configured`` (``[stages.deps] db`` or ``PULSECHECK_DB``, merged by the config loader),
    else ``PULSECHECK_DB``, else the user cache directory."""
    configured = configured or os.environ.get("PULSECHECK_DB")
    if configured:
        return Path(str(configured)).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("pulsecheck")) / "osv.sqlite"


def connect(db_path: Path, *, create: bool = False) -> sqlite3.Connection:
    if not create and not db_path.is_file():
        raise DatabaseError(f"{db_path}: no vulnerability database (run 'pulsecheck db update' or "
                            "'pulsecheck db import PATH')")
    try:
        if create:
            make_dirs(db_path.parent)
        # nofollow: a database path that is a symlink is refused, never written through
        conn = sqlite3.connect(f"file:{quote(str(db_path.absolute()))}?nofollow=1", timeout=30, uri=True)
        if create:
            conn.executescript(_SCHEMA)
        else:
            conn.execute("SELECT 1 FROM sources LIMIT 1")
    except (sqlite3.Error, OSError) as exc:
        raise DatabaseError(f"{db_path}: cannot open the database ({exc})") from None
    return conn


def import_path(source: Path, db_path: Path, *, replace: bool | None = None,
                origin: str | None = None) -> ImportStats:
    """Import advisories from a zip, a directory of ``<Ecosystem>/all.zip`` or of ``*.json``.

    ``replace`` (default: True for ``all.zip`` files) drops the ecosystem's old rows first.
    A refused zip (path traversal, corrupt) is skipped with a message in ``problems``; other
    sources still import. Raises :class:`ArchiveError` only when nothing could be read.
    """
    stats = ImportStats()
    sources = sources_of(source)
    conn = connect(db_path, create=True)
    try:
        with conn:
            for src in sources:
                try:
                    rows = list(_rows(src, stats))
                except ArchiveError as exc:
                    stats.problems.append(str(exc))
                    continue
                full = replace if replace is not None else src.path.name == "all.zip"
                _store(conn, rows, src, full, origin or str(src.path), stats)
                stats.problems += src.problems
    finally:
        conn.close()
    if stats.problems and not stats.advisories:
        raise ArchiveError("; ".join(stats.problems[:3]))
    return stats


def _rows(src: Source, stats: ImportStats) -> Iterable[AdvisoryRow]:
    for doc in iter_source(src):
        try:
            yield parse_advisory(doc)
        except (AdvisoryError, TypeError, AttributeError, ValueError) as exc:
            src.problems.append(f"{src.path}: an entry is not an OSV advisory ({exc}), skipped")


def _of_ecosystem(rows: list[AdvisoryRow], src: Source) -> list[AdvisoryRow]:
    """Only advisories that really are of the ecosystem the source's layout names (a mislabelled
    ``npm/all.zip`` full of PyPI advisories must not replace, or wipe, the PyPI data)."""
    if not src.ecosystem:
        return rows
    # an advisory with no affected package rows (withdrawn, or nothing matchable) belongs to the source
    kept = [r for r in rows if not r.ecosystems or any(_base(e) == src.ecosystem for e in r.ecosystems)]
    if len(kept) < len(rows):
        src.problems.append(f"{src.path}: {len(rows) - len(kept)} advisory(ies) not of ecosystem "
                            f"{src.ecosystem} (as its directory says), skipped")
    return [dataclasses.replace(r, affected=tuple(a for a in r.affected if _base(a.ecosystem) == src.ecosystem))
            for r in kept]


def _base(ecosystem: str) -> str:
    return ecosystem.split(":", 1)[0]


def _store(conn: sqlite3.Connection, rows: list[AdvisoryRow], src: Source, full: bool, origin: str,
           stats: ImportStats) -> None:
    rows = _of_ecosystem(rows, src)
    if not rows:
        return  # nothing of this ecosystem: its previous data stays
    counts: dict[str, int] = {}
    for row in rows:
        for eco in row.ecosystems or ({src.ecosystem} if src.ecosystem else set()):
            counts[eco] = counts.get(eco, 0) + 1
    if full:
        for eco in counts.keys() | ({src.ecosystem} if src.ecosystem else set()):
            conn.execute("DELETE FROM advisories WHERE id IN (SELECT advisory_id FROM affected "
                         "WHERE ecosystem = ?)", (eco,))
            conn.execute("DELETE FROM affected WHERE ecosystem = ?", (eco,))
    ids = [(r.id,) for r in rows]
    conn.executemany("DELETE FROM affected WHERE advisory_id = ?", ids)
    conn.executemany(
        "INSERT OR REPLACE INTO advisories VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(r.id, r.summary, json.dumps(r.aliases), r.score, r.vector, r.severity, r.modified,
          int(r.withdrawn), r.informational) for r in rows])
    conn.executemany("INSERT INTO affected VALUES (?, ?, ?, ?, ?)",
                     [(r.id, a.ecosystem, a.name, a.ranges, a.versions) for r in rows for a in r.affected])
    now = datetime.now(UTC).isoformat(timespec="seconds")
    for eco, count in counts.items():
        total = count if full else conn.execute(
            "SELECT COUNT(DISTINCT advisory_id) FROM affected WHERE ecosystem = ?", (eco,)).fetchone()[0]
        conn.execute("INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?)", (eco, total, now, origin))
        stats.ecosystems[eco] = stats.ecosystems.get(eco, 0) + count
    conn.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
    stats.advisories += len(rows)
    stats.withdrawn += sum(r.withdrawn for r in rows)


@dataclass(frozen=True)
class EcosystemStatus:
    ecosystem: str
    advisories: int
    imported_at: datetime
    source: str

    def age_days(self, now: datetime | None = None) -> float:
        return ((now or datetime.now(UTC)) - self.imported_at).total_seconds() / 86400


def status(db_path: Path) -> list[EcosystemStatus]:
    conn = connect(db_path)
    try:
        rows = conn.execute("SELECT ecosystem, advisories, imported_at, source FROM sources "
                            "ORDER BY ecosystem").fetchall()
    except sqlite3.Error as exc:
        raise DatabaseError(f"{db_path}: unreadable database ({exc})") from None
    finally:
        conn.close()
    return [EcosystemStatus(e, n, datetime.fromisoformat(t), s) for e, n, t, s in rows]
