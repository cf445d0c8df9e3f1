"""What a field name means: classify a column, property or CSV header as personal or medical data.

Shared knowledge, not one stage's internals: the profile data map, the phi stage's CSV/JSON
header checks, and the coming sast (PHI into logs and LLM prompts) and iac stages all ask it,
so they agree on what "a PHI column" is. The vocabulary is data (``data/vocabulary.yaml``); this module only
tokenises names and applies it, with care for false friends: ``created_at`` is a timestamp of
the row, not a date of birth, and ``status`` is not a diagnosis.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

_SPLIT = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_LOCATION_IDENTIFIERS = frozenset({"address", "postal_code", "city", "geo"})
_DATE_WORDS = frozenset({"at", "date", "on", "time", "timestamp", "datetime", "ts", "dt"})
_DATE_SYNONYMS = frozenset({"datetime", "time", "timestamp", "dt", "ts"})
"""Spellings of a final ``date``: ``encounter_datetime`` and ``admission_time`` are the dates of
service that ``encounter date`` and ``admission date`` name."""
_BOOL_TYPES = frozenset({"bool", "boolean", "booleanfield", "bit"})
_RELATION_TYPES = frozenset({"foreignkey", "onetoonefield", "manytomanyfield", "many2one", "one2one", "reference"})


@dataclass(frozen=True, slots=True)
class FieldClass:
    """What a field holds: ``kind`` (``ssn``, ``diagnosis``...) within a ``category``."""

    kind: str
    category: str
    identity: bool
    """A direct identifier of a person (name, SSN, email...): what co-location is about."""
    weak: bool = False
    """Matched by a word that is medical only in a health app (``condition``, ``temperature``,
    a ``notes`` table): kept in the data map only when the app has strong medical fields."""
    basis: str = "phrase"
    """``phrase`` (the field's own name), ``person_table`` (``name`` in ``patients``) or
    ``medical_table`` (``code`` in ``medications``): context-derived classes need corroboration."""

    @property
    def hipaa_identifier(self) -> bool:
        return self.category == "identifier" or self.kind in _LOCATION_IDENTIFIERS

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "category": self.category, "identity": self.identity,
                "hipaa_identifier": self.hipaa_identifier}


def tokens(name: str) -> list[str]:
    """``patientDOB`` -> ``[patient, dob]``; ``date_of_birth`` -> ``[date, of, birth]``."""
    return [t.lower() for t in _SPLIT.findall(name)]


class Vocabulary:
    """The compiled vocabulary: phrase -> class, plus the context lists."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.ignore = frozenset(data.get("ignore_tokens", []))
        self.weak_phrases = frozenset(tuple(tokens(str(p))) for p in data.get("weak_phrases", []))
        self.weak_table_kinds = frozenset(data.get("weak_table_kinds", []))
        self.weak_person_tables = frozenset(data.get("weak_person_tables", []))
        self.place_tables = frozenset(data.get("place_tables", []))
        self.place_suppressed = frozenset(data.get("place_suppressed_kinds", []))
        self.modifiers = frozenset(data.get("modifier_tokens", []))
        self.false_friend_dates = frozenset(data.get("false_friend_dates", []))
        self.person_tables = frozenset(data.get("person_tables", []))
        self.medical_table_fields = frozenset(data.get("medical_table_fields", []))
        self.table_kinds: dict[str, str] = dict(data.get("table_kinds", {}))
        self.free_text = frozenset(data.get("free_text_tokens", []))
        self.context_phrases = frozenset(tuple(tokens(str(p))) for p in data.get("context_phrases", []))
        self.coarse_location = frozenset(data.get("coarse_location_tokens", []))
        self.network_address = frozenset(data.get("network_address_tokens", []))
        self.repeat_prefixes = frozenset(data.get("repeat_prefixes", []))
        self.phrases: dict[tuple[str, ...], FieldClass] = {}
        self.person_fields: dict[tuple[str, ...], FieldClass] = {}
        self.by_kind: dict[str, FieldClass] = {}
        for entry in data.get("fields", []):
            cls = FieldClass(str(entry["kind"]), str(entry["category"]), bool(entry.get("identity")))
            self.by_kind.setdefault(cls.kind, cls)
            for phrase in entry.get("phrases", []):
                key = self._key(str(phrase))
                self.phrases.setdefault(key, replace(cls, weak=True) if key in self.weak_phrases else cls)
            for phrase in entry.get("table", []):
                self.person_fields.setdefault(self._key(str(phrase)), replace(cls, basis="person_table"))
        self.longest = max((len(k) for k in self.phrases), default=1)

    def _key(self, text: str) -> tuple[str, ...]:
        return tuple(t for t in tokens(text) if t not in self.ignore)

    def _phrase_match(self, toks: Sequence[str]) -> FieldClass | None:
        return self._phrase_key(toks)[0]

    def _phrase_key(self, toks: Sequence[str]) -> tuple[FieldClass | None, tuple[str, ...]]:
        """The class of the longest, rightmost known phrase in ``toks`` and that phrase."""
        for size in range(min(self.longest, len(toks)), 0, -1):
            for start in range(len(toks) - size, -1, -1):  # rightmost first: the head noun
                key = tuple(toks[start:start + size])
                cls = self.phrases.get(key)
                if cls is None:
                    continue
                rest = [*toks[:start], *toks[start + size:]]
                if any(t in self.modifiers for t in rest):
                    return None, key
                return cls, key
        return None, ()

    def table_class(self, table: str | None) -> FieldClass | None:
        """A table whose own name says what it holds (``medications``, ``lab_results``)."""
        if not table:
            return None
        toks = self._key(table)
        for tok in reversed(toks):
            if tok in self.table_kinds:
                cls = self.by_kind.get(self.table_kinds[tok])
                if cls is not None:
                    return replace(cls, weak=cls.weak or tok in self.weak_table_kinds, basis="medical_table")
                return None
        cls = self._phrase_match(toks)
        return replace(cls, basis="medical_table") if cls is not None and cls.category == "medical" else None

    def is_person_table(self, table: str | None) -> bool:
        return bool(table) and any(t in self.person_tables for t in self._key(table or ""))

    def is_strong_person_table(self, table: str | None) -> bool:
        """A table that certainly holds people (``patients``), not maybe (``providers``, ``clients``)."""
        return bool(table) and any(t in self.person_tables and t not in self.weak_person_tables
                                   for t in self._key(table or ""))

    def is_place_table(self, table: str | None) -> bool:
        """A table of places or organisations (``stores``, ``clinics``, ``servers``): their phone,
        address and e-mail are contact details of a business, not identifiers of a person."""
        toks = self._key(table or "")
        return bool(toks) and toks[-1] in self.place_tables and not self.is_person_table(table)

    def classify(self, field: str, table: str | None = None, type_hint: str | None = None) -> FieldClass | None:
        """Classify one field of ``table``; ``None`` when it holds no personal/medical data."""
        if type_hint and type_hint.lower().rsplit(".", 1)[-1].strip("()[]?") in _BOOL_TYPES:
            return None
        toks = self._key(field)
        if not toks or (toks[0] in ("is", "has") and len(toks) > 1):
            return None
        if len(toks) > 1 and toks[0] in self.repeat_prefixes:
            toks = toks[1:]  # confirm_email holds an e-mail address too
        if any(t in self.false_friend_dates for t in toks) and any(t in _DATE_WORDS for t in toks):
            return None
        if len(toks) == 2 and toks[1] == "id" and toks[0] in self.person_tables and not self.is_person_table(table):
            return None  # a foreign key to a person row, not an identifier value
        cls, key = self._phrase_key(toks)
        if cls is None and not key and len(toks) > 1 and toks[-1] in _DATE_SYNONYMS:
            cls, key = self._phrase_key([*toks[:-1], "date"])
            if not key or key[-1] != "date":
                cls, key = None, ()
        if cls is not None:
            if cls.kind in self.place_suppressed and self.is_place_table(table):
                return None
            if cls.category == "location" and any(t in self.coarse_location for t in toks):
                return None
            if cls.kind == "address" and any(t in self.network_address for t in toks):
                return None
            if key in self.context_phrases:
                table_cls = self.table_class(table)
                if table_cls is not None and not table_cls.weak:
                    return replace(table_cls, weak=cls.weak, basis=cls.basis)
            return cls
        relation = bool(type_hint) and (type_hint or "").lower().rsplit(".", 1)[-1] in _RELATION_TYPES
        if self.is_person_table(table) and not relation:
            person = self.person_fields.get(tuple(toks))
            if person is not None:
                return person
        table_cls = self.table_class(table)
        if table_cls is not None and all(t in self.medical_table_fields for t in toks):
            note = self.by_kind.get("clinical_note")
            if note is not None and any(t in self.free_text for t in toks):
                return replace(note, weak=table_cls.weak, basis="medical_table")
            return table_cls
        return None


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    text = resources.files(__package__).joinpath("data/vocabulary.yaml").read_text(encoding="utf-8")
    return Vocabulary(yaml.safe_load(text))


def classify(field: str, table: str | None = None, type_hint: str | None = None) -> FieldClass | None:
    return vocabulary().classify(field, table, type_hint)
