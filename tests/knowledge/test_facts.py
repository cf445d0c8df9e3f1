"""The typed profile facts other stages ask: lookups tolerant of case and spelling, and a JSON
form identical to the report's ``profile`` section."""

from __future__ import annotations

import json
from pathlib import Path

from pulsecheck import engine
from pulsecheck.knowledge import DataMap, ProfileFacts, name_key, vocabulary
from pulsecheck.model import Targets
from pulsecheck.settings import Settings
from pulsecheck.stages.profile import build_profile

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "profile"


def test_json_round_trip_is_exact() -> None:
    for app in ("django_app", "sql_app", "prisma_app", "jpa_app"):
        facts = build_profile(FIX / app)
        typed = ProfileFacts.from_json(facts)
        assert typed.to_json() == facts
        assert json.loads(json.dumps(typed.to_json())) == facts


def test_questions_other_stages_ask() -> None:
    dm = ProfileFacts.from_json(build_profile(FIX / "sql_app")).data_map
    assert [s.id for s in dm.stores()] == [s.id for s in dm.stores(kind="database")]
    store = dm.stores()[0].id
    assert {t.name for t in dm.tables(store)} == set(dm.stores()[0].tables)
    table = next(t for t in dm.tables() if t.identity)
    field = next(f for f in table.fields if f.identity)
    # case and snake/camel tolerant, schema prefix ignored
    camel = "".join(w.capitalize() for w in field.name.lower().split("_"))
    for tname, cname in ((table.name, field.name), (table.name.upper(), camel), (f"public.{table.name}", field.name.upper())):
        assert dm.is_personal(tname, cname)
        assert dm.is_identifying(tname, cname)
        assert dm.field(tname, cname) == field
    medical = next(t for t in dm.tables() if t.medical)
    med_field = next(f for f in medical.fields if f.medical)
    assert dm.is_medical(medical.name, med_field.name)
    assert not dm.is_medical(table.name, "no_such_column")
    assert not dm.is_personal("no_such_table", field.name)
    assert dm.fields(medical.name) == medical.fields
    assert name_key(med_field.name) in dm.personal_columns()


def test_empty_profile_and_vocabulary_for_unknown_names() -> None:
    facts = ProfileFacts.from_json({})
    assert facts.app_kind.kind == "general" and facts.data_map.tables() == ()
    assert DataMap().to_json()["summary"]["tables"] == 0
    cls = vocabulary().classify("patientDOB")
    assert cls is not None and cls.kind == "birth_date"


def test_later_stages_can_read_the_report_profile() -> None:
    report = engine.run(Targets(path=str(FIX / "rails_app")), Settings(stages=("profile",)))
    facts = ProfileFacts.from_json(report.profile)
    assert facts.data_map.table("Patients") is not None
    assert facts.uses("activerecord")
