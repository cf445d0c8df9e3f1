"""Lines of attributes by a bounded scan of a resource's block text.

The parsers give values, not positions (python-hcl2 8 drops ``with_meta``; a constructed YAML
document has no marks), so the line of ``storage_encrypted`` is found by walking the parsed
value in source order and scanning forward in the block for each key. Each search looks at most
:data:`WINDOW` lines and a resource locates at most :data:`MAX_KEYS` keys, so a hostile file
costs a bounded amount per resource.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any, Literal

Style = Literal["hcl", "yaml"]
WINDOW = 2000
MAX_KEYS = 2000
MAX_DEPTH = 8


@lru_cache(maxsize=4096)
def _key_pattern(key: str, style: Style) -> re.Pattern[str]:
    k = re.escape(key)
    if style == "hcl":
        return re.compile(rf'^\s*"?{k}"?\s*(?:=|\{{|"|$)')
    return re.compile(rf'^\s*(?:-\s+)*["\']?{k}["\']?\s*:')


_ITEM = re.compile(r"^\s*-(?:\s|$)")


class _Scan:
    def __init__(self, lines: Sequence[str], end: int, style: Style) -> None:
        self.lines, self.end, self.style = lines, end, style
        self.found: dict[str, int] = {}
        self.budget = MAX_KEYS

    def find(self, pattern: re.Pattern[str], start: int) -> int | None:
        """0-based index of the first line at or after ``start`` matching, within the window."""
        stop = min(self.end, start + WINDOW)
        for i in range(start, stop):
            if pattern.match(self.lines[i]):
                return i
        return None

    def walk(self, value: Any, prefix: str, cursor: int, depth: int) -> int:
        if depth > MAX_DEPTH or not isinstance(value, Mapping):
            return cursor
        for key, item in value.items():
            if self.budget <= 0 or not isinstance(key, str) or key.startswith("__"):
                continue
            self.budget -= 1
            at = self.find(_key_pattern(key, self.style), cursor)
            if at is None:
                continue
            self.found.setdefault(prefix + key, at + 1)
            if isinstance(item, Mapping):
                cursor = self.walk(item, f"{prefix}{key}.", at + (self.style == "hcl"), depth + 1)
            elif isinstance(item, list) and any(isinstance(e, Mapping) for e in item):
                cursor = self._items(key, item, prefix, at, depth)
            else:
                cursor = at
        return cursor

    def _items(self, key: str, items: list[Any], prefix: str, at: int, depth: int) -> int:
        cursor = at
        for index, elem in enumerate(items):
            if self.style == "hcl":  # repeated blocks: ``ingress { }`` once per element
                found = at if index == 0 else self.find(_key_pattern(key, "hcl"), cursor)
                start = None if found is None else found + 1
            else:
                found = self.find(_ITEM, cursor + (index > 0 or cursor == at))
                start = found
            if found is None or start is None:
                break
            self.found.setdefault(f"{prefix}{key}.{index}", found + 1)
            cursor = self.walk(elem, f"{prefix}{key}.{index}.", start, depth + 1)
            cursor = max(cursor, found + 1) if self.style == "hcl" else max(cursor, found)
        return cursor


def attribute_lines(lines: Sequence[str], start: int, end: int, attrs: Mapping[str, Any],
                    style: Style) -> dict[str, int]:
    """Dotted path -> 1-based line for the keys of ``attrs`` written in ``lines[start:end]``
    (``start`` 0-based, the resource's own line)."""
    scan = _Scan(lines, min(end, len(lines)), style)
    scan.walk(attrs, "", start + (style == "hcl"), 0)
    return scan.found
