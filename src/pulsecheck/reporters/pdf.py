"""``--format pdf``: the HTML report printed to PDF by the installed Chromium (headless).

The HTML report is written to a private temporary directory and Chromium prints it with its
own print-to-PDF (``--print-to-pdf``): the page's print stylesheet applies, and nothing is
fetched (the page loads nothing, its CSP forbids it, and Chromium runs with background
networking, sync, extensions and component updates off, with a throw-away profile).

This is the one format that starts a process; when no Chromium is installed,
:class:`PdfUnavailable` says so in one line (how to install it, or ``PULSECHECK_CHROMIUM``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from pulsecheck.model import Report
from pulsecheck.reporters import html

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome", "headless_shell")
TIMEOUT_S = 300.0
_MAX_LOG = 300


class PdfUnavailable(RuntimeError):
    """No Chromium to print with, or it failed: the message is one line for the user."""


def find_chromium() -> str | None:
    """``PULSECHECK_CHROMIUM`` when set (and executable), else the first Chromium on PATH."""
    given = os.environ.get("PULSECHECK_CHROMIUM")
    if given:
        return given if os.path.isfile(given) and os.access(given, os.X_OK) else None
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def missing_message() -> str | None:
    """The one-line reason ``--format pdf`` cannot work here, or None when it can."""
    if find_chromium() is not None:
        return None
    if os.environ.get("PULSECHECK_CHROMIUM"):
        return (f"--format pdf: PULSECHECK_CHROMIUM={os.environ['PULSECHECK_CHROMIUM']!r} is not an executable "
                "file; point it at a Chromium or Chrome binary")
    return ("--format pdf needs Chromium to print the HTML report, and none was found on PATH: install it "
            "(Debian/Ubuntu: apt-get install chromium) or set PULSECHECK_CHROMIUM to a Chromium/Chrome binary; "
            "--format html gives the same report without it")


def chromium_args(binary: str, profile_dir: Path) -> list[str]:
    """The flags every headless run uses (tests drive Chromium with the same ones)."""
    args = [binary, "--headless", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-extensions", "--disable-default-apps", "--no-first-run",
            "--no-default-browser-check", "--mute-audio", "--hide-scrollbars", "--disable-dev-shm-usage",
            f"--user-data-dir={profile_dir}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--no-sandbox")  # Chromium refuses to start as root with its sandbox on
    return args


def html_to_pdf(page: str, timeout: float = TIMEOUT_S) -> bytes:
    """Print an HTML page to PDF bytes with headless Chromium."""
    binary = find_chromium()
    if binary is None:
        raise PdfUnavailable(missing_message() or "--format pdf: Chromium not found")
    with tempfile.TemporaryDirectory(prefix="pulsecheck-pdf-") as tmp:
        work = Path(tmp)
        source = work / "report.html"
        source.write_text(page, encoding="utf-8")
        target = work / "report.pdf"
        argv = [*chromium_args(binary, work / "profile"), "--no-pdf-header-footer",
                f"--print-to-pdf={target}", source.as_uri()]
        try:
            proc = subprocess.run(argv, capture_output=True, timeout=timeout, cwd=work, check=False,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise PdfUnavailable(f"--format pdf: Chromium did not finish printing within {timeout:g}s") from None
        except OSError as exc:
            raise PdfUnavailable(f"--format pdf: could not start {binary}: {exc.strerror or exc}") from None
        if not target.is_file() or target.stat().st_size == 0:
            tail = " ".join(proc.stderr.decode("utf-8", "replace").split())[-_MAX_LOG:]
            raise PdfUnavailable(f"--format pdf: Chromium exited {proc.returncode} without a PDF ({tail})")
        return target.read_bytes()


def render(report: Report) -> bytes:
    """The report as PDF: the HTML report, printed."""
    return html_to_pdf(html.render(report))
