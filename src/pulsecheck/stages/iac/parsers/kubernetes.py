"""Kubernetes manifests (multi-document YAML, Kustomize or Helm output the user rendered) and
docker-compose files as resources: one per object, one per compose service."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pulsecheck.stages.iac.locate import attribute_lines
from pulsecheck.stages.iac.model import Resource
from pulsecheck.stages.iac.parsers.yamldocs import doc_ranges

SNIFF = re.compile(r"^apiVersion\s*:", re.M)
COMPOSE_NAME = re.compile(r"^(?:docker-)?compose(?:[.-][\w.-]+)?\.ya?ml$", re.I)


def manifests(path: str, docs: list[Any], text: str) -> list[Resource]:
    lines = text.splitlines()
    ranges = doc_ranges(lines)
    out = []
    for index, doc in enumerate(docs):
        if not isinstance(doc, Mapping) or not isinstance(doc.get("kind"), str):
            continue
        start, end = ranges[index] if index < len(ranges) else (0, len(lines))
        while start < end and (not lines[start].strip() or lines[start].startswith(("---", "#"))):
            start += 1
        raw = doc.get("metadata")
        meta: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
        name = str(meta.get("name", f"#{index}"))
        namespace = str(meta.get("namespace", "default"))
        out.append(Resource(type=f"k8s:{doc['kind']}", address=f"{doc['kind']}/{namespace}/{name}", path=path,
                            line=start + 1, end_line=end, attrs=dict(doc), format="kubernetes",
                            lines=attribute_lines(lines, start, end, doc, "yaml")))
    return out


def compose(path: str, doc: Any, text: str) -> list[Resource]:
    if not isinstance(doc, Mapping) or not isinstance(doc.get("services"), Mapping):
        return []
    lines = text.splitlines()
    found = attribute_lines(lines, 0, len(lines), {"services": doc["services"]}, "yaml")
    out = []
    for name, body in doc["services"].items():
        if not isinstance(body, Mapping):
            continue
        prefix = f"services.{name}."
        lines_of = {k.removeprefix(prefix): v for k, v in found.items() if k.startswith(prefix)}
        line = found.get(f"services.{name}", 1)
        out.append(Resource(type="compose:service", address=f"services.{name}", path=path, line=line,
                            attrs=dict(body), format="compose", lines=lines_of))
    return out
