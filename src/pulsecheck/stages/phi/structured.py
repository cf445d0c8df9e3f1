"""Exports recognised by their structure: CSV headers, JSON records, FHIR Patients, HL7 PID, DICOM.

Each returns ``(kind, line, count, details, synthetic)`` tuples; details are column names or
identifier kinds, never values.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pulsecheck.knowledge.vocabulary import FieldClass, vocabulary

Result = tuple[str, int, int, list[str], bool]
_STRONG = {"ssn", "mrn", "health_plan_id", "birth_date", "license_number", "payment_card", "bank_account"}
_SYNTH_NAME = re.compile(r"[^\W\d_]\d{2,3}$")
_PID = re.compile(r"(?:^|[\r\n])PID\|([^\r\n]*)")
_DICOM_TAGS = ("PatientName", "PatientID", "PatientBirthDate", "PatientAddress", "OtherPatientIDs",
               "PatientTelephoneNumbers", "MedicalRecordLocator")
_ANON = {"", "anonymous", "anon", "removed", "redacted", "^", "none", "unknown", "xxx"}


def classify_columns(names: list[str]) -> dict[str, FieldClass]:
    """Header name -> class, with person context (a bare ``name`` in an export is a person)."""
    vocab = vocabulary()
    return {n: c for n in names if (c := vocab.classify(n.strip(), "patients")) is not None}


def phi_columns(classes: dict[str, FieldClass]) -> list[str]:
    """Columns that make the export PHI: >=2 direct identifiers, or one plus medical, or a strong one."""
    identity = [n for n, c in classes.items() if c.identity]
    medical = [n for n, c in classes.items() if c.category == "medical"]
    strong = [n for n, c in classes.items() if c.kind in _STRONG]
    if len(identity) >= 2 or (identity and medical) or strong:
        return [n for n, c in classes.items() if c.identity or c.category in ("medical", "financial")
                or c.kind in _STRONG]
    return []


def synthetic_name(value: str) -> bool:
    return bool(_SYNTH_NAME.search(value.strip()))


def json_records(doc: Any) -> Iterator[dict[str, Any]]:
    """Objects of a JSON document (depth-first, bounded), FHIR Bundle entries unwrapped."""
    stack, seen = [doc], 0
    while stack and seen < 1_000_000:
        node = stack.pop()
        seen += 1
        if isinstance(node, dict):
            yield node
            stack.extend(v for v in node.values() if isinstance(v, dict | list))
        elif isinstance(node, list):
            stack.extend(v for v in node if isinstance(v, dict | list))


def _populated(value: Any) -> bool:
    return value not in (None, "", [], {})


def fhir_patients(records: list[dict[str, Any]]) -> tuple[int, list[str], bool]:
    """Count Patient resources with identifying content; kinds of identifiers present."""
    count, kinds, synthetic = 0, set(), False
    for r in records:
        if r.get("resourceType") not in ("Patient", "RelatedPerson", "Person"):
            continue
        present = {k for k in ("identifier", "name", "birthDate", "telecom", "address") if _populated(r.get(k))}
        if not present or present == {"name"} and not _populated(r.get("identifier")):
            continue
        count += 1
        kinds |= present
        for ident in r.get("identifier") or []:
            if isinstance(ident, dict):
                system = str(ident.get("system", ""))
                synthetic |= "synthea" in system or "example.org" in system or "example.com" in system
                code = json.dumps(ident.get("type", {}))
                for label, marker in (("ssn", "us-ssn"), ("mrn", '"MR"'), ("drivers_license", '"DL"'),
                                      ("passport", '"PPN"')):
                    if marker in system or marker in code:
                        kinds.add(label)
        for name in r.get("name") or []:
            if isinstance(name, dict):
                parts = [name.get("family", "")] + list(name.get("given") or [])
                synthetic |= any(isinstance(p, str) and synthetic_name(p) for p in parts)
        synthetic |= "synthea" in json.dumps(r.get("meta", {})) or "synthea" in json.dumps(r.get("extension", []))
    return count, sorted(kinds), synthetic


def json_phi(records: list[dict[str, Any]]) -> tuple[int, list[str]]:
    """Non-FHIR records whose populated keys make PHI: (record count, PHI keys)."""
    count, keys = 0, set()
    for r in records:
        if "resourceType" in r:
            continue
        classes = classify_columns([k for k, v in r.items() if isinstance(k, str) and _populated(v)
                                    and not isinstance(v, dict | list | bool)])
        cols = phi_columns(classes)
        if cols:
            count += 1
            keys |= set(cols)
    return count, sorted(keys)


def hl7_pids(text: str) -> tuple[int, int | None, list[str]]:
    """PID segments with a patient identifier (PID-3 or PID-19) and a name (PID-5)."""
    count, first, kinds = 0, None, set()
    for m in _PID.finditer(text):
        fields = m.group(1).split("|")

        def f(n: int, fields: list[str] = fields) -> str:
            return fields[n - 1].strip() if len(fields) >= n else ""

        if (f(3).strip("^") or f(19)) and f(5).strip("^"):
            count += 1
            first = first or text.count("\n", 0, m.start()) + 1 + (m.group(0)[0] in "\r\n")
            kinds |= {k for k, n in (("patient_id", 3), ("name", 5), ("birth_date", 7), ("address", 11),
                                     ("phone", 13), ("ssn", 19)) if f(n).strip("^")}
    return count, first, sorted(kinds)


def dicom_patient(path: Path) -> list[str] | None:
    """Populated patient tags of a DICOM file (``None`` if it is not DICOM)."""
    try:
        import pydicom
        from pydicom.errors import InvalidDicomError
    except ImportError:  # pragma: no cover - pydicom is a dependency
        return None
    try:
        ds = pydicom.dcmread(str(path), stop_before_pixels=True, specific_tags=list(_DICOM_TAGS))
    except (InvalidDicomError, OSError, ValueError, EOFError, KeyError, TypeError):
        return None
    present = []
    for tag in _DICOM_TAGS:
        value = str(getattr(ds, tag, "") or "").strip()
        if value.lower() not in _ANON:
            present.append(tag)
    return present
