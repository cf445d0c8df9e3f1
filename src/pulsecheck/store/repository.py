"""The repository layer: record an audit, list audits, diff two of them, the report's history view.

Every method is one transaction run through :func:`pulsecheck.store.db.with_retries`, so a
lock or deadlock costs a retry, never a lost run, and a crash mid-write leaves nothing half
written. Findings are compared by fingerprint only (:attr:`pulsecheck.model.Finding.fingerprint`,
never a line number), so a finding that moved keeps its history.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import case, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from pulsecheck.model import Report, Severity
from pulsecheck.serialize import finding_to_dict
from pulsecheck.store.db import StoreError, describe, upgrade, with_retries
from pulsecheck.store.identity import RepoIdentity, identify
from pulsecheck.store.models import FindingRow, FirstSeenRow, RepositoryRow, RunRow
from pulsecheck.summary import SEVERITIES_DESC

TREND_RUNS = 20
"""Audits in the report's trend (the last ones of the repository and branch, this one included)."""


def utc(value: datetime) -> datetime:
    """Aware UTC (SQLite hands back naive datetimes, which are UTC here)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class RunSummary:
    run_id: str
    repository: str
    branch: str
    revision: str | None
    target: str
    started_at: datetime
    finished_at: datetime
    tool_version: str
    total: int
    counts: Mapping[str, int]
    stages: Mapping[str, str]

    def to_json(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "repository": self.repository, "branch": self.branch,
                "revision": self.revision, "target": self.target, "started_at": self.started_at.isoformat(),
                "finished_at": self.finished_at.isoformat(), "tool_version": self.tool_version,
                "total": self.total, "counts": dict(self.counts), "stages": dict(self.stages)}


@dataclass(frozen=True, slots=True)
class StoredFinding:
    fingerprint: str
    rule_id: str
    stage: str
    severity: str
    title: str
    location: str

    def to_json(self) -> dict[str, Any]:
        return {"fingerprint": self.fingerprint, "rule_id": self.rule_id, "stage": self.stage,
                "severity": self.severity, "title": self.title, "location": self.location}


@dataclass(frozen=True, slots=True)
class Diff:
    """B against A: ``new`` only in B, ``fixed`` only in A, ``unchanged`` in both (by fingerprint).

    A finding of A that B lacks is ``fixed`` only when the stage that found it completed in B;
    when that stage was partial, errored, skipped or not run in B it is ``not_rechecked``: an
    audit that could not look is never read as a fix (the re-import mistake that closes findings
    wrongly)."""

    a: RunSummary
    b: RunSummary
    new: tuple[StoredFinding, ...] = field(default=())
    fixed: tuple[StoredFinding, ...] = field(default=())
    unchanged: tuple[StoredFinding, ...] = field(default=())
    not_rechecked: tuple[StoredFinding, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {"a": self.a.to_json(), "b": self.b.to_json(),
                "new": [f.to_json() for f in self.new], "fixed": [f.to_json() for f in self.fixed],
                "unchanged": [f.to_json() for f in self.unchanged],
                "not_rechecked": [f.to_json() for f in self.not_rechecked],
                "counts": {"new": len(self.new), "fixed": len(self.fixed), "unchanged": len(self.unchanged),
                           "not_rechecked": len(self.not_rechecked)}}


def _counts(report: Report) -> dict[str, int]:
    by = report.count_by_severity()
    return {s.value: by[s] for s in SEVERITIES_DESC}


def _target(report: Report) -> str:
    parts = ([report.targets.path] if report.targets.path else []) + list(report.targets.urls) + list(
        report.targets.hosts)
    return " ".join(parts)[:2000]


class Store:
    """An opened, migrated store (see :func:`pulsecheck.store.open_store`)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.where = describe(str(engine.url))

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # --- writing ----------------------------------------------------------------------------

    def record(self, report: Report, identity: RepoIdentity | None = None) -> RunSummary:
        """Store ``report`` under its repository and branch (idempotent per ``run_id``)."""
        who = identity or identify(report.targets.path, report.targets.urls, report.targets.hosts)
        findings = [(f, finding_to_dict(f)) for f in report.findings]
        rows: list[dict[str, Any]] = [{"fingerprint": f.fingerprint, "rule_id": f.rule_id[:200], "stage": f.stage[:32],
                 "severity": f.severity.value, "title": f.title, "location": f.location.display(),
                 "data": data} for f, data in findings]
        finished, started = utc(report.finished_at), utc(report.started_at)
        fingerprints = sorted({str(r["fingerprint"]) for r in rows})

        def work(conn: Connection) -> None:
            repo_pk = self._repository(conn, who.key)
            if conn.execute(select(RunRow.id).where(RunRow.run_id == report.run_id)).first():
                return
            run_pk = conn.execute(insert(RunRow).returning(RunRow.id), {
                "run_id": report.run_id, "repository_id": repo_pk, "branch": who.branch,
                "revision": report.target_revision, "target": _target(report), "started_at": started,
                "finished_at": finished, "recorded_at": datetime.now(UTC),
                "tool_version": report.tool_version[:64], "settings_digest": report.settings_digest[:64],
                "total": len(rows), "stages": {s.name: s.status for s in report.stages},
                "counts": _counts(report)}).scalar_one()
            if rows:
                conn.execute(insert(FindingRow), [{**r, "run_pk": run_pk} for r in rows])
            self._first_seen(conn, repo_pk, who.branch, fingerprints, finished, report.run_id)

        self._run(work, "record the audit")
        summary = self.run(report.run_id)
        assert summary is not None
        return summary

    def _repository(self, conn: Connection, key: str) -> int:
        table = RepositoryRow.__table__
        stmt = self._insert(conn, table).values(key=key, created_at=datetime.now(UTC))
        conn.execute(stmt.on_conflict_do_nothing(index_elements=["key"]))
        return int(conn.execute(select(RepositoryRow.id).where(RepositoryRow.key == key)).scalar_one())

    def _first_seen(self, conn: Connection, repo_pk: int, branch: str, fingerprints: Sequence[str],
                    when: datetime, run_id: str) -> None:
        """Upsert keeping the earliest sighting; sorted, so concurrent writers lock rows in one
        order (no deadlock). One statement, executed for many rows (compiled once)."""
        if not fingerprints:
            return
        table = FirstSeenRow.__table__
        stmt = self._insert(conn, table)
        earlier = stmt.excluded.first_seen_at < table.c.first_seen_at
        stmt = stmt.on_conflict_do_update(
            index_elements=["repository_id", "branch", "fingerprint"],
            set_={"first_seen_at": case((earlier, stmt.excluded.first_seen_at), else_=table.c.first_seen_at),
                  "run_id": case((earlier, stmt.excluded.run_id), else_=table.c.run_id)},
            where=earlier)
        conn.execute(stmt, [{"repository_id": repo_pk, "branch": branch, "fingerprint": fp, "first_seen_at": when,
                             "run_id": run_id} for fp in fingerprints])

    @staticmethod
    def _insert(conn: Connection, table: Any) -> Any:
        return (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(table)

    def _run(self, work: Any, what: str, *, read: bool = False) -> Any:
        try:
            return with_retries(self.engine, work, read=read)
        except SQLAlchemyError as exc:
            orig = getattr(exc, "orig", None) or exc
            raise StoreError(f"{self.where}: could not {what} ({str(orig).strip().splitlines()[0][:300]})") from None

    # --- reading ----------------------------------------------------------------------------

    def runs(self, repository: str | None = None, branch: str | None = None, limit: int = 50) -> list[RunSummary]:
        """Audits, newest first, optionally of one repository (its key) and branch."""
        def work(conn: Connection) -> list[RunSummary]:
            q = self._summary_query()
            if repository is not None:
                q = q.where(RepositoryRow.key == repository)
            if branch is not None:
                q = q.where(RunRow.branch == branch)
            q = q.order_by(RunRow.finished_at.desc(), RunRow.id.desc()).limit(limit)
            return [self._summary(row) for row in conn.execute(q)]
        result: list[RunSummary] = self._run(work, "list audits", read=True)
        return result

    def run(self, ref: str) -> RunSummary | None:
        """The audit whose run id is ``ref`` or starts with it (None: none; ambiguous: error)."""
        def work(conn: Connection) -> list[RunSummary]:
            q = self._summary_query().where(RunRow.run_id.startswith(ref, autoescape=True)).limit(2)
            return [self._summary(row) for row in conn.execute(q)]
        found: list[RunSummary] = self._run(work, "read the audit", read=True)
        if len(found) > 1:
            raise StoreError(f"{ref!r}: names more than one audit; give more of its run id")
        return found[0] if found else None

    def findings(self, run_id: str) -> list[StoredFinding]:
        def work(conn: Connection) -> list[StoredFinding]:
            q = (select(FindingRow.fingerprint, FindingRow.rule_id, FindingRow.stage, FindingRow.severity,
                        FindingRow.title, FindingRow.location)
                 .join(RunRow, FindingRow.run_pk == RunRow.id).where(RunRow.run_id == run_id)
                 .order_by(FindingRow.id))
            return [StoredFinding(*row) for row in conn.execute(q)]
        result: list[StoredFinding] = self._run(work, "read findings", read=True)
        return result

    def finding_cwes(self, run_id: str) -> list[tuple[str, list[str], str]]:
        """(rule id, CWEs, fingerprint) of an audit's findings (the checklist's evidence)."""
        def work(conn: Connection) -> list[tuple[str, list[str], str]]:
            q = (select(FindingRow.rule_id, FindingRow.data, FindingRow.fingerprint)
                 .join(RunRow, FindingRow.run_pk == RunRow.id).where(RunRow.run_id == run_id))
            return [(rule, [str(c) for c in (data or {}).get("cwe", ())], fp) for rule, data, fp in conn.execute(q)]
        result: list[tuple[str, list[str], str]] = self._run(work, "read findings", read=True)
        return result

    def diff(self, a: RunSummary, b: RunSummary) -> Diff:
        """New, fixed and unchanged findings of ``b`` against ``a``, by fingerprint."""
        old = _by_fingerprint(self.findings(a.run_id))
        new = _by_fingerprint(self.findings(b.run_id))
        order = _severity_order
        gone = [f for fp, f in old.items() if fp not in new]

        def rechecked(f: StoredFinding) -> bool:  # no stage results recorded: take B at its word
            return not b.stages or b.stages.get(f.stage) == "completed"

        return Diff(a=a, b=b,
                    new=tuple(sorted((f for fp, f in new.items() if fp not in old), key=order)),
                    fixed=tuple(sorted((f for f in gone if rechecked(f)), key=order)),
                    unchanged=tuple(sorted((f for fp, f in new.items() if fp in old), key=order)),
                    not_rechecked=tuple(sorted((f for f in gone if not rechecked(f)), key=order)))

    def view(self, summary: RunSummary, fingerprints: Iterable[str] | None = None,
             trend: int = TREND_RUNS) -> dict[str, Any]:
        """``Report.history`` for an audit: the trend up to it and when its findings (or only
        ``fingerprints`` of them) were first seen on its repository and branch."""
        wanted = None if fingerprints is None else set(fingerprints)

        def work(conn: Connection) -> dict[str, Any]:
            q = (select(RunRow.run_id, RunRow.finished_at, RunRow.counts)
                 .join(RepositoryRow, RunRow.repository_id == RepositoryRow.id)
                 .where(RepositoryRow.key == summary.repository, RunRow.branch == summary.branch,
                        RunRow.finished_at <= summary.finished_at)
                 .order_by(RunRow.finished_at.desc(), RunRow.id.desc()).limit(trend))
            points = [{"run_id": rid, "finished_at": utc(at).isoformat(), "counts": dict(counts or {})}
                      for rid, at, counts in conn.execute(q)]
            points.reverse()
            run = conn.execute(select(RunRow.id, RunRow.repository_id).where(RunRow.run_id == summary.run_id)).one()
            rows = conn.execute(
                select(FirstSeenRow.fingerprint, FirstSeenRow.first_seen_at).distinct()
                .join(FindingRow, FindingRow.fingerprint == FirstSeenRow.fingerprint)
                .where(FindingRow.run_pk == run.id, FirstSeenRow.repository_id == run.repository_id,
                       FirstSeenRow.branch == summary.branch))
            first = {fp: utc(at).isoformat() for fp, at in rows if wanted is None or fp in wanted}
            return {"trend": points, "first_seen": dict(sorted(first.items()))}
        result: dict[str, Any] = self._run(work, "read the history", read=True)
        return result

    def repositories(self) -> list[tuple[str, int]]:
        def work(conn: Connection) -> list[tuple[str, int]]:
            q = (select(RepositoryRow.key, func.count(RunRow.id))
                 .join(RunRow, RunRow.repository_id == RepositoryRow.id, isouter=True)
                 .group_by(RepositoryRow.key).order_by(RepositoryRow.key))
            return [(k, int(n)) for k, n in conn.execute(q)]
        result: list[tuple[str, int]] = self._run(work, "list repositories", read=True)
        return result

    @staticmethod
    def _summary_query() -> Any:
        return (select(RunRow.run_id, RepositoryRow.key, RunRow.branch, RunRow.revision, RunRow.target,
                       RunRow.started_at, RunRow.finished_at, RunRow.tool_version, RunRow.total,
                       RunRow.counts, RunRow.stages)
                .join(RepositoryRow, RunRow.repository_id == RepositoryRow.id))

    @staticmethod
    def _summary(row: Any) -> RunSummary:
        counts = row.counts if isinstance(row.counts, dict) else json.loads(row.counts or "{}")
        return RunSummary(run_id=row.run_id, repository=row.key, branch=row.branch, revision=row.revision,
                          target=row.target, started_at=utc(row.started_at), finished_at=utc(row.finished_at),
                          tool_version=row.tool_version, total=row.total,
                          counts={str(k): int(v) for k, v in counts.items()},
                          stages={str(k): str(v) for k, v in (row.stages or {}).items()})


def _by_fingerprint(findings: Iterable[StoredFinding]) -> dict[str, StoredFinding]:
    out: dict[str, StoredFinding] = {}
    for f in findings:
        out.setdefault(f.fingerprint, f)
    return out


def _severity_order(f: StoredFinding) -> tuple[int, str, str, str]:
    try:
        rank = Severity(f.severity).rank
    except ValueError:
        rank = -1
    return (-rank, f.stage, f.rule_id, f.location)


def open_store(url: str, *, repo: str | None = None, migrate: bool = True) -> Store:
    """Open (creating and upgrading as needed) the store at ``url``; ``repo`` is the scanned tree,
    whose symlinks are never followed on the way to a SQLite file (:mod:`pulsecheck.store.db`)."""
    from pathlib import Path

    from pulsecheck.store.db import make_engine

    engine = make_engine(url, Path(repo) if repo else None)
    try:
        if migrate:
            upgrade(engine)
    except BaseException:
        engine.dispose()
        raise
    return Store(engine)


__all__ = ["Diff", "RunSummary", "Store", "StoredFinding", "open_store", "utc"]
