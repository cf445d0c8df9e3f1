"""The store's tables (the head schema; ``migrations/`` builds them, version by version).

Only what the JSON report holds is stored, and the JSON report is redacted: a finding row keeps
its fingerprint, rule, stage, severity, title, where it is and its report JSON
(:func:`pulsecheck.serialize.finding_to_dict`), never a secret value or a patient's data.
Times are UTC.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class RepositoryRow(Base):
    __tablename__ = "repositories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(512), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RunRow(Base):
    __tablename__ = "runs"
    __table_args__ = (Index("ix_runs_repo_branch_finished", "repository_id", "branch", "finished_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[str] = mapped_column(String(32), unique=True)
    repository_id: Mapped[int] = mapped_column(ForeignKey("repositories.id", ondelete="CASCADE"))
    branch: Mapped[str] = mapped_column(String(255))
    revision: Mapped[str | None] = mapped_column(String(64), nullable=True)
    target: Mapped[str] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    tool_version: Mapped[str] = mapped_column(String(64))
    settings_digest: Mapped[str] = mapped_column(String(64))
    total: Mapped[int] = mapped_column(Integer)
    stages: Mapped[dict[str, Any]] = mapped_column(JSON)
    """Stage name -> status (completed, partial, skipped, errored)."""
    counts: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    """Severity -> number of findings (added in revision 0002, backfilled)."""


class FindingRow(Base):
    __tablename__ = "findings"
    __table_args__ = (Index("ix_findings_run_fingerprint", "run_pk", "fingerprint"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_pk: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    fingerprint: Mapped[str] = mapped_column(String(64))
    rule_id: Mapped[str] = mapped_column(String(200))
    stage: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(Text)
    location: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class FirstSeenRow(Base):
    """When each fingerprint was first seen on a repository's branch (revision 0002)."""

    __tablename__ = "first_seen"

    repository_id: Mapped[int] = mapped_column(ForeignKey("repositories.id", ondelete="CASCADE"),
                                               primary_key=True)
    branch: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), primary_key=True)
    first_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    run_id: Mapped[str | None] = mapped_column(String(32), nullable=True)


__all__ = ["Base", "FindingRow", "FirstSeenRow", "RepositoryRow", "RunRow"]
