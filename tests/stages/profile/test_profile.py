"""Profile stage: data maps of fixture apps in 8 schema languages, stores, co-location, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pulsecheck import engine
from pulsecheck.cli import app
from pulsecheck.knowledge.vocabulary import classify
from pulsecheck.model import Targets
from pulsecheck.settings import Settings
from pulsecheck.stages.profile import build_profile
from pulsecheck.stages.profile.colocation import colocation_findings

FIX = Path(__file__).resolve().parents[2] / "fixtures" / "profile"
EXPECTED = json.loads((FIX / "expected_datamaps.json").read_text())
REPO = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("app_name", sorted(EXPECTED))
def test_data_map_matches_expected(app_name: str) -> None:
    facts = build_profile(FIX / app_name)
    got = {t["name"]: {f["name"]: f["kind"] for f in t["fields"]}
           for t in facts["data_map"]["tables"] if t["fields"]}
    assert got == EXPECTED[app_name]


@pytest.mark.parametrize(("field", "table", "kind"), [
    ("created_at", "patients", None), ("status", "diagnoses", None), ("date_of_birth", None, "birth_date"),
    ("name", "products", None), ("name", "medications", "medication"), ("email_verified", "users", None),
    ("patient_id", "observations", None), ("weight", "shipments", None), ("patientDOB", None, "birth_date"),
])
def test_false_friends(field: str, table: str | None, kind: str | None) -> None:
    cls = classify(field, table)
    assert (cls.kind if cls else None) == kind


def test_separate_stores_have_no_colocation() -> None:
    for app_name in ("django_app", "sqla_split"):
        facts = build_profile(FIX / app_name)
        assert list(colocation_findings(facts["data_map"], facts["stack"])) == []


def test_shared_store_is_a_colocation_finding() -> None:
    facts = build_profile(FIX / "sql_app")
    found = list(colocation_findings(facts["data_map"], facts["stack"]))
    assert [f.rule_id for f in found] == ["profile.identity-medical-colocated"]
    assert "subscribers" in found[0].message and "claims" in found[0].message


def test_malformed_models_are_noted_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "models.py").write_text("class Patient(Base):\n    __tablename__ = 'p'\n    ssn = Column(\n")
    (tmp_path / "schema.prisma").write_text("model X { ssn String \n")
    (tmp_path / "openapi.json").write_text('{"openapi": "3.0", "components": ')
    notes: list[str] = []
    facts = build_profile(tmp_path, note=notes.append)
    assert any("models.py" in n and "malformed" in n for n in notes)
    assert any("openapi.json" in n for n in notes)
    assert facts["data_map"]["tables"][0]["name"] == "X"


def test_demo_profile() -> None:
    demo = REPO / "examples" / "clinic"
    if not (demo / "app" / "models.py").is_file():
        pytest.skip("demo app not present")
    facts = build_profile(demo)
    names = {i["name"] for group in facts["stack"].values() if isinstance(group, list) for i in group if "name" in i}
    assert {"FastAPI", "SQLAlchemy", "SQLite", "Terraform", "Docker", "Kubernetes"} <= names
    assert facts["app_kind"]["kind"] == "patient_portal"  # its README: "patient portal"
    assert list(colocation_findings(facts["data_map"], facts["stack"]))


def test_engine_hands_facts_to_report() -> None:
    report = engine.run(Targets(path=str(FIX / "sql_app")), Settings(stages=("profile",)))
    assert set(report.profile) >= {"stack", "app_kind", "data_map"}
    json.dumps(report.profile)
    assert [f.rule_id for f in report.findings] == ["profile.identity-medical-colocated"]


def test_cli_profile_json() -> None:
    result = CliRunner().invoke(app, ["profile", str(FIX / "rails_app"), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["data_map"]["summary"]["identity_tables"] == ["patients"]
    text = CliRunner().invoke(app, ["profile", str(FIX / "rails_app")])
    assert "patients" in text.stdout
