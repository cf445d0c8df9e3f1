"""Hostile repository strings (markup, pipes, newlines, terminal escapes) come out escaped
in every format, and the machine formats still parse back to the original string."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import pytest

from pulsecheck.model import Report
from pulsecheck.reporters import render
from pulsecheck.reporters.interface import OutputFormat
from pulsecheck.reporters.json_format import load_report

from .conftest import HOSTILE

SARIF_SCHEMA = json.loads((Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json").read_text("utf-8"))
RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # any control char except \t and \n


@pytest.mark.parametrize("fmt", [OutputFormat.TERMINAL, OutputFormat.MARKDOWN, OutputFormat.HTML,
                                 OutputFormat.JSON, OutputFormat.SARIF])
def test_no_raw_control_characters(hostile_report: Report, fmt: OutputFormat) -> None:
    text = render(hostile_report, fmt)
    assert "\x1b" not in text and "\x07" not in text
    assert not RAW_CONTROL.search(text)


def test_terminal_keeps_each_value_on_its_line(hostile_report: Report) -> None:
    text = render(hostile_report, OutputFormat.TERMINAL)
    assert "\\x1b[31m" in text and "\\x1b]0;title\\x07" in text
    # the hostile newline is shown as \n, never starts a line of its own
    assert not any(line.startswith("newline") for line in text.splitlines())
    assert "pipe\\nnewline" in text


def test_markdown_escapes_markup_pipes_and_newlines(hostile_report: Report) -> None:
    text = render(hostile_report, OutputFormat.MARKDOWN)
    assert "<script>" not in text and "</script>" not in text
    assert "&lt;script&gt;" in text
    # every table row keeps its header's column count: pipes from the repo are escaped
    columns = 0
    rows_with_hostile = 0
    for line in text.splitlines():
        if not line.startswith("|"):
            columns = 0
            continue
        cells = len(re.findall(r"(?<!\\)\|", line))
        if columns == 0:
            columns = cells
        assert cells == columns, line
        rows_with_hostile += "\\|pipe" in line
    assert rows_with_hostile >= 4  # stage gap, stage error, skip reason, data map
    assert not any(line.startswith("newline") for line in text.splitlines())


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_escapes_markup_and_has_only_its_own_script(hostile_report: Report) -> None:
    page = render(hostile_report, OutputFormat.HTML)
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)" in page
    parser = _Collector()
    parser.feed(page)
    scripts = [a for t, a in parser.tags if t == "script"]
    assert len(scripts) == 1 and not scripts[0]  # the page's own inline script, no src
    text = "".join(parser.text)
    assert "evil<script>alert(1)</script>\"|pipe" in text  # shown to the reader as text
    assert "\\x1b[31m" in text


def test_json_round_trips_the_original_string(hostile_report: Report) -> None:
    data = load_report(render(hostile_report, OutputFormat.JSON))
    paths = [f["location"].get("path") for f in data["findings"]]
    assert HOSTILE in paths
    assert data["findings"][0]["message"] == f"found in {HOSTILE}"
    assert data["profile"]["name"] == HOSTILE
    assert any(s["error"] == f"parser crashed on {HOSTILE}" for s in data["stages"])


def test_sarif_round_trips_the_original_string(hostile_report: Report) -> None:
    data = json.loads(render(hostile_report, OutputFormat.SARIF))
    jsonschema.Draft7Validator(SARIF_SCHEMA).validate(data)
    results = data["runs"][0]["results"]
    assert results[0]["message"]["text"] == f"found in {HOSTILE}"
    from urllib.parse import unquote

    uris = [unquote(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]) for r in results]
    assert HOSTILE in uris
    dast = next(r for r in results if r["ruleId"] == "dast.sql-injection")
    assert dast["locations"][0]["logicalLocations"][0]["name"] == HOSTILE
