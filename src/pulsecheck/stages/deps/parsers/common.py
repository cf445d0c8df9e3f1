"""Helpers every parser shares: a bounded file read, a clear error type, line lookup."""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Hashable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

N = TypeVar("N", bound=Hashable)

MAX_BYTES = 64 * 1024 * 1024


class LockfileError(Exception):
    """A lockfile or manifest that cannot be read; the message names the problem (not the file)."""


def read_text(path: Path, limit: int = MAX_BYTES) -> str:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise LockfileError(f"cannot read ({exc.strerror})") from None
    if size > limit:
        raise LockfileError(f"{size // (1024 * 1024)} MB is over the {limit // (1024 * 1024)} MB limit")
    try:
        return path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError as exc:
        raise LockfileError(f"cannot read ({exc.strerror})") from None


def load_json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise LockfileError(f"invalid JSON at line {exc.lineno}: {exc.msg}") from None


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
    document before the project's lockfile), the last one."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        if not text.startswith("---"):
            return yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader
        docs = [d for d in yaml.load_all(text, Loader=loader) if d is not None]  # noqa: S506
        return docs[-1] if docs else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise LockfileError(f"invalid YAML{where}") from None


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
