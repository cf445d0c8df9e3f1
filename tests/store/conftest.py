"""Store fixtures: a real PostgreSQL server started for the session, fresh stores, reports."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pulsecheck.model import Confidence, FileLocation, Finding, Report, Severity, Targets

from .pgserver import PgServer, Unavailable, running_server

SEVERITIES = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO)


def make_report(ids: range | list[int], *, when: datetime | None = None, path: str = "/srv/app",
                rule: str = "secrets.generic") -> Report:
    """A report with one finding per id (fingerprints differ by identity, like real secrets)."""
    findings = tuple(
        Finding(rule_id=rule, stage="secrets", title=f"finding {i}", severity=SEVERITIES[i % 5],
                confidence=Confidence.HIGH, message="a key", location=FileLocation(f"src/m{i % 50}.py", i % 300 + 1),
                evidence="AKIA****", identity=f"id-{i}")
        for i in ids)
    now = when or datetime.now(UTC)
    return Report(targets=Targets(path=path), started_at=now - timedelta(seconds=2), finished_at=now, stages=(),
                  findings=findings, tool_version="test")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A real PostgreSQL server (see pgserver.py). Skipped only where the Debian package is not
    installed and CI is not set: under CI a missing server is a failure."""
    try:
        with running_server() as server:
            yield server
    except Unavailable as exc:
        if exc.missing and not os.environ.get("CI"):
            pytest.skip(str(exc))
        pytest.fail(f"PostgreSQL tests cannot run: {exc}")


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty store on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / '.pulsecheck' / 'history.sqlite'}"
    server: PgServer = request.getfixturevalue("pg_server")
    return server.url(server.create_database())
