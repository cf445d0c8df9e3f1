"""Counts per run and first-seen per fingerprint, backfilled from the findings already stored.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("counts", sa.JSON, nullable=True))
    op.create_table(
        "first_seen",
        sa.Column("repository_id", sa.Integer, sa.ForeignKey("repositories.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("branch", sa.String(255), primary_key=True),
        sa.Column("fingerprint", sa.String(64), primary_key=True),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("run_id", sa.String(32), nullable=True),
    )
    bind = op.get_bind()
    runs = sa.table("runs", sa.column("id", sa.Integer), sa.column("counts", sa.JSON),
                    sa.column("repository_id", sa.Integer), sa.column("branch", sa.String),
                    sa.column("finished_at", sa.DateTime(timezone=True)), sa.column("run_id", sa.String))
    findings = sa.table("findings", sa.column("run_pk", sa.Integer), sa.column("severity", sa.String),
                        sa.column("fingerprint", sa.String))
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for run_pk, severity, n in bind.execute(
            sa.select(findings.c.run_pk, findings.c.severity, sa.func.count())
            .group_by(findings.c.run_pk, findings.c.severity)):
        counts[run_pk][severity] = n
    for (run_pk,) in bind.execute(sa.select(runs.c.id)):
        bind.execute(runs.update().where(runs.c.id == run_pk).values(counts=counts.get(run_pk, {})))
    first = sa.select(runs.c.repository_id, runs.c.branch, findings.c.fingerprint,
                      sa.func.min(runs.c.finished_at)).select_from(
        findings.join(runs, findings.c.run_pk == runs.c.id)).group_by(
        runs.c.repository_id, runs.c.branch, findings.c.fingerprint)
    seen = sa.table("first_seen", sa.column("repository_id"), sa.column("branch"), sa.column("fingerprint"),
                    sa.column("first_seen_at"))
    bind.execute(seen.insert().from_select(["repository_id", "branch", "fingerprint", "first_seen_at"], first))


def downgrade() -> None:
    op.drop_table("first_seen")
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("counts")
