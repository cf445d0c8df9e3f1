"""A generic, format-neutral view of the profile facts (stack, app kind, data map...).

The profile stage owns the shape of its facts and may add keys at any time; the reporters
must not break or hide them. So the facts are flattened here into two kinds of block,
key/value fields and tables, which Markdown and HTML both know how to draw.
Values are returned unescaped: each format escapes for itself.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

MAX_ROWS = 500
"""Rows drawn per table; a larger data map is summarised (the JSON report has it all)."""
_MAX_DEPTH = 4


@dataclass(frozen=True, slots=True)
class Block:
    title: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    omitted: int = 0

    @property
    def is_table(self) -> bool:
        return bool(self.columns)


def profile_blocks(profile: Mapping[str, Any]) -> list[Block]:
    """Blocks for the whole profile: top-level scalars first, then one block per structure."""
    return _blocks("Overview", profile, 0)


def _blocks(title: str, data: Mapping[str, Any], depth: int) -> list[Block]:
    fields: list[tuple[str, str]] = []
    nested: list[Block] = []
    for key, value in data.items():
        name = _label(key)
        sub = f"{name}" if depth == 0 else f"{title} / {name}"
        if isinstance(value, Mapping) and value and depth < _MAX_DEPTH:
            if all(_is_scalar(v) or _is_scalar_list(v) for v in value.values()):
                nested.append(Block(sub, fields=[(_label(k), scalar(v)) for k, v in value.items()]))
            else:
                nested.extend(_blocks(sub, value, depth + 1))
        elif _is_record_list(value):
            nested.append(_table(sub, value))
        else:
            fields.append((name, scalar(value)))
    head = [Block(title, fields=fields)] if fields else []
    return head + nested


def _table(title: str, records: Sequence[Mapping[str, Any]]) -> Block:
    columns: dict[str, None] = {}
    for rec in records:
        columns.update(dict.fromkeys(str(k) for k in rec))
    rows = [[scalar(rec.get(c)) for c in columns] for rec in records[:MAX_ROWS]]
    return Block(title, columns=[_label(c) for c in columns], rows=rows,
                 omitted=max(0, len(records) - MAX_ROWS))


def scalar(value: Any) -> str:
    """A short text form of any JSON-like value."""
    if value is None:
        return ""
    if isinstance(value, list | tuple | set | frozenset | Mapping) and not value:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str | int | float):
        return str(value)
    if _is_scalar_list(value):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return ", ".join(scalar(v) for v in items)
    try:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    except (TypeError, ValueError):
        return str(value)


def _label(key: object) -> str:
    return str(key).replace("_", " ")


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _is_scalar_list(value: Any) -> bool:
    return isinstance(value, list | tuple | set | frozenset) and all(_is_scalar(v) for v in value)


def _is_record_list(value: Any) -> bool:
    return isinstance(value, list | tuple) and bool(value) and all(isinstance(v, Mapping) for v in value)
