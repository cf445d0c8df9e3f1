"""CloudFormation and SAM templates (YAML with short intrinsic tags, or JSON) as resources.

Property names become snake_case (``StorageEncrypted`` -> ``storage_encrypted``) so the checks
written for Terraform's names read CloudFormation too. ``!Ref`` to a parameter takes its
``Default``; ``!Ref``/``!GetAtt`` to a resource is a :class:`Ref`; other intrinsics
(``!Sub`` with variables, ``!If``, ``!ImportValue``...) are :class:`Unresolved`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pulsecheck.stages.iac.locate import attribute_lines
from pulsecheck.stages.iac.model import Ref, Resource, Unresolved

MAX_DEPTH = 64
_SPLIT1 = re.compile(r"([A-Z]+)([A-Z][a-z])")
_SPLIT2 = re.compile(r"([a-z0-9])([A-Z])")
_PASCAL = re.compile(r"^[A-Z][A-Za-z0-9]*$")
SNIFF = re.compile(r"AWSTemplateFormatVersion|[\"']?Type[\"']?\s*:\s*[\"']?AWS::")


def snake(key: str) -> str:
    """``MultiAZ`` -> ``multi_az``, ``SSESpecification`` -> ``sse_specification``; keys that are
    not PascalCase (``OPENAI_API_KEY``, ``rds.force_ssl``) stay as written."""
    if not _PASCAL.match(key) or key.isupper():
        return key
    return _SPLIT2.sub(r"\1_\2", _SPLIT1.sub(r"\1_\2", key)).lower()


def _snake_paths(lines: Mapping[str, int]) -> dict[str, int]:
    return {".".join(snake(p) for p in path.split(".")): line for path, line in lines.items()}


class _Resolver:
    def __init__(self, template: Mapping[str, Any]) -> None:
        params = template.get("Parameters")
        self.params = params if isinstance(params, Mapping) else {}
        resources = template.get("Resources")
        self.resources = resources if isinstance(resources, Mapping) else {}

    def value(self, value: Any, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            return Unresolved("nested too deep")
        if isinstance(value, Mapping):
            if len(value) == 1:
                (key, arg), = value.items()
                if key == "Ref":
                    return self._ref(arg)
                if key == "Fn::GetAtt":
                    parts = arg if isinstance(arg, list) else str(arg).split(".", 1)
                    return Ref(str(parts[0]), str(parts[1]) if len(parts) > 1 else "")
                if key == "Fn::Sub" and isinstance(arg, str) and "${" not in arg:
                    return arg
                if isinstance(key, str) and key.startswith("Fn::"):
                    return Unresolved(key)
            return {snake(str(k)): self.value(v, depth + 1) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v, depth + 1) for v in value]
        return value

    def _ref(self, name: Any) -> Any:
        name = str(name)
        if name in self.resources:
            return Ref(name)
        param = self.params.get(name)
        if isinstance(param, Mapping) and "Default" in param:
            return param["Default"]
        return Unresolved(f"Ref {name}")


def _resource_lines(lines: list[str]) -> dict[str, tuple[int, int]]:
    """Logical id -> (0-based line, end) of each resource under ``Resources``."""
    out: dict[str, tuple[int, int]] = {}
    top = next((i for i, ln in enumerate(lines) if re.match(r'^\s*"?Resources"?\s*:', ln)), None)
    if top is None:
        return out
    indent: int | None = None
    starts: list[tuple[str, int]] = []
    for i in range(top + 1, len(lines)):
        line = lines[i]
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        width = len(line) - len(line.lstrip())
        if indent is None:
            indent = width
        if width < indent:
            break
        if width == indent:
            m = re.match(r'^\s*"?([A-Za-z0-9]+)"?\s*:', line)
            if m:
                starts.append((m.group(1), i))
    for n, (name, i) in enumerate(starts):
        out[name] = (i, starts[n + 1][1] if n + 1 < len(starts) else len(lines))
    return out


def resources(path: str, template: Any, text: str) -> list[Resource]:
    """The template's resources (an empty list for a document that is not a template)."""
    if not isinstance(template, Mapping) or not isinstance(template.get("Resources"), Mapping):
        return []
    resolver = _Resolver(template)
    lines = text.splitlines()
    where = _resource_lines(lines)
    out = []
    for logical, body in template["Resources"].items():
        if not isinstance(body, Mapping) or not isinstance(body.get("Type"), str):
            continue
        props = body.get("Properties") if isinstance(body.get("Properties"), Mapping) else {}
        start, end = where.get(str(logical), (0, len(lines)))
        found = attribute_lines(lines, start, end, {"Properties": props}, "yaml")
        attr_lines = _snake_paths({k.removeprefix("Properties."): v for k, v in found.items()
                                   if k.startswith("Properties.")})
        attrs = resolver.value(props)
        out.append(Resource(type=body["Type"], address=str(logical), path=path, line=start + 1, end_line=end,
                            attrs=attrs if isinstance(attrs, dict) else {}, format="cloudformation",
                            lines=attr_lines, many=False))
    return out
