"""Every new section of the HTML report escapes what came from the scanned repository and
servers: stack and data-map names, processor names and code paths, data-flow notes, HTTP
exchanges, history dates and checklist entries. Parsed back, the page has only its own script
and no element the input spelled."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from html.parser import HTMLParser

from pulsecheck.model import (
    Completed,
    Confidence,
    FileLocation,
    Finding,
    Report,
    Severity,
    StageResult,
    Targets,
)
from pulsecheck.reporters import html

EVIL = '<img src=x onerror=alert(1)><script>alert(2)</script>"\'&\x1b[31m'


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_new_sections_escape_hostile_values() -> None:
    t = datetime(2026, 2, 1, tzinfo=UTC)
    finding = Finding(rule_id="sast.phi-to-analytics", stage="sast", title=EVIL, severity=Severity.HIGH,
                      confidence=Confidence.HIGH, message=EVIL, location=FileLocation(f"web/{EVIL}.js", 3),
                      identity="x", properties={
                          "flow": [{"path": EVIL, "line": 1, "column": None, "note": EVIL}],
                          "http": {"request": EVIL, "response": EVIL, "curl": EVIL}})
    processors = [{"service": EVIL, "category": EVIL, "locations": [f"{EVIL}:3"], "phi": True, "pii": True,
                   "flows": [finding.fingerprint]}]
    profile = {"stack": {"llm": [{"id": EVIL, "name": EVIL, "evidence": EVIL}]},
               "app_kind": {"kind": EVIL, "label": EVIL, "evidence": [EVIL]},
               "data_map": {"stores": [{"id": EVIL, "kind": "database", "tables": [EVIL]}],
                            "tables": [{"name": EVIL, "store": EVIL, "path": EVIL, "fields": [
                                {"name": EVIL, "kind": "ssn", "category": "identifier", "identity": True}]}]}}
    report = Report(targets=Targets(path=EVIL), started_at=t, finished_at=t,
                    stages=(StageResult("sast", Completed(findings=(finding,), facts={"processors": processors},
                                                          notes=(EVIL,)), 1.0),),
                    findings=(finding,), profile=profile, warnings=(EVIL,),
                    inputs={"checklist": {"level": EVIL, "items": [{"id": EVIL, "title": EVIL, "status": EVIL}]},
                            "command": EVIL})
    report = dataclasses.replace(report, history={"trend": [{"run_id": EVIL, "finished_at": EVIL,
                                                             "counts": {"high": 1, EVIL: 2}}],
                                                  "first_seen": {finding.fingerprint: t.isoformat(), EVIL: EVIL}})
    page = html.render(report)
    parser = _Tags()
    parser.feed(page)
    names = [tag for tag, _ in parser.tags]
    assert names.count("script") == 1 and "img" not in names
    assert all(not k.startswith("on") for _, attrs in parser.tags for k in attrs)
    text = "".join(parser.text)
    assert "<img src=x onerror=alert(1)><script>alert(2)</script>" in text  # shown as text
    assert "\x1b" not in page and "\\x1b[31m" in text  # terminal escapes made visible, never passed on
    for section in ("summary", "profile", "processors", "findings", "checklist", "history", "stages", "run"):
        assert f'<section id="{section}">' in page
