"""The local OSV database: import (zip, directory, loose JSON), refusal of hostile zips,
status, and ``db update`` against a real HTTP server on 127.0.0.1 with resume."""

from __future__ import annotations

import http.server
import json
import sqlite3
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from pulsecheck.stages.deps import download
from pulsecheck.stages.deps.archive import ArchiveError
from pulsecheck.stages.deps.db import ImportStats, connect, import_path, status
from pulsecheck.stages.deps.match import Matcher
from pulsecheck.stages.deps.package import Package


def test_full_import_counts(osv_full: tuple[Path, ImportStats]) -> None:
    db, stats = osv_full
    # ../shared/osv/SOURCES.md: 11,426 advisories, 40 withdrawn
    assert stats.advisories == 11426 and stats.withdrawn == 40 and not stats.problems
    assert stats.ecosystems == {"PyPI": 2661, "Go": 4291, "crates.io": 1206, "npm": 461, "RubyGems": 1219,
                                "Packagist": 1588}
    assert {s.ecosystem: s.advisories for s in status(db)} == stats.ecosystems


def _advisory(adv_id: str, name: str, fixed: str, **extra: object) -> dict[str, object]:
    return {"id": adv_id, "modified": "2024-01-01T00:00:00Z", "summary": f"{name} flaw",
            "affected": [{"package": {"ecosystem": "PyPI", "name": name},
                          "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}]}],
            **extra}


def test_json_directory_import_and_alias_merge(tmp_path: Path) -> None:
    src = tmp_path / "advisories" / "PyPI"
    src.mkdir(parents=True)
    docs = [_advisory("PYSEC-1", "Demo_Pkg", "1.5", aliases=["CVE-2000-1"]),
            _advisory("GHSA-aaaa-bbbb-cccc", "demo-pkg", "1.4", aliases=["CVE-2000-1"],
                      severity=[{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]),
            _advisory("PYSEC-2", "demo-pkg", "9.0", withdrawn="2024-02-01T00:00:00Z")]
    for doc in docs:
        (src / f"{doc['id']}.json").write_text(json.dumps(doc))
    (src / "broken.json").write_text("{not json")
    db = tmp_path / "db.sqlite"
    stats = import_path(tmp_path / "advisories", db)
    assert stats.advisories == 3 and stats.withdrawn == 1 and len(stats.problems) == 1
    vulns = Matcher(connect(db)).match([Package("PyPI", "demo.pkg", "1.0", "requirements.txt")])
    assert len(vulns) == 1, "aliased advisories are one finding; the withdrawn one is gone"
    v = vulns[0]
    assert v.primary_id == "CVE-2000-1" and set(v.ids) == {"PYSEC-1", "GHSA-aaaa-bbbb-cccc"}
    assert v.fixed_version == "1.4" and v.severity is not None and v.severity.value == "critical"


def test_zip_with_path_traversal_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "all.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("PYSEC-1.json", json.dumps(_advisory("PYSEC-1", "a", "1.0")))
        zf.writestr("../../evil.json", "{}")
    with pytest.raises(ArchiveError, match="outside the archive; refused"):
        import_path(bad, tmp_path / "db.sqlite")
    assert not (tmp_path.parent / "evil.json").exists()


def test_reimport_of_all_zip_replaces_the_ecosystem(tmp_path: Path) -> None:
    eco = tmp_path / "PyPI"
    eco.mkdir()
    for ids in (["PYSEC-1", "PYSEC-2"], ["PYSEC-2"]):
        with zipfile.ZipFile(eco / "all.zip", "w") as zf:
            for i in ids:
                zf.writestr(f"{i}.json", json.dumps(_advisory(i, "a", "1.0")))
        import_path(eco / "all.zip", tmp_path / "db.sqlite")
    conn = sqlite3.connect(tmp_path / "db.sqlite")
    assert [r[0] for r in conn.execute("SELECT id FROM advisories")] == ["PYSEC-2"]
    assert status(tmp_path / "db.sqlite")[0].advisories == 1


class _RangeHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files with single-range support, as the OSV bucket does."""

    requests: list[str] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.requests.append(self.headers.get("Range") or "")
        path = Path(self.translate_path(self.path))
        if not path.is_file():
            self.send_error(404)
            return
        data = path.read_bytes()
        start = 0
        if self.headers.get("Range", "").startswith("bytes="):
            start = int(self.headers["Range"][6:].split("-")[0])
            self.send_response(206)
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def osv_server(shared_dir: Path) -> Iterator[str]:
    handler = lambda *a, **k: _RangeHandler(*a, directory=str(shared_dir / "osv"), **k)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_cli_db_update(osv_server: str, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from pulsecheck.cli import app

    db = tmp_path / "osv.sqlite"
    result = CliRunner().invoke(app, ["db", "update", "-e", "crates.io", "--url", osv_server, "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "1206 advisories in 1 ecosystem(s)" in result.stdout
    bad = CliRunner().invoke(app, ["db", "update", "-e", "Nope", "--url", osv_server, "--db", str(db)])
    assert bad.exit_code == 2 and "not updated: Nope" in bad.stderr


def test_update_downloads_resumes_and_imports(osv_server: str, shared_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "osv.sqlite"
    cache = tmp_path / "zips"
    full = (shared_dir / "osv" / "npm" / "all.zip").read_bytes()
    (cache / "npm").mkdir(parents=True)
    (cache / "npm" / "all.zip.part").write_bytes(full[:100_000])  # an interrupted earlier run
    _RangeHandler.requests = []
    result = download.update(db, ["npm", "NoSuchEcosystem"], base=osv_server, cache_dir=cache)
    assert result.imported == {"npm": 461}
    assert "404" in result.failed["NoSuchEcosystem"]
    assert "bytes=100000-" in _RangeHandler.requests
    assert (cache / "npm" / "all.zip").read_bytes() == full
    assert not (cache / "npm" / "all.zip.part").exists()
    assert [s.ecosystem for s in status(db)] == ["npm"]
