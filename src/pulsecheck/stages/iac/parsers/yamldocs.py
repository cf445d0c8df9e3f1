"""YAML for IaC through :mod:`pulsecheck.safeyaml`'s limits, with CloudFormation's short tags
(``!Ref``, ``!Sub``, ``!GetAtt``...) constructed as the plain dicts of the long form
(``{"Ref": x}``, ``{"Fn::Sub": x}``) instead of being refused."""

from __future__ import annotations

import re
from typing import Any

import yaml

from pulsecheck import safeyaml

_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _TagLoader(_Base):  # type: ignore[valid-type,misc]
    pass


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {"Ref" if suffix == "Ref" else f"Fn::{suffix}": value}


_TagLoader.add_multi_constructor("!", _intrinsic)

_DOC_START = re.compile(r"^---")


def load_docs(text: str) -> list[Any]:
    """Every document, checked by safeyaml's depth and alias-expansion limits before it is
    constructed; raises ``yaml.YAMLError`` or :class:`~pulsecheck.safeyaml.YamlLimitError`."""
    return safeyaml.load_all(text, loader_class=_TagLoader)


def doc_ranges(lines: list[str]) -> list[tuple[int, int]]:
    """(0-based start, end) of each document by its ``---`` separators (the documents the
    loader returns, in order; an empty leading part before the first ``---`` is dropped)."""
    cuts = [i for i, line in enumerate(lines) if _DOC_START.match(line)]
    bounds = [0, *cuts, len(lines)] if not cuts or cuts[0] != 0 else [*cuts, len(lines)]
    ranges = []
    for a, b in zip(bounds, bounds[1:], strict=False):
        body = [ln for ln in lines[a:b] if ln.strip() and not ln.lstrip().startswith("#") and not _DOC_START.match(ln)]
        if body:
            ranges.append((a, b))
    return ranges
