"""Terraform plan JSON (``terraform show -json plan.out``): the exact values Terraform computed,
modules included, so nothing there needs resolving (``after_unknown`` values are unknown until
apply and stay missing). Lines: the ``"address"`` line when the JSON is pretty-printed."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from pulsecheck.stages.iac.model import Resource

SNIFF = re.compile(r'"planned_values"\s*:')
MAX_MODULES = 10_000


def _modules(root: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    stack = [root]
    seen = 0
    while stack and seen < MAX_MODULES:
        module = stack.pop()
        seen += 1
        yield module
        children = module.get("child_modules")
        if isinstance(children, list):
            stack.extend(c for c in reversed(children) if isinstance(c, Mapping))


def resources(path: str, plan: Any, text: str) -> list[Resource]:
    if not isinstance(plan, Mapping) or not isinstance(plan.get("planned_values"), Mapping):
        return []
    root = plan["planned_values"].get("root_module")
    if not isinstance(root, Mapping):
        return []
    where: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        m = re.match(r'^\s*"address"\s*:\s*"([^"]+)"', line)
        if m:
            where.setdefault(m.group(1), number)
    out = []
    for module in _modules(root):
        for res in module.get("resources") or ():
            if not isinstance(res, Mapping) or res.get("mode", "managed") != "managed":
                continue
            raw = res.get("values")
            values: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
            address = str(res.get("address", f"{res.get('type')}.{res.get('name')}"))
            base = re.sub(r"\[[^\]]*\]$", "", address)
            out.append(Resource(type=str(res.get("type", "")), address=address, path=path,
                                line=where.get(address, 1), attrs=dict(values), format="plan",
                                many=base != address, module=str(module.get("address", ""))))
    return out
