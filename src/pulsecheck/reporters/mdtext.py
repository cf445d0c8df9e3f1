"""Markdown escaping for text that came from the scanned repository.

A file name like ``a|b<script>.py`` must not break a table, open an HTML element or start
a link when an auditor opens the report on GitHub or in a Markdown viewer. Control
characters are first made visible (textsafe), then markup is neutralised: ``< > &`` become
HTML entities (GFM renders them literally) and Markdown punctuation is backslash-escaped.
GFM's extended autolinks are broken too, so ``www.evil.example``, ``https://evil.example`` or
an e-mail address from the scanned repository reads the same but is never a live link: the
``.`` after ``www``, the ``:`` of ``://`` and the ``@`` are backslash-escaped, which renders
them unchanged while the autolink rules (which need the literal text) no longer match.
"""

from __future__ import annotations

import re

from pulsecheck.textsafe import one_line

_MD_PUNCT = re.compile(r"([\\`*_{}\[\]|~#!])")
_BLOCK_START = re.compile(r"^(\d*)([-+=.)])")
_WWW = re.compile(r"(?i)(www)\.")


def md(text: object) -> str:
    """One-line, markup-free rendering of ``text`` for a Markdown paragraph or table cell."""
    s = one_line(str(text))
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = _MD_PUNCT.sub(r"\\\1", s)
    return _WWW.sub(r"\1\\.", s).replace("://", "\\://").replace("@", "\\@")


def md_lines(text: object, indent: str = "  ") -> str:
    """Like :func:`md` but keeps line breaks, as hard breaks inside the current list item.

    Each continuation line is indented (stays in the item) and a leading ``-``, ``+``, ``=``
    or ``1.`` is escaped so a hostile line cannot start a list, a heading or a rule.
    """
    lines = [_BLOCK_START.sub(r"\1\\\2", md(line.strip())) for line in str(text).splitlines()]
    return ("  \n" + indent).join(lines or [""])
