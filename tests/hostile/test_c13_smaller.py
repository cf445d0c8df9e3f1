"""Class 13, the smaller ones: ``stage_timeout = inf`` and ``exclude = "docs/**"`` as a string
are clear config errors; ``db import`` of a corrupt member, of an entry lying about its size and
of a mislabelled ``npm/all.zip`` are notes that change nothing else; Markdown reports do not turn
a repository's ``www.`` and ``https://`` strings into links."""

from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path
from typing import Any

import pytest

from pulsecheck.stages.deps.db import import_path, status

from .kit import FAKE_KEY, pulsecheck, write

MB = 1024 * 1024


def advisory(i: int, ecosystem: str) -> dict[str, Any]:
    return {"id": f"TEST-{ecosystem}-{i}", "modified": "2024-01-01T00:00:00Z", "affected": [{
        "package": {"ecosystem": ecosystem, "name": f"pkg{i}"},
        "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0"}]}]}]}


def zip_of(path: Path, entries: dict[str, bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


def lie_about_size(path: Path, member: bytes, size: int) -> None:
    """Rewrite the uncompressed size of ``member`` in its local and central headers."""
    data = bytearray(path.read_bytes())
    for signature, name_len_at, name_at, size_at in ((b"PK\x01\x02", 28, 46, 24), (b"PK\x03\x04", 26, 30, 22)):
        i = data.find(signature)
        while i != -1:
            n = struct.unpack("<H", data[i + name_len_at:i + name_len_at + 2])[0]
            if data[i + name_at:i + name_at + n] == member:
                data[i + size_at:i + size_at + 4] = struct.pack("<I", size)
            i = data.find(signature, i + 4)
    path.write_bytes(bytes(data))


@pytest.fixture
def pypi_db(tmp_path: Path) -> Path:
    db = tmp_path / "osv.sqlite"
    import_path(zip_of(tmp_path / "good" / "PyPI" / "all.zip",
                       {f"a{i}.json": json.dumps(advisory(i, "PyPI")).encode() for i in range(3)}),
                db)
    return db


def _counts(db: Path) -> dict[str, int]:
    return {s.ecosystem: s.advisories for s in status(db)}


def test_mislabelled_npm_zip_does_not_wipe_pypi(tmp_path: Path, pypi_db: Path) -> None:
    wrong = zip_of(tmp_path / "wrong" / "npm" / "all.zip", {"x.json": json.dumps(advisory(9, "PyPI")).encode()})
    with pytest.raises(Exception, match="not of ecosystem npm"):
        import_path(wrong, pypi_db)  # nothing importable: a clear error, and the data stays
    assert _counts(pypi_db) == {"PyPI": 3}


def test_corrupt_and_lying_members_are_notes(tmp_path: Path, pypi_db: Path) -> None:
    archive = zip_of(tmp_path / "mixed.zip", {
        "ok.json": json.dumps(advisory(7, "PyPI")).encode(),
        "liar.json": b" " * (40 * MB),
        "corrupt.json": json.dumps(advisory(8, "PyPI")).encode() * 100,
    })
    lie_about_size(archive, b"liar.json", 100)
    data = bytearray(archive.read_bytes())
    info = zipfile.ZipFile(archive).getinfo("corrupt.json")
    start = info.header_offset + 30 + len("corrupt.json") + 8
    data[start:start + 16] = b"\xff" * 16
    archive.write_bytes(bytes(data))
    stats = import_path(archive, pypi_db)
    assert stats.advisories == 1
    assert any("liar.json" in p for p in stats.problems) and any("corrupt.json" in p for p in stats.problems)
    assert all("Traceback" not in p for p in stats.problems)


def test_db_import_cli_prints_one_line_per_bad_member(tmp_path: Path) -> None:
    archive = zip_of(tmp_path / "m.zip", {"ok.json": json.dumps(advisory(1, "PyPI")).encode(),
                                          "bad.json": json.dumps(advisory(2, "PyPI")).encode() * 50})
    data = bytearray(archive.read_bytes())
    info = zipfile.ZipFile(archive).getinfo("bad.json")
    start = info.header_offset + 30 + len("bad.json") + 8
    data[start:start + 16] = b"\xff" * 16
    archive.write_bytes(bytes(data))
    run = pulsecheck("db", "import", str(archive), "--db", str(tmp_path / "db.sqlite"), cwd=tmp_path)
    assert run.returncode == 0 and "Traceback" not in run.stderr
    assert "bad.json" in run.stderr


@pytest.mark.parametrize("toml", ["stage_timeout = inf\n", 'exclude = "docs/**"\n'])
def test_odd_config_values_are_clear_errors(tmp_path: Path, toml: str) -> None:
    repo = write(tmp_path / "repo", {"pulsecheck.toml": toml, "docs/a.txt": "x\n", "app.py": "x = 1\n"})
    run = pulsecheck("audit", str(repo), "--stage", "profile", "-f", "json", "-o", "-", cwd=tmp_path)
    assert "Traceback" not in run.stderr
    assert run.returncode == 2 and "pulsecheck.toml" in run.stderr


def test_markdown_does_not_link_repository_strings(tmp_path: Path) -> None:
    repo = write(tmp_path / "repo", {"www.evil.example/https:/phish.example/.env":
                                     f"AWS_ACCESS_KEY_ID={FAKE_KEY}\n"})
    out = tmp_path / "r.md"
    pulsecheck("audit", str(repo), "--stage", "secrets", "-f", "markdown", "-o", str(out), cwd=tmp_path)
    text = out.read_text()
    assert "](https://phish" not in text and "<https://" not in text
    assert "www.evil.example" not in text or "www\\.evil" in text or "`www.evil.example" in text
