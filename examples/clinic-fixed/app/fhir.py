"""A read-only FHIR R4 facade (Patient, Observation) for partner EHR integrations."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.api import get_patient_or_404
from app.database import get_db
from app.models import Observation, Patient, User
from app.security import current_user

router = APIRouter(prefix="/fhir")


def patient_resource(p: Patient) -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "id": str(p.id),
        "identifier": [{"system": "urn:northwind:mrn", "value": p.mrn},
                       {"system": "http://hl7.org/fhir/sid/us-ssn", "value": p.ssn}],
        "name": [{"family": p.family_name, "given": [p.given_name]}],
        "birthDate": p.birth_date.isoformat(),
        "telecom": [{"system": "phone", "value": p.phone}, {"system": "email", "value": p.email}],
        "address": [{"text": p.address}],
    }


def observation_resource(o: Observation) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": str(o.id),
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": o.loinc_code, "display": o.display}]},
        "subject": {"reference": f"Patient/{o.patient_id}"},
        "effectiveDateTime": o.effective_at.isoformat(),
        "valueQuantity": {"value": o.value, "unit": o.unit},
    }


@router.get("/Patient/{patient_id}")
def read_patient(patient_id: int, user: User = Depends(current_user),
                 db: Session = Depends(get_db)) -> dict[str, Any]:
    return patient_resource(get_patient_or_404(db, user, patient_id))


@router.get("/Observation")
def search_observations(patient: int, user: User = Depends(current_user),
                        db: Session = Depends(get_db)) -> dict[str, Any]:
    subject = get_patient_or_404(db, user, patient)
    found = db.scalars(select(Observation).where(Observation.patient_id == subject.id))
    entries = [{"resource": observation_resource(o)} for o in found]
    return {"resourceType": "Bundle", "type": "searchset", "total": len(entries), "entry": entries}
