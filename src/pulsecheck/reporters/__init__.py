"""Output formats: each module renders a Report to text and does no I/O."""

from __future__ import annotations

from importlib import import_module

from pulsecheck.model import Report
from pulsecheck.reporters.interface import OutputFormat

_MODULES = {
    OutputFormat.TERMINAL: "terminal",
    OutputFormat.JSON: "json_format",
    OutputFormat.SARIF: "sarif",
    OutputFormat.MARKDOWN: "markdown",
    OutputFormat.HTML: "html",
}


def render(report: Report, fmt: OutputFormat) -> str:
    """Render ``report`` in ``fmt`` (each module exposes ``render(report) -> str``)."""
    module = import_module(f"pulsecheck.reporters.{_MODULES[fmt]}")
    text: str = module.render(report)
    return text
