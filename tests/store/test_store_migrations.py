"""A store written by an older pulsecheck is upgraded on open, its data kept and backfilled."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text

from pulsecheck.store import HEAD_REVISION, RepoIdentity, StoreError, open_store
from pulsecheck.store.db import MIGRATIONS, current_revision, make_engine, upgrade

from .conftest import make_report


def test_head_revision_constant_is_alembics_head() -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_heads() == [HEAD_REVISION]


def _v1_store(url: str) -> None:
    """The schema of the first release (revision 0001) holding two runs, written as 0001 wrote them."""
    engine = make_engine(url)
    upgrade(engine, "0001")
    t1, t2 = datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 10, 8, tzinfo=UTC)
    with engine.begin() as conn:
        assert current_revision(conn) == "0001"
        repo = conn.execute(text("INSERT INTO repositories (key, created_at) VALUES ('github.com/org/app', :t) "
                                 "RETURNING id"), {"t": t1}).scalar_one()
        pks = [conn.execute(text(
            "INSERT INTO runs (run_id, repository_id, branch, revision, target, started_at, finished_at, "
            "recorded_at, tool_version, settings_digest, total, stages) VALUES (:rid, :repo, 'main', NULL, "
            "'/srv/app', :t, :t, :t, '0.0.9', '', 2, '{}') RETURNING id"),
            {"rid": run_id, "t": when, "repo": repo}).scalar_one() for run_id, when in (("a" * 32, t1), ("b" * 32, t2))]
        rows = [(pks[0], "f" * 32, "high"), (pks[0], "e" * 32, "low"), (pks[1], "e" * 32, "low"),
                (pks[1], "d" * 32, "critical")]
        for run_pk, fp, sev in rows:
            conn.execute(text(
                "INSERT INTO findings (run_pk, fingerprint, rule_id, stage, severity, title, location, data) "
                "VALUES (:r, :fp, 'secrets.x', 'secrets', :s, 't', 'a.py:1', '{}')"), {"r": run_pk, "fp": fp, "s": sev})
    engine.dispose()


def test_a_v1_store_is_migrated_on_open_not_rejected(store_url: str) -> None:
    _v1_store(store_url)
    with open_store(store_url) as store:
        with store.engine.connect() as conn:
            assert current_revision(conn) == HEAD_REVISION
        old = store.runs("github.com/org/app", "main")
        assert [r.run_id for r in old] == ["b" * 32, "a" * 32]
        assert old[0].counts == {"low": 1, "critical": 1} and old[1].counts == {"high": 1, "low": 1}
        d = store.diff(old[1], old[0])
        assert [f.fingerprint for f in d.new] == ["d" * 32] and [f.fingerprint for f in d.fixed] == ["f" * 32]
        view = store.view(old[0], ["e" * 32, "d" * 32])
        assert view["first_seen"]["e" * 32].startswith("2026-10-01")  # backfilled from the older run
        assert view["first_seen"]["d" * 32].startswith("2026-10-08")
        new = store.record(make_report(range(3)), RepoIdentity("github.com/org/app", "main"))
        assert store.runs("github.com/org/app", "main")[0] == new


def test_a_store_from_a_newer_pulsecheck_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'h.sqlite'}"
    open_store(url).close()
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0999'"))
    engine.dispose()
    with pytest.raises(StoreError, match="newer than this pulsecheck"):
        open_store(url)
