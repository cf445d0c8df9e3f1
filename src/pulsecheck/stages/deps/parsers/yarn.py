"""yarn.lock, classic (v1) and berry (v2+).

The lockfile records no root: which entries are direct, and which are reachable only from
``devDependencies``, follows from the package.json files beside it (root and workspaces),
whose ``name@range`` requests are the lockfile's own entry keys, through each entry's
``dependencies``. Without them both stay unknown.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from pulsecheck.stages.deps.package import Package
from pulsecheck.stages.deps.parsers.common import Lines, LockfileError, reach
from pulsecheck.stages.deps.parsers.npm import LOCAL, split_spec

_HEADER = re.compile(r'^(?!\s)("?[^\s#][^\n]*?):\s*$', re.MULTILINE)
_FIELD = re.compile(r'^\s+"?(version|resolution)"?:?\s+"?([^"\n]+)"?\s*$', re.MULTILINE)
_DEP_LINE = re.compile(r'^ {4}"?((?:@[^\s"/]+/)?[^\s":]+)"?:?\s+"?([^"\n]*?)"?\s*$')
Requests = Mapping[str, Sequence[tuple[str, bool]]]
"""Package name -> (range, declared only for development) from the project's package.json files."""


def _deps(block: str) -> list[str]:
    """``name@range`` keys an entry's dependencies/optionalDependencies ask for."""
    out, section = [], False
    for line in block.splitlines():
        if line.startswith("  ") and not line.startswith("    "):
            section = line.strip().rstrip(":") in ("dependencies", "optionalDependencies")
        elif section:
            match = _DEP_LINE.match(line)
            if match:
                out.append(f"{match.group(1)}@{match.group(2)}")
    return out


def _root_keys(requests: Requests, dev: bool) -> list[str]:
    keys = []
    for name, wanted in requests.items():
        for rng, is_dev in wanted:
            if is_dev == dev:
                keys += [f"{name}@{rng}", f"{name}@npm:{rng}"]  # classic, berry
    return keys


def parse_yarn_lock(text: str, rel: str, requests: Requests | None = None) -> list[Package]:
    lines = Lines(text)
    headers = list(_HEADER.finditer(text))
    if not headers and text.strip() and not text.lstrip().startswith("#"):
        raise LockfileError("no yarn.lock entries found")
    node_of: dict[str, tuple[str, str]] = {}
    graph: dict[tuple[str, str], list[str]] = {}
    found: list[tuple[tuple[str, str], int]] = []
    for i, head in enumerate(headers):
        block = text[head.end(): headers[i + 1].start() if i + 1 < len(headers) else len(text)]
        specs = [s.strip().strip('"') for s in head.group(1).split(",")]
        if specs[0] == "__metadata":
            continue
        fields = {m.group(1): m.group(2).strip() for m in _FIELD.finditer(block)}
        name, wanted = split_spec(specs[0])
        resolution = fields.get("resolution", "")
        if resolution:
            res_name, res_ref = split_spec(resolution)
            if res_ref.startswith((*LOCAL, "patch:")):
                continue
            name = res_name
        elif wanted.startswith("npm:") and "@" in wanted[5:]:
            name = split_spec(wanted[4:])[0]
        elif wanted.startswith(LOCAL):
            continue
        version = fields.get("version", "")
        if not version:
            continue
        node = (name, version)
        node_of.update((s, node) for s in specs)
        if node not in graph:
            found.append((node, lines.of_offset(head.start())))
        graph.setdefault(node, []).extend(_deps(block))
    edges = {n: [node_of[k] for k in keys if k in node_of] for n, keys in graph.items()}
    prod_roots = [node_of[k] for k in _root_keys(requests or {}, False) if k in node_of]
    dev_roots = [node_of[k] for k in _root_keys(requests or {}, True) if k in node_of]
    prod = reach(edges, prod_roots)
    dev = reach(edges, dev_roots) - prod
    known = bool(prod_roots or dev_roots)
    return [Package("npm", n, v, rel, line, direct=(n, v) in {*prod_roots, *dev_roots} if known else None,
                    dev=(True if (n, v) in dev else False if (n, v) in prod else None) if known else None)
            for (n, v), line in found]
