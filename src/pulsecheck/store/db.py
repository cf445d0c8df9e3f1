"""Opening a store: where the SQLite file goes and how it is checked, engines, migrations, retries.

**Where.** Without ``--store`` (or ``PULSECHECK_STORE``) the store is the *current directory's*
``.pulsecheck/history.sqlite``: the history belongs to whoever runs the audits, and one store
holds many repositories (every run is keyed by repository and branch, :mod:`.identity`). When
the current directory lies inside the repository being audited (``cd repo && pulsecheck audit .``)
that is inside a tree which may be hostile, so the file is opened only if it is safe:

* each directory on the way is opened without following symlinks inside the scanned tree
  (:func:`pulsecheck.safeio.make_dirs`), ``.pulsecheck/`` gets a ``.gitignore`` of ``*`` so the
  store never shows up in ``git status`` or in the next audit's file list;
* the database and its ``-wal``, ``-shm`` and ``-journal`` siblings must be absent or regular
  files, never symlinks (SQLite would follow them);
* a database holding triggers or views (pulsecheck creates neither) is refused, and SQLite's
  ``trusted_schema`` is off: a store planted in a repository cannot run SQL on our writes.

A refusal is a :class:`StoreError` with one line naming the path; the audit still writes its
report (the store is never a reason to lose one).

**Concurrency.** SQLite runs in WAL mode with a 30 s busy timeout; every write transaction is
``BEGIN IMMEDIATE`` (the write lock is taken up front, so two writers never deadlock upgrading a
read lock) and is retried with jittered back-off on ``database is locked``. PostgreSQL runs at
read committed; rows that several runners insert at once (a repository, first-seen fingerprints)
use ``ON CONFLICT``, fingerprints are inserted in sorted order, and deadlocks or serialization
failures are retried. A writer killed mid-transaction leaves nothing: both databases roll it back.

**Schema.** A store from an older pulsecheck is upgraded on open (Alembic, the migrations in
``migrations/``), under a lock: SQLite's write lock, PostgreSQL's advisory lock, so parallel
first runs create the schema once. A store newer than this pulsecheck is refused (it is not
downgraded).
"""

from __future__ import annotations

import os
import random
import stat
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from pulsecheck.safeio import inside, make_dirs, write_atomic

DEFAULT_DIR = ".pulsecheck"
DEFAULT_FILE = "history.sqlite"
HEAD_REVISION = "0002"
"""The newest migration (tests check it is Alembic's head)."""
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_ADVISORY_LOCK = 0x70756C73  # "puls": PostgreSQL advisory lock id of schema upgrades
_SIDECARS = ("", "-wal", "-shm", "-journal")
BUSY_TIMEOUT_S = 30.0
RETRY_BUDGET_S = 120.0

T = TypeVar("T")


class StoreError(Exception):
    """The store could not be opened or written; the message is one line naming it."""


def default_url(cwd: Path | None = None) -> str:
    return f"sqlite:///{(cwd or Path.cwd()) / DEFAULT_DIR / DEFAULT_FILE}"


def describe(url: str) -> str:
    """The URL as shown to people: no password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(invalid store URL)"


def sqlite_path(url: URL) -> Path | None:
    if url.get_backend_name() != "sqlite":
        return None
    if not url.database or url.database == ":memory:":
        raise StoreError("an in-memory SQLite store keeps nothing: give a file, e.g. sqlite:///history.sqlite")
    return Path(url.database).absolute()


def check_sqlite_file(path: Path, repo: Path | None) -> None:
    """Create the store's directory and refuse symlinks and special files (module docstring)."""
    parent = path.parent
    try:
        make_dirs(parent, repo=repo)
    except OSError as exc:
        raise StoreError(f"{parent}: store directory not usable ({exc.strerror or exc})") from None
    if parent.name == DEFAULT_DIR:
        ignore = parent / ".gitignore"
        if not os.path.lexists(ignore):
            try:
                write_atomic(ignore, "# written by pulsecheck: its audit history, never committed\n*\n", repo=repo)
            except OSError as exc:
                raise StoreError(f"{ignore}: not written ({exc.strerror or exc})") from None
    for suffix in _SIDECARS:
        candidate = Path(f"{path}{suffix}")
        try:
            st = os.lstat(candidate)
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise StoreError(f"{candidate}: cannot check the store file ({exc.strerror})") from None
        if stat.S_ISLNK(st.st_mode):
            where = " inside the scanned repository" if repo is not None and inside(candidate.parent, repo) else ""
            raise StoreError(f"{candidate}: is a symlink{where}; refusing to open the store through it "
                             "(remove it or pass --store)")
        if not stat.S_ISREG(st.st_mode):
            raise StoreError(f"{candidate}: exists and is not a regular file; not used as a store")


def make_engine(url_text: str, repo: Path | None = None) -> Engine:
    """An engine for ``url_text`` (``sqlite:///path`` or ``postgresql://...``), the file checked."""
    try:
        url = make_url(url_text)
    except ArgumentError:
        raise StoreError(f"{url_text!r}: not a store URL (sqlite:///path or postgresql://user@host/db)") from None
    backend = url.get_backend_name()
    if backend == "sqlite":
        path = sqlite_path(url)
        assert path is not None
        check_sqlite_file(path, repo)
        url = url.set(drivername="sqlite+pysqlite", database=str(path))
        engine = create_engine(url, poolclass=NullPool, connect_args={"timeout": BUSY_TIMEOUT_S})
        _sqlite_events(engine)
        return engine
    if backend == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
        return create_engine(url, pool_pre_ping=True, pool_size=2, max_overflow=2,
                             connect_args={"connect_timeout": 15, "application_name": "pulsecheck"})
    raise StoreError(f"{describe(url_text)}: unsupported store (use sqlite:///path or postgresql://...)")


def _sqlite_events(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (below)
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        cur.execute("PRAGMA trusted_schema = OFF")
        mode = cur.execute("PRAGMA journal_mode = WAL").fetchone()
        if not mode or str(mode[0]).lower() != "wal":
            cur.close()
            raise StoreError(f"{engine.url.database}: SQLite WAL mode not available ({mode and mode[0]})")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        deferred = conn.get_execution_options().get("pulsecheck_read", False)
        conn.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")


def _transient(exc: BaseException) -> bool:
    """A lock, a deadlock or a serialization failure: worth retrying the whole transaction."""
    if isinstance(exc, OperationalError | DBAPIError):
        orig = getattr(exc, "orig", None)
        sqlstate = getattr(orig, "sqlstate", None)
        if sqlstate in ("40001", "40P01", "55P03"):
            return True
        message = str(orig or exc).lower()
        return "database is locked" in message or "database is busy" in message or "database table is locked" in message
    return False


def with_retries(engine: Engine, work: Callable[[Connection], T], *, read: bool = False) -> T:
    """Run ``work`` in one transaction; on a transient failure roll back and run it again."""
    deadline = time.monotonic() + RETRY_BUDGET_S
    delay = 0.02
    while True:
        try:
            with connect(engine, read=read) as conn, conn.begin():
                return work(conn)
        except SQLAlchemyError as exc:
            if not _transient(exc) or time.monotonic() > deadline:
                raise
        time.sleep(delay * (0.5 + random.random()))  # noqa: S311 - jitter, not security
        delay = min(delay * 2, 1.0)


@contextmanager
def connect(engine: Engine, *, read: bool = False) -> Iterator[Connection]:
    with engine.connect() as conn:
        if read:
            conn = conn.execution_options(pulsecheck_read=True)
        yield conn


# --- schema -----------------------------------------------------------------------------------


def current_revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
    return str(row[0]) if row else None


def _refuse_foreign_sqlite(conn: Connection, where: str) -> None:
    names = conn.exec_driver_sql(
        "SELECT type, name FROM sqlite_master WHERE type IN ('trigger', 'view')").fetchall()
    if names:
        raise StoreError(f"{where}: holds {names[0][0]} {names[0][1]!r}, which pulsecheck never creates: "
                         "not opened as a store (a planted database?)")
    tables = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if tables and "alembic_version" not in tables:
        raise StoreError(f"{where}: an SQLite database that is not a pulsecheck store (tables: "
                         f"{', '.join(sorted(tables)[:5])}); pass another --store")


def upgrade(engine: Engine, target: str = "head") -> None:
    """Bring the schema to ``target`` (Alembic) under the store's migration lock."""
    where = describe(str(engine.url))
    sqlite = engine.dialect.name == "sqlite"

    def check(conn: Connection) -> str | None:
        if sqlite:
            _refuse_foreign_sqlite(conn, where)
        return current_revision(conn)

    try:
        now = with_retries(engine, check, read=True)
    except SQLAlchemyError as exc:
        raise StoreError(f"{where}: cannot open the store ({_short(exc)})") from None
    if now == HEAD_REVISION and target == "head":
        return
    if now is not None and not _known_revision(now):
        raise StoreError(f"{where}: store schema {now} is newer than this pulsecheck knows ({HEAD_REVISION}); "
                         "upgrade pulsecheck")

    def migrate(conn: Connection) -> None:
        if sqlite:
            _refuse_foreign_sqlite(conn, where)
        else:
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ADVISORY_LOCK})
        if current_revision(conn) == HEAD_REVISION and target == "head":
            return  # another process upgraded it while we waited for the lock
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = conn
        command.upgrade(config, target)

    try:
        with_retries(engine, migrate)
    except SQLAlchemyError as exc:
        raise StoreError(f"{where}: schema upgrade failed ({_short(exc)})") from None


def _known_revision(rev: str) -> bool:
    return any(p.name.startswith(f"{rev}_") for p in (MIGRATIONS / "versions").glob("*.py"))


def _short(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    text_ = str(orig if orig is not None else exc).strip().splitlines()
    return (text_[0] if text_ else type(exc).__name__)[:300]


__all__ = ["DEFAULT_DIR", "DEFAULT_FILE", "HEAD_REVISION", "StoreError", "check_sqlite_file", "connect",
           "current_revision", "default_url", "describe", "make_engine", "upgrade", "with_retries"]
