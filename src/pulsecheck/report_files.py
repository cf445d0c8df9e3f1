"""Where report files go, decided before anything is written.

``--output`` names a file, a directory, or a base name whose extension each format replaces.
Without ``--output`` a report goes to ``./pulsecheck-report.<ext>``, except when the working
directory lies inside the repository being audited (``cd repo && pulsecheck audit .``): then
the default would write into the scanned tree, where a hostile repository decides what is at
that name, so pulsecheck refuses with a message naming the safe alternatives.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from pulsecheck.reporters.interface import OutputFormat
from pulsecheck.safeio import inside

DEFAULT_STEM = "pulsecheck-report"


def default_output_refusal(repo: str | Path | None, formats: Sequence[OutputFormat],
                           output: str | None) -> str | None:
    """The message refusing the default output location, or None when it is fine."""
    if output is not None or repo is None or not any(f is not OutputFormat.TERMINAL for f in formats):
        return None
    if not inside(os.getcwd(), repo):
        return None
    return ("the working directory is inside the repository being audited, and pulsecheck does not "
            "write its report into the scanned tree by default: pass --output with a file or directory "
            f"outside it (e.g. --output ../{DEFAULT_STEM}.json or --output /tmp/pulsecheck/), "
            "or --output - for stdout")


def target_for(fmt: OutputFormat, output: str | None, several: bool) -> Path:
    """The file one format is written to (``output`` is not ``-``)."""
    if output is None:
        return Path(f"{DEFAULT_STEM}.{fmt.extension}")
    base = Path(output)
    if base.is_dir() or output.endswith(("/", os.sep)):
        return base / f"{DEFAULT_STEM}.{fmt.extension}"
    if several:
        return base.with_suffix(f".{fmt.extension}")
    return base
