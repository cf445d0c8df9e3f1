"""Serverless Framework ``serverless.yml``: the ``provider`` block and each function become
resources (``serverless:provider``, ``serverless:function``); the CloudFormation under
``resources.Resources`` is read by the CloudFormation parser, so the AWS checks judge it too.

``${ssm:...}``, ``${env:...}`` and other Serverless variables stay strings; the checks treat a
value starting with ``${`` as a reference, never a literal secret.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pulsecheck.stages.iac.locate import attribute_lines
from pulsecheck.stages.iac.model import Resource
from pulsecheck.stages.iac.parsers import cloudformation

NAME = re.compile(r"^serverless(?:[.-][\w.-]+)?\.ya?ml$", re.I)


def _sub(found: Mapping[str, int], prefix: str) -> dict[str, int]:
    return {k.removeprefix(prefix): v for k, v in found.items() if k.startswith(prefix)}


def resources(path: str, doc: Any, text: str) -> list[Resource]:
    """The provider, the functions and the CloudFormation resources of one serverless.yml."""
    if not isinstance(doc, Mapping) or not isinstance(doc.get("provider"), Mapping | str):
        return []
    lines = text.splitlines()
    provider = doc["provider"] if isinstance(doc["provider"], Mapping) else {"name": doc["provider"]}
    raw = doc.get("functions")
    functions: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    found = attribute_lines(lines, 0, len(lines), {"provider": provider, "functions": functions}, "yaml")
    out = [Resource(type="serverless:provider", address="provider", path=path, line=found.get("provider", 1),
                    attrs=dict(provider), format="serverless", lines=_sub(found, "provider."))]
    for name, body in functions.items():
        if isinstance(body, Mapping):
            out.append(Resource(type="serverless:function", address=f"functions.{name}", path=path,
                                line=found.get(f"functions.{name}", 1), attrs=dict(body), format="serverless",
                                lines=_sub(found, f"functions.{name}.")))
    extra = doc.get("resources")
    if isinstance(extra, Mapping):
        out.extend(cloudformation.resources(path, extra, text))
    return out
