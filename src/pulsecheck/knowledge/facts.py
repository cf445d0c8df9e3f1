"""Profile facts, typed: the stack, the kind of health app (with its evidence) and the data map.

The profile stage produces one :class:`ProfileFacts`; the engine hands it to later stages.
``to_json()`` is exactly the report's ``profile`` section (``stack``, ``app_kind``,
``data_map``) and ``from_json()`` reads it back, so a stage that still gets the dict can ask
``ProfileFacts.from_json(ctx.profile)`` its questions.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from pulsecheck.knowledge.datamap import DataMap

APP_KINDS = ("ehr", "practice_management", "telemedicine", "patient_portal", "wellness", "research", "general")
"""The typology: what kind of health app, which decides which risks the report stresses."""


@dataclass(frozen=True, slots=True)
class AppKind:
    kind: str
    """One of :data:`APP_KINDS`."""
    label: str
    scores: Mapping[str, float] = field(default_factory=dict, compare=False)
    evidence: tuple[str, ...] = ()
    """Which files, words and tables made the call, one line each."""

    @property
    def health(self) -> bool:
        return self.kind != "general"

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "label": self.label, "scores": dict(self.scores), "evidence": list(self.evidence)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> AppKind:
        data = data or {}
        return cls(str(data.get("kind", "general")), str(data.get("label", "General (no health signal)")),
                   MappingProxyType({str(k): float(v) for k, v in (data.get("scores") or {}).items()}),
                   tuple(str(e) for e in data.get("evidence", ())))


@dataclass(frozen=True, slots=True)
class ProfileFacts:
    stack_json: str = "{}"
    """The stack (languages, frameworks, ORMs, datastores...) as canonical JSON: see :attr:`stack`."""
    app_kind: AppKind = field(default_factory=lambda: AppKind("general", "General (no health signal)"))
    data_map: DataMap = field(default_factory=DataMap)

    @classmethod
    def of(cls, stack: Mapping[str, Any], app_kind: AppKind, data_map: DataMap) -> ProfileFacts:
        return cls(json.dumps(stack, sort_keys=False), app_kind, data_map)

    @property
    def stack(self) -> dict[str, Any]:
        """A fresh copy of the stack facts (groups of ``{id, name, evidence}``, ``languages``...)."""
        data: dict[str, Any] = json.loads(self.stack_json)
        return data

    def uses(self, detector_id: str) -> bool:
        """Whether the stack has ``detector_id`` (``django``, ``hibernate``, ``postgresql``...)."""
        return any(isinstance(items, list) and any(isinstance(i, dict) and i.get("id") == detector_id for i in items)
                   for items in self.stack.values())

    def to_json(self) -> dict[str, Any]:
        return {"stack": self.stack, "app_kind": self.app_kind.to_json(), "data_map": self.data_map.to_json()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> ProfileFacts:
        """Read the report's ``profile`` section (or ``ctx.profile``); empty when profile did not run."""
        data = data or {}
        return cls(json.dumps(data.get("stack") or {}), AppKind.from_json(data.get("app_kind")),
                   DataMap.from_json(data.get("data_map")))
