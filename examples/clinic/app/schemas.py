"""Request and response bodies of the JSON API."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel


class Login(BaseModel):
    email: str
    password: str


class PatientIn(BaseModel):
    given_name: str
    family_name: str
    birth_date: date
    ssn: str
    address: str
    phone: str
    email: str


class PatientOut(PatientIn):
    id: int
    mrn: str

    model_config = {"from_attributes": True}


class Me(BaseModel):
    id: int
    email: str
    display_name: str
    phone: str | None
    role: str

    model_config = {"from_attributes": True}
