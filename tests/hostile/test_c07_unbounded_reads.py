"""Class 7: reads are bounded by bytes actually read, not by ``stat()``.

Lockfiles symlinked to ``/dev/zero`` (``stat`` says 0 bytes, a read never ends) and a lockfile
over the size cap: each is a one-line note or gap, and the audit goes on. History memory
(one commit of 3 x 300 MB) is measured in ``bench/hostile.py``, not here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pulsecheck.saferead import ReadRefused, read_capped
from pulsecheck.stages.deps.parsers import scan

from .kit import git_repo, pulsecheck


@pytest.fixture
def zero_repo(tmp_path: Path) -> Path:
    repo = git_repo(tmp_path / "repo", {"app.py": "print('hi')\n"})
    for name in ("requirements.txt", "package-lock.json", "pnpm-lock.yaml", "poetry.lock", "app.env"):
        (repo / name).symlink_to("/dev/zero")
    return repo


@pytest.mark.timeout(120)
def test_lockfiles_linked_to_dev_zero_are_notes(zero_repo: Path) -> None:
    result = scan(zero_repo)
    assert result.packages == []
    for name in ("requirements.txt", "package-lock.json", "pnpm-lock.yaml", "poetry.lock"):
        assert any(p.startswith(name) and "symlink" in p for p in result.problems), result.problems


def test_reads_stop_one_byte_past_the_cap(tmp_path: Path) -> None:
    big = tmp_path / "big.lock"
    big.write_bytes(b"x" * 5000)
    with pytest.raises(ReadRefused) as refused:
        read_capped(big, 4096)
    assert refused.value.gap
    assert read_capped(big, 5000) == b"x" * 5000


@pytest.mark.timeout(300)
def test_full_audit_of_dev_zero_links_finishes_with_a_report(zero_repo: Path, tmp_path: Path,
                                                             empty_db: dict[str, str]) -> None:
    out = tmp_path / "report.json"
    run = pulsecheck("audit", str(zero_repo), "-f", "json", "-o", str(out), cwd=tmp_path, report=out,
                     env=empty_db)
    assert run.report is not None, run.stderr[-1000:]
    assert all(s["status"] != "errored" for s in run.report["stages"]), run.report["stages"]
