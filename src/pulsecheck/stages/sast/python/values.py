"""Abstract values of the Python engine: taint sources with the path they took, constants
(for branch folding), known-key containers, the class of an object and a few tags."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

MAX_SOURCES = 4
"""Sources kept per value (the shortest paths): bounded work on wide unions."""
MAX_TRACE = 14
"""Steps kept per path (source, the first steps and the last ones)."""


class _NoConst:
    def __repr__(self) -> str:
        return "NOCONST"


NOCONST: Any = _NoConst()


@dataclass(frozen=True, slots=True)
class Step:
    path: str
    line: int
    note: str
    column: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "column": self.column, "note": self.note}


@dataclass(frozen=True, slots=True)
class Src:
    """One origin of a value: ``kind`` is ``user`` (request input), ``phi``/``pii`` (patient or
    personal data), ``trace`` (a stack trace), ``env`` (low-confidence input) or ``param:N`` (the
    N-th parameter of the function being summarised). ``safe`` lists the sink classes the value
    was sanitized for on the way."""

    kind: str
    trace: tuple[Step, ...]
    safe: frozenset[str] = frozenset()
    label: str = ""
    weak: bool = False
    """Found by the PHI name vocabulary rather than the data map (lower confidence)."""

    def step(self, s: Step) -> Src:
        if self.trace and self.trace[-1].line == s.line and self.trace[-1].path == s.path and \
                (self.trace[-1].note == s.note or len(self.trace) > 1):
            return self
        tr = self.trace + (s,)
        if len(tr) > MAX_TRACE:
            tr = tr[:4] + tr[-(MAX_TRACE - 4):]
        return replace(self, trace=tr)


@dataclass(frozen=True, slots=True)
class Val:
    srcs: frozenset[Src] = frozenset()
    const: Any = NOCONST
    items: tuple[tuple[Any, Val], ...] | None = None
    """Known-key container: constant key -> value (dict literal, list literal by index)."""
    cls: str | None = None
    """What the object is: a repository class name, or the dotted name of the callable that made it."""
    tags: frozenset[str] = field(default_factory=frozenset)

    @property
    def tainted(self) -> bool:
        return bool(self.srcs)

    def kinds(self) -> set[str]:
        return {s.kind for s in self.srcs}

    def step(self, s: Step) -> Val:
        if not self.srcs:
            return self
        return replace(self, srcs=frozenset(x.step(s) for x in self.srcs))

    def without(self, *, kinds: Iterable[str] = (), safe_for: Iterable[str] = ()) -> Val:
        kill = set(kinds)
        mark = frozenset(safe_for)
        out = []
        for s in self.srcs:
            if s.kind in kill or "*" in kill:
                continue
            out.append(replace(s, safe=s.safe | mark) if mark else s)
        return replace(self, srcs=frozenset(out))

    def item(self, key: Any) -> Val | None:
        if self.items is None:
            return None
        for k, v in self.items:
            if k == key:
                return v
        return None


EMPTY = Val()


def const(value: Any) -> Val:
    return Val(const=value)


def _cap(srcs: Iterable[Src]) -> frozenset[Src]:
    s = set(srcs)
    if len(s) <= MAX_SOURCES:
        return frozenset(s)
    # keep one per kind first, then the shortest paths
    ordered = sorted(s, key=lambda x: (x.weak, len(x.trace), x.kind, x.label, tuple((t.path, t.line) for t in x.trace)))
    keep: list[Src] = []
    seen: set[str] = set()
    for x in ordered:
        if x.kind not in seen:
            keep.append(x)
            seen.add(x.kind)
    for x in ordered:
        if len(keep) >= MAX_SOURCES:
            break
        if x not in keep:
            keep.append(x)
    return frozenset(keep[:max(MAX_SOURCES, len(seen))])


def join(*vals: Val, keep_const: bool = False) -> Val:
    """The union of several values (a merge of branches, or the parts of a built string)."""
    vals = tuple(v for v in vals if v is not None)
    if not vals:
        return EMPTY
    if len(vals) == 1 and keep_const:
        return vals[0]
    srcs = _cap(s for v in vals for s in v.srcs)
    tags = frozenset().union(*(v.tags for v in vals))
    c = vals[0].const if keep_const and all(v.const == vals[0].const and v.const is not NOCONST for v in vals) else NOCONST
    cls = vals[0].cls if all(v.cls == vals[0].cls for v in vals) else None
    items = None
    if keep_const and all(v.items is not None for v in vals):
        merged: dict[Any, list[Val]] = {}
        for v in vals:
            for k, x in v.items or ():
                merged.setdefault(k, []).append(x)
        items = tuple((k, join(*xs, keep_const=True)) for k, xs in merged.items())
    return Val(srcs=srcs, const=c, items=items, cls=cls, tags=tags)


def merge(a: Val, b: Val) -> Val:
    """Merge of the same variable from two branches (constants kept only when equal)."""
    if a is b or a == b:
        return a
    return join(a, b, keep_const=True)
