"""False-positive classes measured on real health repositories (issue 11), each from a minimal
reproduction: catalogues and manifests are not exports, test and example data is reported low
and says so, glyphs and integer limits are not identifiers, while real exports stay high."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from pulsecheck import engine
from pulsecheck.model import Finding, Severity, Targets
from pulsecheck.settings import Settings
from pulsecheck.stages.phi import provenance, structured
from pulsecheck.stages.phi.detect import is_synthetic, scan

EXPORT = [{"first_name": "Ann", "last_name": "Lee", "dob": "1970-01-01", "phone": "(617) 253-0143"},
          {"first_name": "Bob", "last_name": "Ray", "dob": "1981-12-30", "phone": "(617) 253-0144"}]


def _run(root: Path, history: bool = False) -> list[Finding]:
    settings = Settings(stages=("phi",), stage_options={"phi": {"history": history}})
    report = engine.run(Targets(path=str(root)), settings)
    assert report.stages[0].status in ("completed", "partial"), report.stages[0].outcome
    return list(report.findings)


def _write(root: Path, rel: str, text: str) -> None:
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    (root / rel).write_text(text, encoding="utf-8")


def _medium_plus(found: list[Finding]) -> list[tuple[str, str]]:
    return sorted((f.rule_id, f.location.path) for f in found  # type: ignore[union-attr]
                  if f.severity >= Severity.MEDIUM)


def test_catalogues_manifests_and_code_lists_are_not_exports(tmp_path: Path) -> None:
    ui = {"PATIENT_NAME": "Nom du patient", "DOB": "Date de naissance", "EMAIL": "Courriel",
          "address": {"label": "Adresse", "placeholder": "12 rue de la Paix"}}
    _write(tmp_path, "ui/app/i18n/admin/locale_fr.json", json.dumps(ui))
    _write(tmp_path, "app/strings.json", json.dumps(ui))  # a catalogue by content, anywhere
    _write(tmp_path, "scripts/picks/allergies/bee.json", json.dumps({"name": "Bee venom", "allergyId": 3553}))
    _write(tmp_path, "scripts/picks/meds.json", json.dumps([{"name": "Aspirin", "code": "1191", "dose": "81 mg"}]))
    author = {"name": "Jon Rohan", "email": "jon.rohan@gmail.com", "url": "http://jonrohan.me"}
    _write(tmp_path, "lib/clip/bower.json", json.dumps({"name": "clip", "authors": [author]}))
    _write(tmp_path, "tools/meta.json", json.dumps({"name": "tool", "maintainers": [author], "contributors": [author]}))
    _write(tmp_path, "fhir.schema.json", json.dumps({"definitions": {"Patient": {"properties": {
        "name": {"type": "string"}, "birthDate": {"type": "string", "pattern": "[0-9]{4}-[0-9]{2}-[0-9]{2}"}}}}}))
    _write(tmp_path, "x.dist-info/sboms/x.cyclonedx.json", json.dumps({"components": [
        {"name": "Alice Smith", "email": "alice@gmail.com", "bom-ref": "pkg:cargo/x@1.0.0"}]}))
    _write(tmp_path, "exports/patients.json", json.dumps(EXPORT))
    found = _medium_plus(_run(tmp_path))
    assert {p for _, p in found} == {"exports/patients.json"} and ("phi.json-phi-fields", "exports/patients.json") in found


@pytest.mark.parametrize("record, phi", [
    ({"first_name": "Ann", "last_name": "Lee", "dob": "1970-01-01"}, True),
    ({"name": "Jean de la Fontaine", "email": "jean@gmail.com"}, True),
    ({"ssn": "123-45-6780"}, True),
    ({"name": "Patient's name", "birthDate": "Patient's date of birth"}, False),  # UI labels
    ({"name": "{{patient.name}}", "dob": "{{patient.dob}}"}, False),  # a template
    ({"name": "Bee venom", "allergyId": 3553}, False),  # a code list entry
    ({"uid": "P8E80F9AEF21F6940", "title": "Logs"}, False),  # a dashboard id is not an MRN with a person
])
def test_json_records_need_identifying_values(record: dict[str, object], phi: bool) -> None:
    assert (structured.json_phi([record])[0] == 1) is phi


def test_test_and_example_data_is_low_and_says_so(tmp_path: Path) -> None:
    person = "Patient John Smith DOB: 1980-02-03 SSN 123-45-6780\n"
    for rel in ("api/src/test/resources/PatientServiceTest-createPatient.xml", "ui/test/data/patient.txt",
                "apps/ehr/tests/component/Followup.test.tsx", "doc/samples/demographics.txt",
                "lib/extjs-4.2.1/examples/data/BigData.js", "web/scripts/dojo/src/regexp.js", "README.md",
                "federation/demo/people.json", "scripts/sample-legacy-data/jane_smith_test_mapping.txt"):
        _write(tmp_path, rel, person)
    real = {"logs/portal.log", "demo/clinic/logs/portal.log"}  # what an app wrote is real, even a demo app's
    for rel in real:
        _write(tmp_path, rel, person)
    found = _run(tmp_path)
    assert {p for _, p in _medium_plus(found)} == real
    low = [f for f in found if f.location.path not in real]  # type: ignore[union-attr]
    assert low and all(f.severity is Severity.LOW and "synthetic or test data" in f.message for f in low)


def test_history_applies_the_same_rules(tmp_path: Path) -> None:
    git = ["git", "-C", str(tmp_path), "-c", "user.email=t@t", "-c", "user.name=t"]
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    _write(tmp_path, "test/fixtures/people.txt", "Patient John Smith DOB: 1980-02-03\n")
    _write(tmp_path, "public/fonts/glyphs.svg", '<path d="M4532 0151 1283 0366 L 0 0"/>\n')
    _write(tmp_path, "dump.txt", "ssn: 123-45-6780\n")
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "a"], check=True)
    subprocess.run([*git, "rm", "-rq", "test", "public", "dump.txt"], check=True)
    subprocess.run([*git, "commit", "-qm", "b"], check=True)
    found = _run(tmp_path, history=True)
    assert _medium_plus(found) == [("phi.ssn-in-file", "dump.txt")]
    fixture = [f for f in found if f.location.path == "test/fixtures/people.txt"]  # type: ignore[union-attr]
    assert fixture and all(f.severity is Severity.LOW and "synthetic or test data" in f.message for f in fixture)
    assert not [f for f in found if f.location.path.endswith(".svg")]  # type: ignore[union-attr]


def test_glyphs_integer_limits_and_ember_keys_are_not_identifiers(tmp_path: Path) -> None:
    _write(tmp_path, "public/fonts/octicons.svg", '<glyph d="M4532 0151 1283 0366z"/>\n')
    assert _run(tmp_path) == []
    assert scan("#define INT_MAX 2147483647 /* phone */ tel 4294967295") == []
    assert scan("Ember.computed('items.@each.done') and foo.@each.bar") == []
    assert scan("fields: {name: 'John', 'DOB': '0000-00-00 00:00:00'}") == []  # a form default
    assert [h.kind for h in scan("fields: {name: 'John', 'DOB': '1980-02-03'}")] == ["dob_with_name"]


def test_library_data_dicom_and_fhir_examples() -> None:
    have = {"pydicom/__init__.py"}
    assert provenance.package_data_reason("pydicom/data/charset_files/chrArab.dcm", have.__contains__)
    assert provenance.package_data_reason("uploads/data/scan.dcm", have.__contains__) is None
    assert provenance.not_patient_reason("imaging/scan1.dcm", test=False) is None
    assert is_synthetic('"subject": {"reference": "Patient/example"}')
    assert is_synthetic("Generated patient Elroy493 Nikolaus26, born 1970-01-01")
    assert not is_synthetic("Patient John Smith, born 1970-01-01")


def _dicom(path: Path, name: str, **extra: str) -> None:
    pytest.importorskip("pydicom")
    from pydicom.dataset import FileDataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    path.parent.mkdir(parents=True, exist_ok=True)
    ds = FileDataset(str(path), {}, file_meta=meta, preamble=b"\0" * 128)
    ds.PatientName, ds.PatientID, ds.PatientBirthDate = name, "1168514", "19550625"
    for key, value in extra.items():
        setattr(ds, key, value)
    ds.save_as(str(path), enforce_file_format=True)


def test_de_identified_and_pseudonymised_dicoms_are_low_a_named_patient_stays_high(tmp_path: Path) -> None:
    """A sample scan set with a one-word pseudonym ("CARDIX") or a file declaring itself
    de-identified (PatientIdentityRemoved) is not a person's scan; Family^Given is."""
    _dicom(tmp_path / "data/studies/1/IM-1.dcm", "CARDIX")
    _dicom(tmp_path / "data/studies/2/IM-1.dcm", "Lee^Ann", PatientIdentityRemoved="YES")
    _dicom(tmp_path / "data/studies/3/IM-1.dcm", "Lee^Ann")
    found = {f.location.path: f for f in _run(tmp_path) if f.rule_id == "phi.dicom-patient-tags"}  # type: ignore[union-attr]
    assert found["data/studies/1/IM-1.dcm"].severity == Severity.LOW
    assert "pseudonymised" in found["data/studies/1/IM-1.dcm"].message
    assert found["data/studies/2/IM-1.dcm"].severity == Severity.LOW
    assert "de-identified" in found["data/studies/2/IM-1.dcm"].message
    assert found["data/studies/3/IM-1.dcm"].severity >= Severity.HIGH


def test_a_record_in_any_markdown_page_is_an_example(tmp_path: Path) -> None:
    """A FHIR example in a guide (``TEMPLATING.md``) is documentation; the same record in a data
    file stays high."""
    record = '{"resourceType": "Patient", "name": [{"family": "Lee", "given": ["Ann"]}], "birthDate": "1970-01-01"}'
    _write(tmp_path, "TEMPLATING.md", f"# Templates\n\nThe output:\n\n```json\n{record}\n```\n")
    _write(tmp_path, "data/patient.json", record)
    found = _run(tmp_path)
    doc = [f for f in found if f.location.path == "TEMPLATING.md"]  # type: ignore[union-attr]
    assert doc and all(f.severity == Severity.LOW and "example or documentation" in f.message for f in doc)
    assert any(f.location.path == "data/patient.json" and f.severity >= Severity.HIGH  # type: ignore[union-attr]
               for f in found)


def test_cr_only_line_endings_count_lines(tmp_path: Path) -> None:
    """A classic-Mac export (bare CR line ends) is read line by line: the findings name its lines."""
    rows = ["name\tnote"] + [f"Ann Lee\tcall (617) 253-01{40 + i} or ann{i}@mail.org" for i in range(5)]
    (tmp_path / "contacts.txt").write_bytes("\r".join(rows).encode() + b"\r")
    found = [f for f in _run(tmp_path) if f.location.path == "contacts.txt"]  # type: ignore[union-attr]
    assert found
    for f in found:
        assert f.location.line == 2, f.message  # type: ignore[union-attr]
        assert "lines 2, 3, 4" in f.message


def test_many_minified_bundles_are_one_note(tmp_path: Path) -> None:
    """Forty minified bundles skipped for the same reason are one note with the count, not forty
    lines printed before the summary; a lone skipped file still gets its own note."""
    line = "var a=" + "1+" * 3000 + "1;"
    for i in range(40):
        _write(tmp_path, f"web/dist/chunk{i}.js", line * 3)
    _write(tmp_path, "fonts/icons.svg", "<svg><path d='M 4111 1111 1111 1111'/></svg>\n")
    settings = Settings(stages=("phi",), stage_options={"phi": {"history": False}})
    report = engine.run(Targets(path=str(tmp_path)), settings)
    notes = [n for n in report.stages[0].outcome.notes if "not scanned for PHI" in n]  # type: ignore[union-attr]
    assert len(notes) == 2, notes
    assert any(n.startswith("40 files: minified or generated code") for n in notes)
    assert any(n.startswith("fonts/icons.svg: vector graphics") for n in notes)
