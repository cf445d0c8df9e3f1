"""Synthetic demo data (Synthea-style names, reserved 9xx SSNs) loaded into an empty database."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select

from app.config import settings
from app.database import SessionLocal
from app.models import Appointment, Diagnosis, Medication, Observation, Patient, User
from app.security import hash_password

CLINICIANS = [("dr.okafor@northwind.example", "Dr. Ngozi Okafor"),
              ("dr.lindqvist@northwind.example", "Dr. Erik Lindqvist")]

PATIENTS = [
    # given, family, birth date, ssn, clinician index
    ("Amina831", "Haddad412", date(1961, 3, 14), "900-14-2231", 0),
    ("Lucas207", "Moreau95", date(1988, 11, 2), "900-52-7718", 0),
    ("Priya660", "Raman318", date(1975, 6, 27), "900-33-4409", 1),
    ("Tomasz54", "Nowak771", date(2002, 1, 9), "900-71-0065", 1),
]

VITALS = [("8480-6", "Systolic blood pressure", 142.0, "mm[Hg]"), ("8867-4", "Heart rate", 78.0, "/min"),
          ("4548-4", "Hemoglobin A1c", 7.4, "%")]


def seed() -> None:
    with SessionLocal() as db:
        if db.scalar(select(func.count()).select_from(User)):
            return
        clinicians = [User(email=email, display_name=name, role="clinician",
                           password_hash=hash_password(settings.demo_password)) for email, name in CLINICIANS]
        db.add_all(clinicians)
        db.flush()
        for n, (given, family, born, ssn, owner) in enumerate(PATIENTS, start=1):
            patient = Patient(mrn=f"NW{100000 + n}", given_name=given, family_name=family, birth_date=born,
                              ssn=ssn, address=f"{n * 11} Harbor Street, Springfield",
                              phone=f"555-01{n:02d}", email=f"{given.lower()}@example.org",
                              primary_clinician_id=clinicians[owner].id)
            db.add(patient)
            db.flush()
            db.add(Appointment(patient_id=patient.id, clinician_id=clinicians[owner].id,
                               starts_at=datetime(2025, 3, n, 9, 30), reason="Follow-up"))
            db.add_all(Observation(patient_id=patient.id, loinc_code=code, display=label, value=value,
                                   unit=unit, effective_at=datetime(2025, 2, n, 8, 0))
                       for code, label, value, unit in VITALS)
            db.add(Medication(patient_id=patient.id, name="Metformin", dosage="500 mg twice daily",
                              prescribed_on=date(2024, 9, n)))
            db.add(Diagnosis(patient_id=patient.id, icd10_code="E11.9",
                             description="Type 2 diabetes mellitus without complications",
                             recorded_on=date(2024, 9, n)))
            if n == 1:
                db.add(User(email=f"{given.lower()}@example.org", display_name=f"{given} {family}",
                            role="patient", patient_id=patient.id,
                            password_hash=hash_password(settings.demo_password)))
        db.commit()
