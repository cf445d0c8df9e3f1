"""Class 11: nothing missed in silence.

UTF-16/32 text is decoded, not dismissed as binary; a lockfile symlinked out of the repository
is not followed; a repository whose only manifest is unparsable is partial (exit 2), not clean;
a submodule that is not checked out is named.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from pulsecheck.stages.deps.parsers import scan
from pulsecheck.textdecode import decode_text

from .kit import FAKE_KEY, pulsecheck, write

ENV = f"AWS_ACCESS_KEY_ID={FAKE_KEY}\r\nDEBUG=1\r\n"


@pytest.mark.parametrize("encoding,bom", [
    ("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE), ("utf-16-le", b""),
    ("utf-16-be", b""), ("utf-32-le", codecs.BOM_UTF32_LE), ("utf-32-be", b""), ("utf-8", codecs.BOM_UTF8)])
def test_utf16_and_utf32_text_is_decoded(encoding: str, bom: bytes) -> None:
    assert decode_text(bom + ENV.encode(encoding)) == ENV


def test_binary_stays_binary() -> None:
    assert decode_text(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00") is None
    assert decode_text(bytes(range(256)) * 8) is None


def test_utf16_requirements_are_read(tmp_path: Path) -> None:
    repo = write(tmp_path / "repo", {"requirements.txt": codecs.BOM_UTF16_LE + "django==1.2\n".encode("utf-16-le")})
    assert [(p.name, p.version) for p in scan(repo).packages] == [("django", "1.2")]


def test_a_powershell_env_file_secret_is_found(tmp_path: Path) -> None:
    repo = write(tmp_path / "repo", {".env": codecs.BOM_UTF16_LE + ENV.encode("utf-16-le")})
    out = tmp_path / "report.json"
    run = pulsecheck("audit", str(repo), "--stage", "secrets", "-f", "json", "-o", str(out), cwd=tmp_path,
                     report=out)
    assert run.report is not None and run.report["findings"], run.stderr[-1000:]


def test_lockfile_symlinked_out_of_the_repository_is_not_followed(tmp_path: Path) -> None:
    outside = write(tmp_path / "outside", {"requirements.txt": "secret-internal-package==1.0\n"})
    repo = write(tmp_path / "repo", {"app.py": "x = 1\n"})
    (repo / "requirements.txt").symlink_to(outside / "requirements.txt")
    result = scan(repo)
    assert result.packages == []
    assert any("symlink" in p for p in result.problems)


def test_unparsable_manifest_and_missing_submodule_are_gaps(tmp_path: Path) -> None:
    repo = write(tmp_path / "repo", {
        "package-lock.json": "{not json", "Cargo.lock": b"\x00\x01\x02\x00binary",
        ".gitmodules": '[submodule "libs/core"]\n\tpath = libs/core\n\turl = ../core.git\n'})
    (repo / "libs" / "core").mkdir(parents=True)
    gaps = scan(repo).gaps
    assert any(g.startswith("package-lock.json") for g in gaps), gaps
    assert any(g.startswith("Cargo.lock") for g in gaps), gaps
    assert any("submodule libs/core not scanned" in g for g in gaps), gaps


def test_only_manifest_unparsable_exits_2(tmp_path: Path, empty_db: dict[str, str]) -> None:
    repo = write(tmp_path / "repo", {"package-lock.json": "{not json"})
    out = tmp_path / "report.json"
    run = pulsecheck("audit", str(repo), "--stage", "deps", "-f", "json", "-o", str(out), cwd=tmp_path,
                     report=out, env=empty_db)
    assert run.stage("deps")["status"] == "partial" and run.returncode == 2
