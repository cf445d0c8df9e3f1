"""YAML from a scanned repository, loaded with limits on alias expansion and depth.

PyYAML's safe loader shares aliased nodes, so a 12 KB "billion laughs" document loads fast,
but anything that then walks the result (a lockfile parser, a data map) visits 10^9 nodes.
Here the nesting depth is first checked on the event stream, a document is then composed (linear in the text), then measured as it would be expanded
(each node's expanded size computed once, iteratively, so the check is linear too), and only
constructed when it stays within :data:`MAX_NODES` expanded nodes and :data:`MAX_DEPTH` levels.
A recursive alias (``&a [*a]``) is refused as well.
"""

from __future__ import annotations

from typing import Any

import yaml

MAX_NODES = 2_000_000
MAX_DEPTH = 500
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlLimitError(ValueError):
    """A YAML document refused before construction; the message says which limit."""


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def check_node(root: yaml.Node, max_nodes: int = MAX_NODES, max_depth: int = MAX_DEPTH) -> None:
    """Raise :class:`YamlLimitError` if ``root`` expands past the limits or refers to itself."""
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            kids = _children(node)
            size[key] = 1 + sum(size[id(k)] for k in kids)
            depth[key] = 1 + max((depth[id(k)] for k in kids), default=0)
            on_path.discard(key)
            if size[key] > max_nodes:
                raise YamlLimitError(f"aliases expand to over {max_nodes:,} nodes (a YAML alias bomb?)")
            if depth[key] > max_depth:
                raise YamlLimitError(f"nested deeper than {max_depth} levels")
            continue
        if key in size:
            continue
        if key in on_path:
            raise YamlLimitError("a recursive alias (a node that contains itself)")
        on_path.add(key)
        stack.append((node, True))
        stack.extend((k, False) for k in _children(node) if id(k) not in size)


def _check_nesting(text: str, max_depth: int) -> None:
    """Depth from the event stream (libyaml's parser is iterative; its composer recurses, and
    100,000 nested ``[`` crash the interpreter before any node exists to check)."""
    level = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.CollectionStartEvent):
            level += 1
            if level > max_depth:
                raise YamlLimitError(f"nested deeper than {max_depth} levels")
        elif isinstance(event, yaml.CollectionEndEvent):
            level -= 1


def load_all(text: str, max_nodes: int = MAX_NODES, max_depth: int = MAX_DEPTH,
             loader_class: type[yaml.SafeLoader] | None = None) -> list[Any]:
    """Every document of ``text``, each checked before it is constructed.

    ``loader_class``: a SafeLoader subclass with extra constructors (CloudFormation's ``!Ref``
    tags); the limits apply to it the same way. Raises ``yaml.YAMLError`` for invalid YAML and
    :class:`YamlLimitError` past a limit.
    """
    _check_nesting(text, max_depth)
    loader = (loader_class or _Loader)(text)
    docs: list[Any] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            check_node(node, max_nodes, max_depth)
            docs.append(loader.construct_document(node))
    except RecursionError:
        raise YamlLimitError(f"nested deeper than {max_depth} levels") from None
    finally:
        loader.dispose()
    return docs


def load(text: str, max_nodes: int = MAX_NODES, max_depth: int = MAX_DEPTH) -> Any:
    """The first document of ``text`` (None when empty), as :func:`load_all` checks it."""
    docs = load_all(text, max_nodes, max_depth)
    return docs[0] if docs else None
