"""PHI stage: validators, planted identifiers, decoys, exports, DICOM, history, bad input."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from pulsecheck import engine
from pulsecheck.model import Finding, Severity, Targets
from pulsecheck.settings import Settings
from pulsecheck.stages.phi import validators as v
from pulsecheck.stages.phi.detect import scan

PLANTED = """Patient John Smith DOB: 1980-02-03 SSN 123-45-6780 phone (617) 253-0143 email john.smith@gmail.com
card 4532 0151 1283 0366 IBAN GB82 WEST 1234 5698 7654 32 MBI 1EG4-TE5-MK73
NPI: 1234567893  DEA: AB1234563  NHS number 943 476 5919  MRN: 00123456  Diagnosis: E11.9 for Mary Jones
OHIP 1234567897
"""
DECOYS = """order ORD-2024-000123 ISBN 978-3-16-148410-0 SKU AB1234563 version 1.2.3 2024-01-15T10:30:45Z
uuid 123e4567-e89b-12d3-a456-426614174000 id 987654329 ref 123456789 tracking 1Z999AA10123456784
Use test card 4242 4242 4242 4242 or 4111-1111-1111-1111 in the Stripe sandbox. code 999-12-3456 build 20240115103045
"""


def kinds(text: str) -> set[str]:
    return {h.kind for h in scan(text)}


def test_validators() -> None:
    assert v.ssn("123456780") and not v.ssn("999123456") and not v.ssn("666123456") and not v.ssn("123006789")
    assert v.npi("1234567893") and not v.npi("1234567890")
    assert v.dea("AB1234563") and not v.dea("AB1234564")
    assert v.nhs("9434765919") and not v.nhs("9434765918")
    assert v.iban("GB82WEST12345698765432") and not v.iban("GB82WEST12345698765433")
    assert v.payment_card("4532015112830366") and not v.payment_card("4532015112830367")
    assert v.mbi("1EG4TE5MK73") and not v.mbi("1SG4TE5MK73")


def test_planted_kinds_found() -> None:
    assert kinds(PLANTED) == {"ssn", "phone", "email", "payment_card", "iban", "medicare_mbi", "npi", "dea",
                              "nhs_number", "mrn", "icd10_with_name", "dob_with_name", "ca_health_card"}


def test_decoys_quiet() -> None:
    assert kinds(DECOYS) == set()


def _run(root: Path, history: bool = False) -> list[Finding]:
    settings = Settings(stages=("phi",), stage_options={"phi": {"history": history}})
    report = engine.run(Targets(path=str(root)), settings)
    assert report.stages[0].status in ("completed", "partial"), report.stages[0].outcome
    return list(report.findings)


def test_synthea_corpus_listed_as_synthetic(shared_dir: Path, tmp_path: Path) -> None:
    shutil.copytree(shared_dir / "corpora" / "synthea", tmp_path / "synthea")
    found = _run(tmp_path)
    fhir = [f for f in found if f.rule_id == "phi.fhir-patient-export"]
    assert len(fhir) == 6 and all(f.properties["synthetic"] and f.severity is Severity.LOW for f in fhir)
    csv_f = [f for f in found if f.rule_id == "phi.csv-phi-columns"]
    assert len(csv_f) == 1 and csv_f[0].properties["count"] == 6
    assert not [f for f in found if f.rule_id == "phi.ssn-in-file"]  # 999-xx SSNs fail issuance rules
    for f in found:
        assert "999-88-8619" not in f.message + f.evidence + str(f.properties)


def test_files_exports_hl7_dicom_and_bad_input(tmp_path: Path) -> None:
    (tmp_path / "app.log").write_text("x\n" * 5 + PLANTED)
    (tmp_path / "adt.hl7").write_text("MSH|^~\\&|EPIC|H|||202401011200||ADT^A01|1|P|2.5\r"
                                      "PID|1||MRN12345^^^H^MR||Doe^Jane||19800101|F|||1 Main St^^Boston^MA||6172530143|||||123456780\r")
    (tmp_path / "export.json").write_text('[{"first_name": "Ann", "last_name": "Lee", "dob": "1970-01-01"}]')
    (tmp_path / "fake.json").write_bytes(b"{\"a\": \"\xff\xfe\xfa binary\"}" * 10)
    (tmp_path / "nul.json").write_bytes(b"{\x00\x01\x02}")
    pydicom = pytest.importorskip("pydicom")
    from pydicom.dataset import FileDataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(str(tmp_path / "scan.dcm"), {}, file_meta=meta, preamble=b"\0" * 128)
    ds.PatientName, ds.PatientID, ds.PatientBirthDate = "Doe^Jane", "MRN12345", "19800101"
    ds.save_as(str(tmp_path / "scan.dcm"), enforce_file_format=True)
    assert pydicom.dcmread(str(tmp_path / "scan.dcm")).PatientID == "MRN12345"
    found = _run(tmp_path)
    rules = {(f.rule_id, f.location.path) for f in found}  # type: ignore[union-attr]
    assert ("phi.ssn-in-file", "app.log") in rules and ("phi.hl7-pid-segment", "adt.hl7") in rules
    assert ("phi.json-phi-fields", "export.json") in rules and ("phi.dicom-patient-tags", "scan.dcm") in rules
    ssn = next(f for f in found if f.rule_id == "phi.ssn-in-file" and f.location.path == "app.log")  # type: ignore[union-attr]
    assert ssn.location.line == 6  # type: ignore[union-attr]
    assert "123-45-6780" not in ssn.message + ssn.evidence + str(ssn.properties)


def test_large_csv_streams(tmp_path: Path) -> None:
    """A CSV far larger than one read chunk: rows counted, line numbers right, nothing held."""
    path = tmp_path / "patients.csv"
    with path.open("w") as fh:
        fh.write("first_name,last_name,birth_date,ssn,zip\n")
        for i in range(200_000):
            fh.write(f"Ann,Lee,1970-01-01,{'123-45-6780' if i == 150_000 else ''},02139\n")
    found = _run(tmp_path)
    csv_f = next(f for f in found if f.rule_id == "phi.csv-phi-columns")
    assert csv_f.properties["count"] == 200_000
    ssn = next(f for f in found if f.rule_id == "phi.ssn-in-file")
    assert ssn.location.line == 150_002  # type: ignore[union-attr]


def test_history_finds_deleted_file(tmp_path: Path) -> None:
    git = ["git", "-c", "user.email=t@t", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "dump.txt").write_text("ok\nssn: 123-45-6780\n")
    subprocess.run([*git, "-C", str(tmp_path), "add", "."], check=True)
    subprocess.run([*git, "-C", str(tmp_path), "commit", "-qm", "a"], check=True)
    subprocess.run([*git, "-C", str(tmp_path), "rm", "-q", "dump.txt"], check=True)
    subprocess.run([*git, "-C", str(tmp_path), "commit", "-qm", "b"], check=True)
    found = _run(tmp_path, history=True)
    hist = [f for f in found if f.rule_id == "phi.ssn-in-file"]
    assert len(hist) == 1 and hist[0].location.commit and hist[0].location.line == 2  # type: ignore[union-attr]
