"""The base every stage's ``Options`` model derives from, and the trust markers of its fields.

A stage declares its ``[stages.<name>]`` table as a frozen pydantic model. The configuration
loader validates it once, before anything is scanned, so a typo or a wrong type stops the audit
with one line naming the file and the key. Fields are marked by what they can do, because a
scanned repository's own config file is not trusted (see ``docs/ARCHITECTURE.md``):

* ``user_only``: the option reaches the network, writes files, raises resource use or points at a
  database. It is accepted from flags, the environment and the user's own config file, never
  from the scanned repository's ``pulsecheck.toml``.
* ``narrows``: the option reduces coverage (an allowlist, an exclude). It is applied wherever it
  comes from, and the report lists it with its source and how many findings it hid.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

TRUST_KEY = "pulsecheck_trust"
USER_ONLY = "user-only"
NARROWS = "narrows"


class StageOptions(BaseModel):
    """Frozen, unknown keys forbidden, no silent type coercion (``workers = "many"`` is an error)."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


def user_only(default: Any = None, description: str = "", **kwargs: Any) -> Any:
    """A field the scanned repository's config may not set (network, writes, resources, databases)."""
    return Field(default, description=description, json_schema_extra={TRUST_KEY: USER_ONLY}, **kwargs)


def narrows(default: Any = None, description: str = "", **kwargs: Any) -> Any:
    """A field that reduces coverage; applied, and reported with its source and what it hid."""
    return Field(default, description=description, json_schema_extra={TRUST_KEY: NARROWS}, **kwargs)


def field_trust(model: type[BaseModel], name: str) -> str | None:
    """The trust marker of one field of an options model (None: harmless)."""
    info = model.model_fields.get(name)
    extra = info.json_schema_extra if info is not None else None
    if isinstance(extra, dict):
        value = extra.get(TRUST_KEY)
        return str(value) if value is not None else None
    return None
