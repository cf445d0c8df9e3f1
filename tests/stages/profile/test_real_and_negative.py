"""Profile on real third-party model files, non-health apps (false friends) and bad input."""

from __future__ import annotations

import json
from pathlib import Path

from pulsecheck.stages.profile import build_profile
from pulsecheck.stages.profile.colocation import colocation_findings

FIX = Path(__file__).resolve().parents[2] / "fixtures" / "profile" / "real"
EXPECTED = json.loads((FIX / "expected_real.json").read_text())


def _fields(facts: dict[str, object]) -> dict[str, dict[str, str]]:
    tables = facts["data_map"]["tables"]  # type: ignore[index]
    return {t["name"]: {f["name"]: f["kind"] for f in t["fields"]} for t in tables}


def _write(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, body in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(body, bytes):
            path.write_bytes(body)
        else:
            path.write_text(body)
    return root


def test_real_excerpts_close_to_hand_written_maps() -> None:
    tp = fp = fn = 0
    for spec in (EXPECTED["rapidsms_healthcare"], EXPECTED["flask_appbuilder_security"]):
        got = _fields(build_profile(FIX / spec["dir"]))
        want = {(t, f, k) for t, fields in spec["tables"].items() for f, k in fields.items()}
        have = {(t, f, k) for t, fields in got.items() if t in spec["tables"] for f, k in fields.items()}
        tp, fp, fn = tp + len(want & have), fp + len(have - want), fn + len(want - have)
    assert tp / (tp + fp) >= 0.9 and tp / (tp + fn) >= 0.9, (tp, fp, fn)


def test_flask_appbuilder_models_are_sqlalchemy_not_django() -> None:
    facts = build_profile(FIX / "flask_appbuilder")
    tables = {t["name"]: t for t in facts["data_map"]["tables"]}
    assert tables["ab_user"]["source"] == "sqlalchemy"
    assert tables["ab_user"]["store"] == tables["ab_register_user"]["store"]


SHOP = {
    "README.md": "# Shop\nAn online store. Running the server: `make run`. Offers have a condition.\n",
    "shop/models.py": '''
from django.db import models
from django import forms


class Store(models.Model):
    name = models.CharField(max_length=100)
    phone = models.CharField(max_length=20)
    address = models.TextField()


class Server(models.Model):
    hostname = models.CharField(max_length=100)
    address = models.GenericIPAddressField()


class Product(models.Model):
    name = models.CharField(max_length=100)
    photo = models.ImageField()
    serial_number = models.CharField(max_length=40)


class ConditionalOffer(models.Model):
    condition = models.ForeignKey("Condition", on_delete=models.CASCADE)
    value = models.DecimalField()


class Condition(models.Model):
    value = models.DecimalField()


class Note(models.Model):
    note = models.TextField()


class Customer(models.Model):
    first_name = models.CharField(max_length=100)
    email = models.EmailField()
    email_box_host = models.CharField(max_length=100)
    created_at = models.DateTimeField()

    class Meta(object):
        ordering = ["first_name"]


class ContactForm(forms.Form):
    email = forms.EmailField()
    telephone = forms.CharField()
''',
    "tests/models.py": "from django.db import models\n\nclass Patient(models.Model):\n"
                       "    diagnosis = models.TextField()\n    ssn = models.CharField()\n",
}


def test_shop_has_no_medical_data_or_colocation(tmp_path: Path) -> None:
    facts = build_profile(_write(tmp_path, SHOP))
    got = {t: f for t, f in _fields(facts).items() if f}
    assert got == {"shop_customer": {"first_name": "name", "email": "email"}}
    assert facts["app_kind"]["kind"] == "general"
    assert list(colocation_findings(facts["data_map"], facts["stack"])) == []
    assert facts["data_map"]["summary"]["test_example_files_skipped"] == 1


TRYTON = {
    "health/health.py": '''
from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import PoolMeta


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'
    dob = fields.Date('Date of Birth')
    ssn = fields.Char('SSN')


class PatientDisease(ModelSQL, ModelView):
    'Patient Conditions'
    __name__ = 'health.patient.disease'
    patient = fields.Many2One('health.patient', 'Patient')
    diagnosis = fields.Char('Diagnosis')
    lastname = fields.Function(fields.Char('Lastname'), 'get_lastname')


class HospitalBed(ModelSQL, ModelView):
    __name__ = 'health.hospital.bed'
    telephone_number = fields.Char('Telephone')
''',
    "health/extra.py": '''
from trytond.model import fields
from trytond.pool import PoolMeta


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'
    email = fields.Char('E-mail')
''',
}


def test_tryton_models_are_mapped_and_colocated(tmp_path: Path) -> None:
    facts = build_profile(_write(tmp_path, TRYTON))
    got = {t: f for t, f in _fields(facts).items() if f}
    assert got == {"party_party": {"dob": "birth_date", "ssn": "ssn", "email": "email"},
                   "health_patient_disease": {"diagnosis": "diagnosis"}}
    found = list(colocation_findings(facts["data_map"], facts["stack"]))
    assert len(found) == 1 and "party_party" in found[0].message


def test_django_model_with_installed_base_class(tmp_path: Path) -> None:
    files = {"trial/models/subject.py": '''
from django.db import models
from edc_model.models import BaseUuidModel
from django_crypto_fields.fields import FirstnameField, IdentityField


class RegisteredSubject(BaseUuidModel):
    first_name = FirstnameField(null=True)
    identity = IdentityField(null=True)
    dob = models.DateField(null=True)
'''}
    got = _fields(build_profile(_write(tmp_path, files)))
    assert got == {"trial_registeredsubject": {"first_name": "name", "identity": "ssn", "dob": "birth_date"}}


def test_bad_input_is_noted_not_fatal(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {
        "api/openapi.json": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4,
        "api/swagger.yaml": "openapi: 3.0.0\ncomponents: {schemas: [unclosed\n",
        "api/nested.json": '{"openapi": "3.0", "components": {"schemas": {"A": ' + "[" * 5000 + "]" * 5000 + "}}}",
        "db/schema.sql": "CREATE TABLE patients (ssn TEXT, " + "x INT, " * 10 + "\n",
        "db/huge.sql": "-- dump\n" + "INSERT INTO t VALUES (1);\n" * 5000,
        "src/entities.ts": "@Entity() export class Patient { @Column() ssn: string; @Column( diagnosis",
        "src/broken.py": "from django.db import models\nclass Patient(models.Model):\n    ssn = models.CharField(\n",
        "package.json": "{not json",
        "pyproject.toml": "[project\nname =",
        "prisma/schema.prisma": "model Patient {\n  ssn String\n  diagnosis String\n",
    }
    notes: list[str] = []
    facts = build_profile(_write(tmp_path, files), note=notes.append, max_bytes=50_000)
    joined = "\n".join(notes)
    assert "api/openapi.json: not read (binary)" in joined
    assert "db/huge.sql: not read (larger than 50000 bytes" in joined
    assert "src/broken.py:" in joined and "api/swagger.yaml" in joined and "package.json" in joined
    assert "pyproject.toml" in joined
    assert all("\n" not in n for n in notes)
    read = {(t["source"], t["name"], f["name"]) for t in facts["data_map"]["tables"] for f in t["fields"]}
    assert {("prisma", "Patient", "ssn"), ("sql", "patients", "ssn")} <= read  # what could be read was


def test_many_oversized_files_are_one_note(tmp_path: Path) -> None:
    """Hundreds of oversized bundles are one line naming the count and the first paths, not a
    note each (they printed before the summary)."""
    files: dict[str, str | bytes] = {f"web/build/bundle{i}.js": "var a = 1;\n" * 600 for i in range(40)}
    files["app/models.py"] = "from django.db import models\nclass Patient(models.Model):\n    ssn = models.CharField()\n"
    notes: list[str] = []
    facts = build_profile(_write(tmp_path, files), note=notes.append, max_bytes=5_000)
    skips = [n for n in notes if "not read" in n]
    assert len(skips) == 1, skips
    assert skips[0].startswith("40 model, schema or code files not read by the profile (40 larger than 5000 bytes)")
    assert "web/build/bundle" in skips[0]
    assert any(t["name"].endswith("patient") for t in facts["data_map"]["tables"])
