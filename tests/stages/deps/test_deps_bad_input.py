"""The issue's "Bad input" list, end to end through the engine: each bad file gives a one-line
message naming it, what could not be checked is said, and the audit goes on with the rest.
Also ``db import``/``db update`` when part of the input is bad: the good part still lands and
the previous data survives a failed download."""

from __future__ import annotations

import http.server
import shutil
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pulsecheck import engine
from pulsecheck.cli import app
from pulsecheck.model import Completed, Report, Targets
from pulsecheck.settings import Settings
from pulsecheck.stages.deps import download
from pulsecheck.stages.deps.db import connect, status
from pulsecheck.stages.deps.match import Matcher
from pulsecheck.stages.deps.package import Package


def _audit(repo: Path, db: Path) -> tuple[Report, Completed]:
    report = engine.run(Targets(path=str(repo)), Settings(stages=("deps",), stage_options={"deps": {"db": str(db)}}))
    outcome = report.stages[0].outcome
    assert isinstance(outcome, Completed), outcome
    return report, outcome


def test_every_bad_input_is_named_and_the_audit_goes_on(osv_db: Path, tmp_path: Path) -> None:
    for sub in ("truncated", "poetry", "big", "good"):
        (tmp_path / sub).mkdir()
    (tmp_path / "truncated" / "package-lock.json").write_text(
        '{"lockfileVersion": 3, "packages": {"": {}, "node_modules/lodash": {"version": "4.17')
    (tmp_path / "poetry" / "poetry.lock").write_text(
        '[[package]]\nname = "jinja2"\nversion = "2.10-banana+x!y"\n\n[[package]]\nname = "pyyaml"\nversion = "5.3"\n')
    with (tmp_path / "big" / "package-lock.json").open("wb") as sparse:
        sparse.truncate(65 * 1024 * 1024)  # over the 64 MB read limit, without writing 65 MB
    (tmp_path / "good" / "requirements.txt").write_text(
        "-e git+https://example.invalid/x.git#egg=x\nhttps://example.invalid/y-1.0.whl\n"
        "z @ https://example.invalid/z.tar.gz\nJinja2==2.10\n")
    report, outcome = _audit(tmp_path, osv_db)
    notes = outcome.notes
    assert all("\n" not in n for n in notes)
    # lockfiles that could not be read leave their packages unchecked: gaps, not just notes
    gaps = outcome.gaps
    assert any(g.startswith("truncated/package-lock.json: invalid JSON") for g in gaps)
    assert any(g.startswith("big/package-lock.json: 65 MB is over the 64 MB limit") for g in gaps)
    assert report.stages[0].status == "partial"
    assert any(n.startswith("poetry/poetry.lock: version format not recognised") and "jinja2@2.10-banana+x!y" in n
               for n in notes)
    assert [n for n in notes if n.startswith("good/requirements.txt:")] == [
        "good/requirements.txt:1: editable install is not checked",
        "good/requirements.txt:2: URL or local path requirement is not checked",
        "good/requirements.txt:3: URL or local path requirement is not checked"]
    found = {(f.location.path, f.properties["package"]) for f in report.findings}
    assert ("good/requirements.txt", "Jinja2") in found and ("poetry/poetry.lock", "pyyaml") in found


def test_a_50_mb_lockfile_is_audited(osv_db: Path, tmp_path: Path) -> None:
    filler = ",".join(f'"node_modules/p{i}": {{"version": "1.0.{i}", "resolved": "{"x" * 400}"}}'
                      for i in range(125_000))
    lock = tmp_path / "package-lock.json"
    lock.write_text('{"lockfileVersion": 3, "packages": {"": {"dependencies": {"lodash": "4.17.4"}}, '
                    f'"node_modules/lodash": {{"version": "4.17.4"}}, {filler}}}}}')
    assert lock.stat().st_size > 50 * 1024 * 1024
    report, outcome = _audit(tmp_path, osv_db)
    assert not outcome.notes and not outcome.gaps
    lodash = [f for f in report.findings if f.properties.get("package") == "lodash"]
    assert lodash and all(f.location.line == 1 and f.properties["direct"] is True for f in lodash)


def test_an_ecosystem_without_advisories_is_unchecked_never_clean(osv_db: Path, tmp_path: Path) -> None:
    # Maven: the shared OSV data has no Maven advisories (../shared/osv/SOURCES.md)
    (tmp_path / "gradle.lockfile").write_text("com.google.guava:guava:20.0=compileClasspath\n")
    (tmp_path / "requirements.txt").write_text("Jinja2==3.1.4\n")
    report, outcome = _audit(tmp_path, osv_db)
    assert report.stages[0].status == "partial"
    assert list(outcome.gaps) == ["1 Maven package(s) unchecked: the vulnerability database has no Maven "
                            "advisories (run 'pulsecheck db update --ecosystem Maven'): "
                            "com.google.guava:guava@20.0"]
    assert outcome.facts["unchecked"] == ["Maven:com.google.guava:guava@20.0 (gradle.lockfile)"]


def test_db_import_of_a_directory_skips_the_hostile_zip_and_imports_the_rest(shared_dir: Path,
                                                                               tmp_path: Path) -> None:
    src = tmp_path / "osv"
    (src / "Evil").mkdir(parents=True)
    with zipfile.ZipFile(src / "Evil" / "all.zip", "w") as zf:
        zf.writestr("../../escape.json", "{}")
    shutil.copytree(shared_dir / "osv" / "npm", src / "npm")
    db = tmp_path / "osv.sqlite"
    result = CliRunner().invoke(app, ["db", "import", str(src), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "imported 461 advisories" in result.stdout
    warnings = result.stderr.strip().splitlines()
    assert len(warnings) == 1 and "Evil/all.zip" in warnings[0] and "refused" in warnings[0]
    assert [s.ecosystem for s in status(db)] == ["npm"]
    assert not (tmp_path / "escape.json").exists()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A directory served over HTTP on 127.0.0.1 (content can change between requests)."""
    root = tmp_path / "www"
    root.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), lambda *a, **k: Quiet(*a, directory=str(root), **k))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_failed_update_keeps_the_previous_zip_and_database(shared_dir: Path, served: tuple[Path, str],
                                                           tmp_path: Path) -> None:
    root, url = served
    (root / "npm").mkdir()
    good = (shared_dir / "osv" / "npm" / "all.zip").read_bytes()
    (root / "npm" / "all.zip").write_bytes(good)
    db, cache = tmp_path / "osv.sqlite", tmp_path / "zips"
    assert download.update(db, ["npm"], base=url, cache_dir=cache).imported == {"npm": 461}
    before = status(db)
    (root / "npm" / "all.zip").write_bytes(good[: len(good) // 2])  # a truncated publish
    result = download.update(db, ["npm"], base=url, cache_dir=cache)
    assert result.imported == {} and "not a readable zip" in result.failed["npm"]
    assert (cache / "npm" / "all.zip").read_bytes() == good
    assert not (cache / "npm" / "all.zip.part").exists(), "a bad download is not resumed from"
    assert status(db) == before
    vulns = Matcher(connect(db)).match([Package("npm", "lodash", "4.17.4", "package-lock.json")])
    assert any("CVE-2018-3721" in (*v.ids, *v.aliases) for v in vulns)
