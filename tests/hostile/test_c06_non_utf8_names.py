"""Class 6: a non-UTF-8 file name never crashes the report writer: every format is written."""

from __future__ import annotations

import json
import os
from pathlib import Path

from .kit import FAKE_KEY, pulsecheck


def test_every_format_is_written_for_a_non_utf8_file_name(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    name = os.fsencode(repo) + b"/conf-\xff\xfe.py"
    with open(name, "wb") as fh:
        fh.write(f"AWS_ACCESS_KEY_ID = '{FAKE_KEY}'\n".encode())
    out = tmp_path / "out"
    run = pulsecheck("audit", str(repo), "--stage", "secrets", "-f", "json", "-f", "sarif", "-f", "markdown",
                     "-f", "html", "-o", f"{out}/", cwd=tmp_path)
    assert run.returncode in (1, 2), run.stderr[-1000:]
    report = json.loads((out / "pulsecheck-report.json").read_text(encoding="utf-8"))
    json.loads((out / "pulsecheck-report.sarif").read_text(encoding="utf-8"))
    for ext in ("md", "html"):
        assert (out / f"pulsecheck-report.{ext}").stat().st_size > 0
    assert report["findings"], "the secret in the oddly named file is still reported"
    assert FAKE_KEY not in (out / "pulsecheck-report.json").read_text(encoding="utf-8")
