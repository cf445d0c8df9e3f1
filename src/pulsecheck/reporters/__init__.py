"""Output formats: each module renders a Report to text and does no I/O (PDF: bytes, printed by Chromium)."""

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
    OutputFormat.PDF: "pdf",
    OutputFormat.DEFECTDOJO: "defectdojo",
}


def render(report: Report, fmt: OutputFormat) -> str:
    """Render ``report`` in ``fmt`` (each module exposes ``render(report) -> str``); a binary
    format (PDF) goes through :func:`render_bytes`."""
    if fmt.binary:
        raise ValueError(f"{fmt.value} is a binary format: use render_bytes")
    module = import_module(f"pulsecheck.reporters.{_MODULES[fmt]}")
    text: str = module.render(report)
    return text


def render_bytes(report: Report, fmt: OutputFormat) -> bytes:
    """Render ``report`` in ``fmt`` as the bytes of its file (text formats as UTF-8). PDF raises
    :class:`pulsecheck.reporters.pdf.PdfUnavailable` (one line) when no Chromium can print it."""
    if not fmt.binary:
        return render(report, fmt).encode("utf-8")
    module = import_module(f"pulsecheck.reporters.{_MODULES[fmt]}")
    data: bytes = module.render(report)
    return data
