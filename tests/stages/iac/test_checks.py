"""Every IaC check: its failing fixture fails at the marked line, its passing fixture passes."""

from __future__ import annotations

from pathlib import Path

import pytest

from pulsecheck.sources.tree import FileIndex
from pulsecheck.stages.iac.checks.registry import catalog
from pulsecheck.stages.iac.load import load
from pulsecheck.stages.iac.stage import evaluate

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "iac"
PROJECT_CHECKS = {"iac.separation-identity-medical-one-instance"}  # needs the profile: test_separation.py


def scan(root: Path) -> list:
    notes: list[str] = []
    return list(evaluate(load(FileIndex(root, respect_gitignore=False), notes.append), {}))


def marked_line(root: Path) -> tuple[str, int]:
    for path in sorted(root.rglob("*")):
        if path.is_file():
            lines = path.read_text(encoding="utf-8").splitlines()
            for i, line in enumerate(lines):
                if line.strip() == "# FAIL-NEXT":
                    return path.relative_to(root).as_posix(), i + 2
    raise AssertionError(f"no # FAIL-NEXT marker under {root}")


CHECKS = [c.id for c in catalog() if c.id not in PROJECT_CHECKS]


def variants(kind: str) -> list[tuple[str, str]]:
    """(check, directory) for every ``fail*``/``pass*`` directory: ``fail`` plus regressions
    found on real code (``fail-example-calls-root``...)."""
    return [(c, d.name) for c in CHECKS for d in sorted((FIXTURES / c).glob(f"{kind}*")) if d.is_dir()]


def test_every_check_has_fixtures() -> None:
    missing = [c for c in CHECKS if not (FIXTURES / c / "fail").is_dir() or not (FIXTURES / c / "pass").is_dir()]
    assert not missing
    assert len(catalog()) >= 80


@pytest.mark.parametrize(("check_id", "case"), variants("fail"))
def test_failing_fixture_fails_at_the_marked_line(check_id: str, case: str) -> None:
    root = FIXTURES / check_id / case
    path, line = marked_line(root)
    hits = [f for f in scan(root) if f.rule_id == check_id]
    assert hits, f"{check_id} did not fail on {root}"
    assert (hits[0].location.path, hits[0].location.line) == (path, line)
    assert hits[0].identity


@pytest.mark.parametrize(("check_id", "case"), variants("pass"))
def test_passing_fixture_passes(check_id: str, case: str) -> None:
    hits = [f for f in scan(FIXTURES / check_id / case) if f.rule_id == check_id]
    assert not hits, [f.location.display() + " " + str(f.evidence) for f in hits]
