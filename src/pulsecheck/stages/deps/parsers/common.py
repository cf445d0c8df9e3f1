"""Helpers every parser shares: a bounded file read, a clear error type, line lookup."""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, TypeVar

from pulsecheck import safeyaml
from pulsecheck.saferead import ReadRefused, read_capped
from pulsecheck.textdecode import decode_text

N = TypeVar("N", bound=Hashable)

MAX_BYTES = 64 * 1024 * 1024


class LockfileError(Exception):
    """A lockfile or manifest that cannot be read; the message names the problem (not the file).

    ``gap`` (the default) when the stage needed the file and could not use it: the deps result
    is then partial. Not for what no parser reads anyway (a symlink, a FIFO or device).
    """

    def __init__(self, message: str, *, gap: bool = True) -> None:
        super().__init__(message)
        self.gap = gap


TextSource = Callable[[Path], "str | None"]
_SOURCE: ContextVar[TextSource | None] = ContextVar("deps_text_source", default=None)


@contextmanager
def text_source(source: TextSource) -> Iterator[None]:
    """Serve :func:`read_text` from ``source`` (the audit's file index) while parsing: a manifest
    read as the sibling of a lockfile, or through an ``-r`` include, is then read once per audit
    with every other stage's reads, not opened again by path."""
    token = _SOURCE.set(source)
    try:
        yield
    finally:
        _SOURCE.reset(token)


def read_text(path: Path, limit: int = MAX_BYTES) -> str:
    """The file's text, capped by bytes actually read; UTF-16/32 decoded, never via a symlink."""
    source = _SOURCE.get()
    cached = source(path) if source is not None else None
    if cached is not None and len(cached) <= limit:
        return cached
    try:
        data = read_capped(path, limit)
    except ReadRefused as exc:
        raise LockfileError(str(exc), gap=exc.gap) from None
    text = decode_text(data, errors="replace")
    if text is None:
        raise LockfileError("binary content, not a text lockfile")
    return text


def load_json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise LockfileError(f"invalid JSON at line {exc.lineno}: {exc.msg}") from None
    except RecursionError:
        raise LockfileError("JSON nested too deeply to parse") from None


_JSONC_TOKENS = re.compile(r'"(?:\\.|[^"\\])*"|//[^\n]*|/\*.*?\*/|,(?=\s*[\]}])', re.DOTALL)


def load_jsonc(text: str) -> Any:
    """JSON with comments and trailing commas (bun.lock)."""
    return load_json(_JSONC_TOKENS.sub(lambda m: m.group(0) if m.group(0).startswith('"') else "", text))


def load_toml(text: str) -> dict[str, Any]:
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LockfileError(f"invalid TOML: {exc}") from None


def load_yaml(text: str) -> Any:
    """One YAML document; of several (pnpm 10 puts its own tool versions in a first
    document before the project's lockfile), the last one. Alias bombs and deep nesting are
    refused (:mod:`pulsecheck.safeyaml`)."""
    import yaml

    try:
        docs = [d for d in safeyaml.load_all(text) if d is not None]
    except safeyaml.YamlLimitError as exc:
        raise LockfileError(f"YAML refused: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise LockfileError(f"invalid YAML{where}") from None
    return docs[-1] if docs else None


class Lines:
    """Line numbers of substrings of one file, for findings that point at the package entry."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self._cursor = 0

    def of_offset(self, offset: int) -> int:
        return bisect.bisect_right(self._starts, offset)

    def find(self, *needles: str) -> int | None:
        """Line of the first needle found (tried in order), or None.

        Parsers ask in file order, so the search resumes where the last hit was and wraps
        around: linear over a whole 50 MB lockfile instead of quadratic.
        """
        for needle in needles:
            pos = self.text.find(needle, self._cursor)
            if pos < 0:
                pos = self.text.find(needle, 0, self._cursor + len(needle))
            if pos >= 0:
                self._cursor = pos
                return self.of_offset(pos)
        return None


def reach(graph: Mapping[N, Sequence[N]], roots: Iterable[N]) -> set[N]:
    """Every node reachable from ``roots`` (the roots included) in a dependency graph."""
    seen: set[N] = set()
    todo = [r for r in roots if r in graph]
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo += [c for c in graph[node] if c not in seen and c in graph]
    return seen
