"""JSON API of the portal: login, profile, patients and their charts."""

from __future__ import annotations

import logging
from typing import Any

import httpx
from fastapi import APIRouter, Depends, HTTPException, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import llm
from app.database import get_db
from app.models import Appointment, Diagnosis, Medication, Observation, Patient, User
from app.schemas import Login, Me, PatientIn, PatientOut, ProfileUpdate
from app.security import create_token, current_user, verify_password

logger = logging.getLogger("clinic.api")
router = APIRouter(prefix="/api")


def get_patient_or_404(db: Session, user: User, patient_id: int) -> Patient:
    patient = db.get(Patient, patient_id)
    if patient is None or not can_read(user, patient):
        raise HTTPException(status_code=404, detail="patient not found")
    return patient


def can_read(user: User, patient: Patient) -> bool:
    """Object-level authorization: own record, own panel of patients, or an administrator."""
    if user.role == "admin":
        return True
    if user.role == "clinician":
        return patient.primary_clinician_id == user.id
    return user.patient_id == patient.id


def visible_patients(user: User) -> Any:
    if user.role == "admin":
        return select(Patient)
    if user.role == "clinician":
        return select(Patient).where(Patient.primary_clinician_id == user.id)
    return select(Patient).where(Patient.id == user.patient_id)


@router.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.post("/auth/login")
def login(body: Login, response: Response, db: Session = Depends(get_db)) -> dict[str, str]:
    user = db.scalar(select(User).where(User.email == body.email))
    if user is None or not verify_password(body.password, user.password_hash):
        raise HTTPException(status_code=401, detail="wrong email or password")
    token = create_token(user)
    response.set_cookie("session", token, max_age=1800, secure=True, httponly=True, samesite="strict")
    return {"access_token": token, "token_type": "bearer"}


@router.get("/me", response_model=Me)
def read_me(user: User = Depends(current_user)) -> User:
    return user


@router.patch("/me", response_model=Me)
def update_me(changes: ProfileUpdate, user: User = Depends(current_user),
              db: Session = Depends(get_db)) -> User:
    for field, value in changes.model_dump(exclude_unset=True).items():
        setattr(user, field, value)
    db.commit()
    return user


@router.get("/patients", response_model=list[PatientOut])
def list_patients(user: User = Depends(current_user), db: Session = Depends(get_db)) -> list[Patient]:
    return list(db.scalars(visible_patients(user).order_by(Patient.id)))


@router.get("/patients/search")
def search_patients(q: str, user: User = Depends(current_user),
                    db: Session = Depends(get_db)) -> list[dict[str, Any]]:
    query = visible_patients(user).where(Patient.family_name.like(f"%{q}%")).order_by(Patient.family_name)
    return [{"id": p.id, "mrn": p.mrn, "given_name": p.given_name, "family_name": p.family_name,
             "birth_date": p.birth_date} for p in db.scalars(query)]


@router.post("/patients", response_model=PatientOut, status_code=201)
def create_patient(body: PatientIn, user: User = Depends(current_user),
                   db: Session = Depends(get_db)) -> Patient:
    count = db.scalar(select(func.count()).select_from(Patient)) or 0
    patient = Patient(mrn=f"NW{100000 + count + 1}", primary_clinician_id=user.id, **body.model_dump())
    db.add(patient)
    db.commit()
    logger.info("registered patient id=%s", patient.id)
    return patient


@router.get("/patients/{patient_id}", response_model=PatientOut)
def read_patient(patient_id: int, user: User = Depends(current_user),
                 db: Session = Depends(get_db)) -> Patient:
    return get_patient_or_404(db, user, patient_id)


@router.get("/patients/{patient_id}/chart")
def read_chart(patient_id: int, user: User = Depends(current_user),
               db: Session = Depends(get_db)) -> dict[str, Any]:
    patient = get_patient_or_404(db, user, patient_id)
    return {
        "appointments": [{"starts_at": a.starts_at.isoformat(), "reason": a.reason}
                         for a in db.scalars(select(Appointment).where(Appointment.patient_id == patient.id))],
        **_chart(db, patient),
    }


def _chart(db: Session, patient: Patient) -> dict[str, Any]:
    def rows(model: Any) -> list[Any]:
        return list(db.scalars(select(model).where(model.patient_id == patient.id)))

    return llm.build_chart(patient, rows(Observation), rows(Diagnosis), rows(Medication))


@router.post("/patients/{patient_id}/summary")
def summarize(patient_id: int, user: User = Depends(current_user),
              db: Session = Depends(get_db)) -> dict[str, str]:
    patient = get_patient_or_404(db, user, patient_id)
    try:
        return {"summary": llm.summarize_chart(_chart(db, patient))}
    except httpx.HTTPError:
        raise HTTPException(status_code=502, detail="summary service unavailable") from None
