"""Reading resolved values the way the cloud would: ``"true"`` is true, ``"5"`` is 5."""

from __future__ import annotations

import json
from typing import Any

from pulsecheck.stages.iac.model import MISSING, Ref, Unresolved

SECRET_SHOWN = "<redacted>"


def is_unknown(value: Any) -> bool:
    return isinstance(value, Unresolved)


def truth(value: Any) -> bool | None:
    """True/False for booleans and their spellings, None when it is not a boolean."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false", "yes", "no", "on", "off"):
        return value.lower() in ("true", "yes", "on")
    if isinstance(value, int):
        return value != 0
    return None


def number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def render(value: Any) -> str:
    """A short HCL-like spelling for evidence (``false``, ``"public-read"``, ``["0.0.0.0/0"]``)."""
    if value is MISSING:
        return "not set"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Unresolved | Ref):
        return f"${{{value}}}" if isinstance(value, Ref) else str(value)
    if isinstance(value, str):
        return json.dumps(value[:80])
    if isinstance(value, list):
        inner = ", ".join(render(v) for v in value[:4])
        return f"[{inner}{', ...' if len(value) > 4 else ''}]"
    if isinstance(value, dict):
        return "{...}"
    return str(value)


def shown(attr: str, value: Any) -> str:
    return f"{attr} not set" if value is MISSING else f"{attr} = {render(value)}"


def listify(value: Any) -> list[Any]:
    if value is MISSING or value is None:
        return []
    return value if isinstance(value, list) else [value]
