"""What every output format implements: a pure function from Report to text (PDF: to bytes)."""

from __future__ import annotations

import enum
from typing import Protocol

from pulsecheck.model import Report


class OutputFormat(enum.StrEnum):
    TERMINAL = "terminal"
    JSON = "json"
    SARIF = "sarif"
    MARKDOWN = "markdown"
    HTML = "html"
    PDF = "pdf"
    DEFECTDOJO = "defectdojo"

    @property
    def extension(self) -> str:
        return {"terminal": "txt", "json": "json", "sarif": "sarif", "markdown": "md", "html": "html",
                "pdf": "pdf", "defectdojo": "defectdojo.json"}[self.value]

    @property
    def binary(self) -> bool:
        """Rendered to bytes (``reporters.render_bytes``), not text: today only PDF."""
        return self is OutputFormat.PDF


TEXT_FORMATS = tuple(f for f in OutputFormat if not f.binary)


class Reporter(Protocol):
    def __call__(self, report: Report) -> str:
        """Render the whole report; never performs I/O."""
        ...
