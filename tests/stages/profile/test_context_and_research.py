"""Table-context classification, research-study identifiers, re-exported model mixins and the
research app kind (issue 6 follow-up)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pulsecheck.knowledge.vocabulary import classify
from pulsecheck.stages.profile import build_profile


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, body in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body)
    return root


def _fields(facts: dict[str, object]) -> dict[str, dict[str, str]]:
    tables = facts["data_map"]["tables"]  # type: ignore[index]
    return {t["name"]: {f["name"]: f["kind"] for f in t["fields"]} for t in tables}


@pytest.mark.parametrize(("field", "table", "kind"), [
    ("dose", "vaccination", "immunization"),          # the vaccine's dose, not a drug's
    ("next_dose_date", "vaccination", "immunization"),
    ("dose", "prescription", "medication"),
    ("pathology", "patient_disease", "diagnosis"),    # the disease itself
    ("pathology", "specimen", "lab_result"),          # a lab's pathology report
    ("extra_info", "patient_disease", "clinical_note"),
    ("observations", "vaccination", "clinical_note"),
    ("route", "patient_medication", "medication"),
    ("route", "bus_stop", None),
    ("indication", "patient_medication", "diagnosis"),
    ("screening_identifier", "subject_screening", "mrn"),
    ("participant_id", "participant", "mrn"),
    ("participant_id", "visit", None),                # a foreign key to the participant row
    ("randomization_number", None, "mrn"),
    ("sid", "registered_subject", "mrn"),
    ("sid", "session", None),
    ("screening_age_in_years", "subject_screening", "age"),
    ("guardian_name", None, "name"),
    ("confirm_email", "users", "email"),
    ("birth_certificate", "person", "license_number"),
    ("address_country", "patient", None),             # state level and above: no identifier
    ("address_subdivision", "patient", None),
    ("address_street", "patient", "address"),
])
def test_context_aware_classification(field: str, table: str | None, kind: str | None) -> None:
    cls = classify(field, table)
    assert (cls.kind if cls else None) == kind


MIXINS = {
    "pkg/__init__.py": "",
    "pkg/field_mixins/__init__.py": "from .personal import PersonalFieldsMixin\nfrom .ids import IdentityMixin\n",
    "pkg/field_mixins/personal.py": (
        "from django.db import models\n\n\nclass PersonalFieldsMixin(models.Model):\n"
        "    first_name = models.CharField(max_length=50)\n    dob = models.DateField()\n"
        "    class Meta:\n        abstract = True\n"),
    "pkg/field_mixins/ids.py": (
        "from django.db import models\n\n\nclass IdentityMixin(models.Model):\n"
        "    identity = models.CharField(max_length=20)\n    confirm_identity = models.CharField(max_length=20)\n"
        "    class Meta:\n        abstract = True\n"),
}


def _study_app(root: Path, id_field: str) -> Path:
    return _write(root, {**MIXINS, "README.md": "Tool for the study team and the patient.\n",
                         "studyapp/models.py": (
        "from django.db import models\nfrom pkg.field_mixins import IdentityMixin, PersonalFieldsMixin\n\n\n"
        "class SubjectConsent(PersonalFieldsMixin, IdentityMixin, models.Model):\n"
        f"    {id_field} = models.CharField(max_length=30)\n"
        "    consent_datetime = models.DateTimeField()\n")})


def test_mixin_fields_reexported_by_a_package_are_mapped(tmp_path: Path) -> None:
    got = _fields(build_profile(_study_app(tmp_path, "screening_identifier")))
    assert got["studyapp_subjectconsent"] == {"first_name": "name", "dob": "birth_date", "identity": "ssn",
                                              "confirm_identity": "ssn", "screening_identifier": "mrn"}


def test_study_identifiers_make_a_research_app(tmp_path: Path) -> None:
    research = build_profile(_study_app(tmp_path / "a", "screening_identifier"))["app_kind"]
    assert research["kind"] == "research"
    assert any("study_id" in line for line in research["evidence"])
    # the same app keyed by a hospital record number keeps clinical records
    clinical = build_profile(_study_app(tmp_path / "b", "medical_record_number"))["app_kind"]
    assert clinical["kind"] == "ehr"
