"""A scanned repository is hostile input: its file names reach every format escaped."""

from __future__ import annotations

import json
import random
import string
from pathlib import Path

from pulsecheck import engine
from pulsecheck.model import Targets
from pulsecheck.reporters import render
from pulsecheck.reporters.interface import TEXT_FORMATS, OutputFormat
from pulsecheck.settings import Settings

EVIL = "evil\x1b[31m<img src=x onerror=alert(1)>|\n\x1b]0;pwned\x07.env"


def _fake_aws_key_id() -> str:
    rng = random.Random(7)
    return "AKIA" + "".join(rng.choice(string.ascii_uppercase + "234567") for _ in range(16))


def test_hostile_file_name_is_escaped_in_every_format(tmp_path: Path) -> None:
    key_id = _fake_aws_key_id()
    (tmp_path / EVIL).write_text(f"AWS_ACCESS_KEY_ID={key_id}\n")
    report = engine.run(Targets(path=str(tmp_path)), Settings(stages=("secrets",)))
    assert any(EVIL in getattr(f.location, "path", "") for f in report.findings), \
        "the secret in the hostile file must be found"
    for fmt in TEXT_FORMATS:  # PDF: tests/reporters/test_pdf.py
        text = render(report, fmt)
        assert key_id not in text, f"{fmt}: secret not redacted"
        assert "\x1b" not in text and "\x07" not in text, f"{fmt}: raw terminal escape"
        if fmt in (OutputFormat.HTML, OutputFormat.MARKDOWN):
            assert "<img src=x onerror=alert(1)>" not in text, f"{fmt}: raw markup from a file name"
        if fmt is OutputFormat.JSON:
            paths = [f["location"]["path"] for f in json.loads(text)["findings"]]
            assert EVIL in paths, "JSON keeps the exact name (escaped by JSON itself)"
