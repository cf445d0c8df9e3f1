"""Parse ``git log -p -U0`` text (in the format of :mod:`git_history`) into added lines.

Two ways in: :func:`parse_patch` walks a whole batch into :class:`HistoryChunk` objects (the
simple API), and :func:`locate` resolves a single offset in the decoded batch text to its
commit, path and line, so a scanner can search the raw text first and pay for parsing only
where a keyword hit. Both read the same format, so they agree; the tests hold them to it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

MARK = "\x00pulsecheck-commit "
_HUNK = re.compile(r"@@(@*) (?:-\d+(?:,\d+)? )+\+(\d+)(?:,\d+)? @@")
_C_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
              '"': '"', "\\": "\\"}


@dataclass(frozen=True, slots=True)
class HistoryChunk:
    """The lines one commit added to one file; line numbers are in that commit's version."""

    commit: str | None
    author: str
    date: str
    path: str
    lines: list[tuple[int, str]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class PatchPlace:
    commit: str | None
    author: str
    date: str
    path: str
    line: int


def unquote_path(raw: str) -> str:
    """Undo git's C-style quoting of unusual file names ("b/tab\\there")."""
    if not (raw.startswith('"') and raw.endswith('"') and len(raw) >= 2):
        return raw
    body = raw[1:-1]
    out = bytearray()
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt in "01234567" and i + 3 < len(body) + 1:
                out.append(int(body[i + 1:i + 4], 8) & 0xFF)
                i += 4
                continue
            out += _C_ESCAPES.get(nxt, nxt).encode("utf-8", "surrogateescape")
            i += 2
            continue
        out += ch.encode("utf-8", "surrogateescape")
        i += 1
    return out.decode("utf-8", "surrogateescape")


def _target_path(line: str) -> str | None:
    """The new path from a ``+++ b/...`` line; None for ``/dev/null`` (a deletion)."""
    raw = line[4:].rstrip("\r")
    if raw.endswith("\t"):
        raw = raw[:-1]
    raw = unquote_path(raw)
    if raw == "/dev/null":
        return None
    return raw[2:] if raw.startswith("b/") else raw


def _commit_header(line: str) -> tuple[str | None, str, str]:
    parts = line[len(MARK):].split("\x1f")
    parts += [""] * (3 - len(parts))
    return (parts[0] or None), parts[1], parts[2]


def parse_patch(data: bytes | str) -> Iterator[HistoryChunk]:
    """Every (commit, file) with its added lines, in stream order."""
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    commit: str | None = None
    author = date = ""
    path: str | None = None
    in_header = False
    parents = 1
    lineno = 0
    current: HistoryChunk | None = None
    for line in text.split("\n"):
        if line.startswith(MARK):
            if current is not None and current.lines:
                yield current
            current, path = None, None
            commit, author, date = _commit_header(line)
        elif line.startswith("diff --"):
            if current is not None and current.lines:
                yield current
            current, path, in_header = None, None, True
            parents = 2 if line.startswith("diff --cc") else 1
        elif in_header and line.startswith("+++ "):
            path = _target_path(line)
            current = HistoryChunk(commit, author, date, path) if path is not None else None
        elif line.startswith("@@"):
            m = _HUNK.match(line)
            in_header = False
            if m:
                parents = len(m.group(1)) + 1
                lineno = int(m.group(2))
        elif not in_header and current is not None and line:
            prefix = line[:parents]
            if "-" in prefix:
                continue
            if prefix == "+" * parents:
                current.lines.append((lineno, line[parents:]))
            if line[0] != "\\":
                lineno += 1
    if current is not None and current.lines:
        yield current


def locate(text: str, line_start: int) -> PatchPlace | None:
    """Commit, path and new-file line of the patch line starting at ``line_start``.

    None when that line is not an added line of a hunk (a header, a removed line).
    """
    mark = text.rfind(MARK, 0, line_start)
    head_end = text.find("\n", mark) if mark >= 0 else -1
    commit, author, date = _commit_header(text[mark:head_end]) if mark >= 0 else (None, "", "")
    file_at = text.rfind("\ndiff --", max(mark, 0), line_start)
    if file_at < 0:
        return None
    hunk_at = text.rfind("\n@@", file_at, line_start)
    if hunk_at < 0:
        return None
    plus = text.find("\n+++ ", file_at, hunk_at + 1)
    if plus < 0:
        return None
    path = _target_path(text[plus + 1:text.find("\n", plus + 1)])
    hunk_end = text.find("\n", hunk_at + 1)
    m = _HUNK.match(text, hunk_at + 1, hunk_end)
    if path is None or m is None:
        return None
    parents = len(m.group(1)) + 1
    if text.startswith("+" * parents, line_start) is False:
        return None
    start = int(m.group(2))
    if parents == 1:
        return PatchPlace(commit, author, date, path, start + text.count("\n+", hunk_end, line_start))
    n = start
    for body in text[hunk_end + 1:line_start].split("\n")[:-1]:
        if body and body[0] != "\\" and "-" not in body[:parents]:
            n += 1
    return PatchPlace(commit, author, date, path, n)


_SECTION = re.compile(r"(?=\n(?:diff --|\x00pulsecheck-commit ))")


def read_segment(path: str | Path) -> str:
    """The text of one history segment file (see :class:`~.history.History`)."""
    with open(path, "rb") as fh:
        return fh.read().decode("utf-8", "replace")


def drop_binary(text: str) -> tuple[str, list[str]]:
    """``text`` without the file sections whose added lines hold NUL bytes, and their paths.

    History is read with ``--text`` (attributes cannot hide a file), so binary-ness is decided
    here, by content, as git itself would (a NUL byte). The only other NUL in a segment is the
    one starting each commit header, which is never at the start of a patch line."""
    if text.count("\x00") == text.count(MARK):
        return text, []
    kept: list[str] = []
    dropped: list[str] = []
    for piece in _SECTION.split(text):
        header = 1 if piece.startswith(("\n" + MARK, MARK)) else 0
        if piece.count("\x00") > header:
            plus = piece.find("\n+++ ")
            path = _target_path(piece[plus + 1:piece.find("\n", plus + 1)]) if plus >= 0 else None
            dropped.append(path or "?")
            continue
        kept.append(piece)
    return "".join(kept), dropped
