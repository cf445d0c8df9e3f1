"""The deps stage through the engine: vulnerable and fixed twins, and every way it must refuse
to call an unchecked repository clean."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from pulsecheck import engine
from pulsecheck.model import Completed, Report, Targets
from pulsecheck.settings import Settings

FIXTURES = Path(__file__).parent / "fixtures"


def _audit(repo: Path, db: Path) -> tuple[Report, Settings]:
    settings = Settings(stages=("deps",), stage_options={"deps": {"db": str(db)}})
    return engine.run(Targets(path=str(repo)), settings), settings


def _outcome(report: Report) -> Completed:
    outcome = report.stages[0].outcome
    assert isinstance(outcome, Completed), outcome
    return outcome


def test_vulnerable_twin(osv_db: Path) -> None:
    report, settings = _audit(FIXTURES / "vulnerable", osv_db)
    vulns = [f for f in report.findings if f.rule_id == "deps.vulnerable-package"]
    got = {(f.properties["package"], f.properties["version"], f.properties["primary_id"],
            f.properties["fixed_version"], f.location.path, f.location.line) for f in vulns}
    assert {
        ("Jinja2", "2.10", "CVE-2019-10906", "2.10.1", "requirements.txt", 2),
        ("Jinja2", "2.10", "CVE-2020-28493", "2.11.3", "requirements.txt", 2),
        ("PyYAML", "5.3", "CVE-2020-1747", "5.3.1", "requirements.txt", 4),
        ("lodash", "4.17.4", "CVE-2018-3721", "4.17.5", "web/package-lock.json", 8),
        ("marked", "0.3.5", "NSWG-ECO-101", None, "web/package-lock.json", 9),
        ("golang.org/x/text", "v0.3.0", "CVE-2022-32149", "v0.3.8", "svc/go.mod", 6),
        ("smallvec", "1.6.0", "CVE-2021-25900", "1.6.1", "svc/Cargo.lock", 9),
    } <= got
    marked = next(f for f in vulns if f.properties["package"] == "marked")
    assert marked.properties["dev"] is True and marked.properties["direct"] is True
    assert marked.severity.value == "medium"  # from its CVSS 3.0 vector, 5.3
    lodash = next(f for f in vulns if f.properties["primary_id"] == "CVE-2018-3721")
    assert lodash.properties["dependency"] == "direct" and lodash.properties["scope"] == "runtime"
    assert "CVE-2018-3721" in lodash.message and "4.17.5" in lodash.message
    assert lodash.cwe == ("CWE-1104", "CWE-937") and lodash.owasp == ("A06:2021",)
    outcome = _outcome(report)
    # an unpinned requirement is a range no lockfile resolves: unchecked, so a gap (issue 11)
    assert any("requests" in g and "not resolved by a lockfile" in g for g in outcome.gaps)
    assert any("editable" in n for n in outcome.notes)
    assert report.stages[0].status == "partial" and engine.exit_code(report, settings) == 2


def test_fixed_twin_is_clean(osv_db: Path) -> None:
    report, settings = _audit(FIXTURES / "fixed", osv_db)
    assert [f.message for f in report.findings] == []
    assert report.stages[0].status == "completed"
    # github.com/example/unknown has no advisories: checked, and clean
    assert engine.exit_code(report, settings) == 0


def test_fingerprints_do_not_depend_on_lines(osv_db: Path, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURES / "vulnerable", repo)
    before = {f.fingerprint for f in _audit(repo, osv_db)[0].findings}
    req = repo / "requirements.txt"
    req.write_text("\n\n# moved\n" + req.read_text())
    assert {f.fingerprint for f in _audit(repo, osv_db)[0].findings} == before


def test_missing_database_is_a_gap_never_clean(tmp_path: Path) -> None:
    report, settings = _audit(FIXTURES / "fixed", tmp_path / "nope.sqlite")
    outcome = _outcome(report)
    assert report.stages[0].status == "partial"
    assert any("requirements.txt" in g and "unchecked" in g and "Jinja2@3.1.4" in g for g in outcome.gaps)
    assert engine.exit_code(report, settings) == 2


def test_missing_ecosystem_is_a_gap(osv_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "partial.sqlite"
    shutil.copy(osv_db, db)
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("DELETE FROM sources WHERE ecosystem = 'crates.io'")
    conn.close()
    report, settings = _audit(FIXTURES / "fixed", db)
    gaps = _outcome(report).gaps
    assert len(gaps) == 1 and "crates.io" in gaps[0] and "smallvec" in gaps[0]
    assert engine.exit_code(report, settings) == 2


def test_stale_database_is_noted(osv_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite"
    shutil.copy(osv_db, db)
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE sources SET imported_at = '2020-01-01T00:00:00+00:00'")
    conn.close()
    report, _ = _audit(FIXTURES / "fixed", db)
    assert any("days old" in n and "PyPI" in n for n in _outcome(report).notes)
    assert report.stages[0].status == "completed"


def test_bad_inputs_are_noted_and_the_audit_goes_on(osv_db: Path, tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "package-lock.json").write_text('{"lockfileVersion": 3, "packages": {"node_modu')
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "poetry.lock").write_text('[[package]]\nname = "jinja2"\nversion = 2.10\n')
    (tmp_path / "requirements.txt").write_text(
        "-e git+https://example.invalid/x.git#egg=x\nhttps://example.invalid/y.whl\nJinja2==2.10\n")
    report, _ = _audit(tmp_path, osv_db)
    notes = _outcome(report).notes
    # an unparsable lockfile leaves its packages unchecked: a gap, the stage partial
    assert any(g.startswith("a/package-lock.json: invalid JSON") for g in _outcome(report).gaps)
    assert report.stages[0].status == "partial"
    assert any(n.startswith("b/poetry.lock:") and "jinja2" in n for n in notes)
    assert any("requirements.txt:1" in n for n in notes) and any("requirements.txt:2" in n for n in notes)
    assert {f.location.path for f in report.findings} == {"requirements.txt"}


def test_same_advisories_as_pip_audit(osv_db: Path, shared_dir: Path, tmp_path: Path) -> None:
    """pip-audit 2.10.1 on the same file and OSV data (recorded in the corpus README)."""
    shutil.copy(shared_dir / "corpora/lockfiles/PyPI/requirements.txt/multiple-packages-constrained.txt",
                tmp_path / "requirements.txt")
    report, _ = _audit(tmp_path, osv_db)
    ids = {i for f in report.findings if f.rule_id == "deps.vulnerable-package"
           for i in f.properties["advisory_ids"]}
    assert ids == {"PYSEC-2022-42986", "PYSEC-2023-135", "PYSEC-2021-439", "PYSEC-2022-1", "PYSEC-2022-2",
                   "PYSEC-2022-3", "PYSEC-2022-19", "PYSEC-2022-20", "PYSEC-2022-190", "PYSEC-2022-191"}
