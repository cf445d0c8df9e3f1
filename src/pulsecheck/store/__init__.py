"""The audit store: every audit kept, keyed by repository and branch (SQLAlchemy 2 + Alembic).

    store = open_store("sqlite:///.pulsecheck/history.sqlite")   # or postgresql://user@host/db
    summary = store.record(report)                                # one transaction, retried on locks
    report = attach_history(report, store, summary)               # Report.history for the reporters
    store.diff(store.runs(key, branch)[1], store.runs(key, branch)[0])

Where the default file goes and how it is protected from a hostile repository, concurrency and
migrations: :mod:`pulsecheck.store.db`. Repository and branch identity: :mod:`.identity`.
"""

from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path

from pulsecheck.model import Report
from pulsecheck.store.db import DEFAULT_DIR, DEFAULT_FILE, HEAD_REVISION, StoreError, default_url, describe
from pulsecheck.store.identity import RepoIdentity, identify
from pulsecheck.store.repository import Diff, RunSummary, Store, StoredFinding, open_store

ENV = "PULSECHECK_STORE"
_OFF = {"0", "off", "none", "false", "no"}


def store_url(flag: str | None, no_store: bool, env: dict[str, str] | None = None) -> str | None:
    """The store an audit records to: ``--no-store`` > ``--store`` > ``PULSECHECK_STORE`` (``off``:
    none; empty, as an unset CI secret expands: the default) > the current directory's
    ``.pulsecheck/history.sqlite``."""
    if no_store:
        return None
    if flag:
        return _as_url(flag)
    value = (os.environ if env is None else env).get(ENV)
    if value is not None and value.strip():
        return None if value.strip().lower() in _OFF else _as_url(value.strip())
    return default_url()


def _as_url(value: str) -> str:
    """A bare path means a SQLite file."""
    return value if "://" in value else f"sqlite:///{Path(value).absolute()}"


def record_and_attach(report: Report, url: str) -> tuple[Report, RunSummary, float]:
    """Record ``report`` in the store at ``url`` and return it with ``history`` filled in, the
    stored summary and the seconds it took. Raises :class:`StoreError` (one line)."""
    started = time.perf_counter()
    with open_store(url, repo=report.targets.path) as store:
        summary = store.record(report)
        view = store.view(summary)
    return dataclasses.replace(report, history=view), summary, time.perf_counter() - started


def record_for_audit(report: Report, url: str | None) -> tuple[Report, str | None]:
    """What ``pulsecheck audit`` does after the scan: record, attach ``history``, and return the
    report with a one-line warning when the store failed (the report is never lost to it)."""
    if url is None:
        return report, None
    try:
        with_history, _summary, _seconds = record_and_attach(report, url)
    except StoreError as exc:
        return report, f"history not recorded: {exc}"
    except Exception as exc:  # noqa: BLE001 - a store bug must not cost the user the report
        return report, f"history not recorded: {describe(url)}: {type(exc).__name__}: {str(exc)[:200]}"
    return with_history, None


def attach_history(report: Report, store: Store, summary: RunSummary) -> Report:
    return dataclasses.replace(report, history=store.view(summary))


__all__ = ["DEFAULT_DIR", "DEFAULT_FILE", "ENV", "HEAD_REVISION", "Diff", "RepoIdentity", "RunSummary", "Store",
           "StoreError", "StoredFinding", "attach_history", "default_url", "describe", "identify", "open_store",
           "record_and_attach", "record_for_audit", "store_url"]
