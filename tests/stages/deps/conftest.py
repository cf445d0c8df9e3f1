"""Deps-stage fixtures: one import of the whole shared OSV set per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from pulsecheck.stages.deps.db import ImportStats, import_path

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def osv_full(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ImportStats]:
    """(database path, import stats) of all of ../shared/osv."""
    db = tmp_path_factory.mktemp("osvdb") / "osv.sqlite"
    return db, import_path(shared_dir / "osv", db)


@pytest.fixture(scope="session")
def osv_db(osv_full: tuple[Path, ImportStats]) -> Path:
    return osv_full[0]
