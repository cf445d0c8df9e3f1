"""SQLAlchemy engines and sessions: identity data and medical data live in separate databases.

Patient identity (names, SSN, contact details) and accounts are in the identity store; the
medical record (appointments, vitals, medications, diagnoses) is in the clinical store and
refers to patients only by id, so a leak of one store does not expose both halves.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import create_engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from app.config import settings


class IdentityBase(DeclarativeBase):
    pass


class ClinicalBase(DeclarativeBase):
    pass


settings.data_dir.mkdir(parents=True, exist_ok=True)
identity_engine = create_engine(settings.identity_database_url, connect_args={"check_same_thread": False})
clinical_engine = create_engine(settings.clinical_database_url, connect_args={"check_same_thread": False})
SessionLocal = sessionmaker(binds={IdentityBase: identity_engine, ClinicalBase: clinical_engine},
                            expire_on_commit=False)


def init_db() -> None:
    from app import models  # noqa: F401  (registers the tables)

    IdentityBase.metadata.create_all(identity_engine)
    ClinicalBase.metadata.create_all(clinical_engine)


def get_db() -> Iterator[Session]:
    with SessionLocal() as session:
        yield session
