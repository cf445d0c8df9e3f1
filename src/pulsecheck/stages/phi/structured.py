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


# Keys whose objects are people of the project, not of its data: package authors and maintainers.
_PROJECT_PEOPLE = {"author", "authors", "maintainer", "maintainers", "contributor", "contributors", "developers",
                   "developer", "owners", "funding", "publisher", "supplier", "manufacturer"}


def json_records(doc: Any) -> Iterator[dict[str, Any]]:
    """Objects of a JSON document (depth-first, bounded), FHIR Bundle entries unwrapped; the
    ``authors``/``maintainers`` blocks of manifests and SBOMs are not records."""
    stack, seen = [doc], 0
    while stack and seen < 1_000_000:
        node = stack.pop()
        seen += 1
        if isinstance(node, dict):
            yield node
            stack.extend(v for k, v in node.items() if isinstance(v, dict | list)
                         and not (isinstance(k, str) and k.lower() in _PROJECT_PEOPLE))
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


_PERSON_NAME = re.compile(r"[A-ZÀ-Þ][a-zß-ÿ'’-]+(?:[ -](?:[A-ZÀ-Þ][a-zß-ÿ'’.-]*|[a-z]{1,3}))*\.?")  # "Ann", "Jean de la Fontaine"
_NAME_PARTS = re.compile(r"[A-Za-zÀ-ÿ'’.-]+")
_UPPER_NAME = re.compile(r"[A-ZÀ-Þ][A-ZÀ-Þ'’-]+(?:[ -][A-ZÀ-Þ][A-ZÀ-Þ'’.-]*)*\.?")  # "JOHN SMITH" of an upper-case export
# Words of organisation names (insurers, payers, facilities, companies): a directory, not people.
_ORGANISATION = re.compile(r"(?i)\b(?:inc|llc|ltd|plc|corp|corporation|company|co|plans?|insurance|health|healthcare|"
                           r"benefits?|medicare|medicaid|mutual|services?|administrators?|association|assurance|"
                           r"hospital|clinic|center|centre|network|fund|pharmacy|laborator(?:y|ies)|partners|"
                           r"solutions|systems|hmo|ppo|tpa|epo|university|department|group|trust|federal|national|"
                           r"county|state|of|the|and|&)\b")
_SYNTH_SUFFIX = re.compile(r"\d{2,3}$")
_VALUE_SHAPES = {
    "birth_date": re.compile(r"(?:19|20)\d{2}-?\d{2}-?\d{2}(?:[T ][0-9:.+-]+Z?)?|\d{1,2}[/.-]\d{1,2}[/.-](?:\d{2}|\d{4})"),
    "email": re.compile(r"[^@\s]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}"),
    "phone": re.compile(r"\+?\(?[0-9][0-9 ().-]{5,18}[0-9]"),  # "(617) 253-0143" too
    "ssn": re.compile(r"\d{3}-?\d{2}-?\d{4}"),
    "mrn": re.compile(r"(?=(?:[^0-9]*[0-9]){3})[A-Za-z0-9][A-Za-z0-9-]{3,24}"),
    "health_plan_id": re.compile(r"(?=(?:[^0-9]*[0-9]){3})[A-Za-z0-9][A-Za-z0-9 -]{3,24}"),
    "license_number": re.compile(r"(?=(?:[^0-9]*[0-9]){4})[A-Za-z0-9][A-Za-z0-9-]{3,24}"),
    "address": re.compile(r"(?=.*[0-9])(?=.*[A-Za-z]{2}).{5,120}"),
    "postal_code": re.compile(r"\d{5}(?:-\d{4})?|[A-Z]\d[A-Z] ?\d[A-Z]\d|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}"),
    "payment_card": re.compile(r"[0-9][0-9 -]{11,22}[0-9]"),
    "bank_account": re.compile(r"[A-Z0-9][A-Z0-9 -]{5,33}"),
}
VALUE_KINDS = frozenset(_VALUE_SHAPES)
_DISTINGUISHING = set(_VALUE_SHAPES)  # what tells one person from another (a name alone does not)
_STRONG_ALONE = {"ssn", "payment_card", "bank_account"}


def _plausible(kind: str, value: Any) -> bool:
    """A value that can be a person's identifier of ``kind``: "Nom du patient", "{{dob}}" and
    ``true`` are UI strings and placeholders, not data."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return False
    text = str(value).strip()
    if not text or len(text) > 120 or "{" in text or "$" in text:
        return False
    if kind == "name":
        return person_name(text)
    shape = _VALUE_SHAPES.get(kind)
    return shape is not None and shape.fullmatch(text) is not None


def person_name(text: str) -> bool:
    """A value that can be a person's name (Synthea's digit suffix allowed): not an organisation's."""
    text = _SYNTH_SUFFIX.sub("", text.strip())
    return (_PERSON_NAME.fullmatch(text) is not None or _UPPER_NAME.fullmatch(text) is not None) \
        and len(_NAME_PARTS.findall(text)) <= 5 and _ORGANISATION.search(text) is None


def plausible(kind: str, value: str) -> bool:
    """Public form of the value check, for the CSV row count."""
    return _plausible(kind, value)


def json_phi(records: list[dict[str, Any]]) -> tuple[int, list[str]]:
    """Non-FHIR records that identify a person by their VALUES: (record count, PHI keys).

    Key names alone are what translation catalogues (``"PATIENT_NAME": "Nom du patient"``),
    clinical code lists (``{"name": "Bee venom", "allergyId": 3553}``) and schemas have too. A
    record counts when a distinguishing identifier (date of birth, SSN, MRN, phone, e-mail,
    address, plan id...) holds a plausible value and so does a name, a second distinguishing
    identifier, or medical data; an SSN, card or bank account number counts on its own."""
    count, keys = 0, set()
    for r in records:
        if "resourceType" in r:
            continue
        classes = classify_columns([k for k, v in r.items() if isinstance(k, str) and _populated(v)
                                    and not isinstance(v, dict | list | bool)])
        valued = {k: c for k, c in classes.items() if c.identity or c.kind in _DISTINGUISHING}
        valued = {k: c for k, c in valued.items() if _plausible(c.kind, r[k])}
        distinguishing = [c.kind for c in valued.values() if c.kind in _DISTINGUISHING]
        named = any(c.kind == "name" for c in valued.values())
        medical = any(c.category == "medical" for c in classes.values())
        if not distinguishing:
            continue
        if not (named or len(distinguishing) >= 2 or medical or _STRONG_ALONE & set(distinguishing)):
            continue
        count += 1
        keys |= {k for k, c in classes.items() if k in valued or c.category in ("medical", "financial")}
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


DEIDENTIFIED = "de-identified DICOM: PatientIdentityRemoved or DeidentificationMethod is set"
PSEUDONYM = "pseudonymised DICOM sample: a one-word patient name (a real one has family^given parts)"
_DEID_TAGS = ("PatientIdentityRemoved", "DeidentificationMethod", "DeidentificationMethodCodeSequence", "PatientName")


def dicom_anonymised(path: Path) -> str | None:
    """Why a DICOM's patient tags are not a person's, or None: the file declares itself
    de-identified (PS3.15 Annex E: ``PatientIdentityRemoved`` YES, a ``DeidentificationMethod``),
    or its PatientName is one word, neither ``Family^Given`` nor ``Family Given`` (sample sets
    such as OsiriX's "DIASTOLIX" carry such pseudonyms)."""
    try:
        import pydicom
        from pydicom.errors import InvalidDicomError
    except ImportError:  # pragma: no cover - pydicom is a dependency
        return None
    try:
        ds = pydicom.dcmread(str(path), stop_before_pixels=True, specific_tags=list(_DEID_TAGS))
    except (InvalidDicomError, OSError, ValueError, EOFError, KeyError, TypeError):
        return None
    removed = str(getattr(ds, "PatientIdentityRemoved", "") or "").strip().upper()
    if removed == "YES" or getattr(ds, "DeidentificationMethod", None) or \
            getattr(ds, "DeidentificationMethodCodeSequence", None):
        return DEIDENTIFIED
    name = str(getattr(ds, "PatientName", "") or "").strip().strip("^")
    if name and "^" not in name and " " not in name and "," not in name:
        return PSEUDONYM
    return None


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
