"""False alarms seen on a real Django hospital system (hand-checked), each class from a minimal
reproduction, with its true twin still reported: logging a record's key is not a disclosure,
a row looked up by a request value is stored data, a middleware's address is not where a person
lives."""

from __future__ import annotations

from pathlib import Path

from pulsecheck import engine
from pulsecheck.knowledge import classify
from pulsecheck.model import FileLocation, Targets
from pulsecheck.settings import Settings

from .conftest import engine_hits

MODELS = '''from django.db import models


class PatientRegistration(models.Model):
    name = models.CharField(max_length=200)
    date_of_birth = models.DateField()
    external_id = models.UUIDField()


class PatientConsultation(models.Model):
    patient = models.ForeignKey(PatientRegistration, on_delete=models.CASCADE)
    diagnosis = models.TextField()
    external_id = models.UUIDField()


class Facility(models.Model):
    middleware_address = models.CharField(max_length=200)
    external_id = models.UUIDField()
'''


def _write(root: Path, code: str) -> Path:
    (root / "models.py").write_text(MODELS, encoding="utf-8")
    (root / "views.py").write_text(code, encoding="utf-8")
    return root


def _rules(root: Path) -> set[tuple[str, int | None]]:
    hits, _ = engine_hits(root)
    return {(h.rule.id, h.line) for h in hits}


def test_logging_a_records_key_is_not_phi_but_its_diagnosis_is(tmp_path: Path) -> None:
    root = _write(tmp_path, '''import logging

from models import PatientConsultation

logger = logging.getLogger(__name__)


def summary(cid):
    consultation = PatientConsultation.objects.get(external_id=cid)
    logger.info("summary for %s", consultation.external_id)
    logger.info("class %s", consultation.__class__.__name__)
    logger.info("diagnosis %s", consultation.diagnosis)
''')
    report = engine.run(Targets(path=str(root)), Settings(stages=("profile", "sast")))
    lines = {f.location.line for f in report.findings if f.rule_id == "sast.phi-to-log"
             and isinstance(f.location, FileLocation) and f.location.path == "views.py"}
    assert 12 in lines and not lines & {10, 11}


def test_a_row_found_by_a_request_header_is_stored_data_not_request_input(tmp_path: Path) -> None:
    root = _write(tmp_path, '''import requests
from django.http import JsonResponse

from models import Facility


def keys(request):
    facility = Facility.objects.get(external_id=request.headers["X-Facility-Id"])
    stored = requests.get(f"https://{facility.middleware_address}/jwks", timeout=5)
    direct = requests.get(request.headers["X-Callback"], timeout=5)
    return JsonResponse({"a": stored.status_code, "b": direct.status_code})
''')
    ssrf = {line for rule, line in _rules(root) if rule == "sast.python-ssrf"}
    assert ssrf == {10}


def test_network_addresses_are_not_postal_addresses() -> None:
    for name in ("middleware_address", "server_address", "ip_address"):
        fc = classify(name)
        assert fc is None or fc.kind != "address", name
    for name in ("address", "home_address", "billing_address"):
        fc = classify(name)
        assert fc is not None and fc.kind == "address", name
