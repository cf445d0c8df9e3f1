"""Helpers every format shares: safe JSON text, plus the summary helpers of the model layer.

The order and counts live in :mod:`pulsecheck.summary` (the serializer and the history store
use them too); they are re-exported here so each format imports its helpers from one place.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pulsecheck.summary import (
    SEVERITIES_DESC,
    count_by_stage,
    describe_effect,
    gdpr_articles,
    sorted_findings,
    stage_gaps,
    stage_notes,
    stage_reason,
    targets_line,
)
from pulsecheck.textsafe import escape_surrogates

__all__ = ["SEVERITIES_DESC", "count_by_stage", "describe_effect", "dumps", "gdpr_articles", "sorted_findings", "stage_gaps",
           "stage_notes", "stage_reason", "targets_line"]

# json.dumps(ensure_ascii=False) escapes C0 controls but leaves C1 controls (U+009B is a CSI
# on some terminals) and bidi overrides raw; they can only occur inside JSON strings, where
# a \\uXXXX escape is equivalent, so `cat report.json` stays harmless.
_UNSAFE_IN_JSON = re.compile(r"[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def dumps(data: Any) -> str:
    """Readable JSON (UTF-8 kept) with every terminal-hostile character escaped.

    A non-UTF-8 file name reaches us as a ``surrogateescape`` str (``bad\\udcff.py``), which no
    UTF-8 writer can encode: it is written as the visible text ``bad\\xff.py`` (in JSON,
    ``"bad\\\\xff.py"``), the same spelling every other format uses.
    """
    text = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False)
    text = _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)
    return escape_surrogates(text, backslash="\\\\") + "\n"
