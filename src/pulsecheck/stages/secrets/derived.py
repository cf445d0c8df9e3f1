"""Secrets whose name and value are not on one line as written: the scanner reads them derived.

A Kubernetes ``Secret`` keeps its values base64-encoded under ``data:``, so neither the
value's format nor a placeholder is visible until decoded (``cGFzc3dvcmQ=``). A Terraform
``variable "db_password"`` block puts its value on a ``default = "..."`` line that names
nothing. For each, this module yields the line to report and a synthetic ``name: "value"``
text to scan in its place, so every rule and false-alarm filter applies unchanged.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from dataclasses import dataclass

_K8S_KIND = re.compile(r"^\+?kind:[ \t]*Secret\b", re.MULTILINE)
_K8S_DATA = re.compile(r"^\+?[ \t]+([\w.\-]+):[ \t]*[\"']?([A-Za-z0-9+/]{8,}={0,2})[\"']?[ \t]*\r?$", re.MULTILINE)
# The block opener as a line of a file or patch, or as the function context git puts on a -U0
# hunk header (``@@ -5 +5 @@ variable "db_password" {``) when a commit changes only the default.
_TF_VARIABLE = re.compile(r'^(?:\+|@@@?[^@\n]*@@@? )?[ \t]*variable[ \t]+"([\w\-]+)"[ \t]*\{', re.MULTILINE)
# Where a block's lines end: the next variable, the next hunk, file or commit of a patch.
_TF_BLOCK_END = re.compile(r'\n(?:(?:\+|@@@?[^@\n]*@@@? )?[ \t]*variable[ \t]+"|@@|diff |\x00)')
_TF_DEFAULT = re.compile(r'^\+?[ \t]*default[ \t]*=[ \t]*"([^"\n]+)"', re.MULTILINE)
TF_BLOCK_LINES = 12


@dataclass(frozen=True, slots=True)
class Derived:
    """Scan ``text`` and report what it holds at ``line_start``/``column`` of the original."""

    line_start: int
    column: int
    text: str
    replaces_line: bool


def derived_texts(text: str) -> Iterator[Derived]:
    if "kind:" in text and _K8S_KIND.search(text):
        yield from _k8s_secret_data(text)
    if 'variable' in text and "default" in text:
        yield from _terraform_defaults(text)


def _line_start(text: str, pos: int) -> int:
    return text.rfind("\n", 0, pos) + 1


def _k8s_secret_data(text: str) -> Iterator[Derived]:
    for m in _K8S_DATA.finditer(text):
        try:
            decoded = base64.b64decode(m.group(2), validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            continue
        if not decoded or not all(c.isprintable() or c in "\r\n\t" for c in decoded):
            continue
        ls = _line_start(text, m.start(2))
        body = decoded if "\n" in decoded.strip() else f'{m.group(1)}: "{decoded}"'
        yield Derived(ls, m.start(2) - ls + 1, body, replaces_line=True)


def _terraform_defaults(text: str) -> Iterator[Derived]:
    for var in _TF_VARIABLE.finditer(text):
        window_end = var.end()
        for _ in range(TF_BLOCK_LINES):
            nxt = text.find("\n", window_end + 1)
            window_end = len(text) if nxt < 0 else nxt
        block_end = _TF_BLOCK_END.search(text, var.end(), window_end)
        end = window_end if block_end is None else block_end.start()
        default = _TF_DEFAULT.search(text, var.end(), end)
        if default is None:
            continue
        ls = _line_start(text, default.start(1))
        yield Derived(ls, default.start(1) - ls + 1, f'{var.group(1)} = "{default.group(1)}"', replaces_line=False)
