"""Chart summaries for clinicians, written by a hosted LLM."""

from __future__ import annotations

from typing import Any

import httpx

from app.config import settings
from app.models import Patient


def build_chart(patient: Patient, observations: list[Any], diagnoses: list[Any],
                medications: list[Any]) -> dict[str, Any]:
    return {
        "patient": {"name": f"{patient.given_name} {patient.family_name}",
                    "birth_date": patient.birth_date.isoformat(), "ssn": patient.ssn,
                    "mrn": patient.mrn, "address": patient.address},
        "observations": [f"{o.display}: {o.value} {o.unit}" for o in observations],
        "diagnoses": [f"{d.icd10_code} {d.description}" for d in diagnoses],
        "medications": [f"{m.name} {m.dosage}" for m in medications],
    }


def deidentify(chart: dict[str, Any]) -> dict[str, Any]:
    """Keep only the clinical content (HIPAA Safe Harbor): no name, date, SSN, MRN or address."""
    return {key: value for key, value in chart.items() if key != "patient"}


def summarize_chart(chart: dict[str, Any]) -> str:
    prompt = f"Summarize this patient chart for a busy clinician:\n{deidentify(chart)}"
    response = httpx.post(
        f"{settings.llm_base_url}/chat/completions",
        headers={"Authorization": f"Bearer {settings.llm_api_key}"},
        json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": prompt}]},
        timeout=5.0,
    )
    response.raise_for_status()
    return str(response.json()["choices"][0]["message"]["content"])
