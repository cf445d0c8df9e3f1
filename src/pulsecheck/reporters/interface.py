"""What every output format implements: a pure function from Report to text."""

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

    @property
    def extension(self) -> str:
        return {"terminal": "txt", "json": "json", "sarif": "sarif", "markdown": "md", "html": "html"}[self.value]


class Reporter(Protocol):
    def __call__(self, report: Report) -> str:
        """Render the whole report; never performs I/O."""
        ...
