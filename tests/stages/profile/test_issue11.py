"""Issue 11 regressions, each from a minimal reproduction: the slow JPA entity, ``x.init({...})``
in plain JavaScript, Hibernate XML, Laravel migrations and SQL in PHP, one SQL database split
into a store per directory, and the app-kind typology with its evidence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pulsecheck.stages.profile import build_profile
from pulsecheck.stages.profile.datamap.jpa import parse_jpa

FIX = Path(__file__).resolve().parents[2] / "fixtures" / "profile" / "issue11"


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def _tables(facts: dict[str, object]) -> dict[str, dict[str, object]]:
    return {t["name"]: t for t in facts["data_map"]["tables"]}  # type: ignore[index]


def _fields(facts: dict[str, object], table: str) -> dict[str, str]:
    return {f["name"]: f["kind"] for f in _tables(facts)[table]["fields"]}  # type: ignore[index]


def test_entity_ending_in_a_long_method_is_read() -> None:
    """3.7 KB: fields, then a long method as the last member. The old field regex took 178 s on
    it (cubic backtracking over the blanked method body); the statement reader is linear."""
    path = FIX / "slow_jpa" / "src" / "main" / "java" / "org" / "acme" / "clinic" / "VisitNote.java"
    tables = parse_jpa("VisitNote.java", path.read_text())
    assert [(t.name, [c.name for c in t.columns]) for t in tables] == [("visit_note", ["reason"])]
    assert "visit_note" in _tables(build_profile(FIX / "slow_jpa"))


def test_jpa_fields_keep_types_and_skip_methods_comments_and_relations() -> None:
    text = """@Entity
@Table(name = "patient", schema = "ehr")
public class Patient {
    // private String commentedOut;
    /** @param x the x to set */
    @Column(name = "given_name", columnDefinition = "varchar(50)")
    private String givenName;
    @OneToMany(mappedBy = "patient")
    private Set<Visit> visits;
    private static final long serialVersionUID = 1L;
    private java.util.Map<String, List<Integer>> scores = new HashMap<>();
    public String getGivenName() { return givenName; }
    @Transient private String display;
    protected Date birthdate;
}
"""
    (table,) = parse_jpa("Patient.java", text)
    assert (table.name, table.schema) == ("patient", "ehr")
    assert [(c.name, c.type) for c in table.columns] == [
        ("givenName", "String"), ("scores", "java.util.Map<String, List<Integer>>"), ("birthdate", "Date")]
    assert [c.line for c in table.columns] == [7, 11, 14]


def test_plain_javascript_init_is_not_a_sequelize_table(tmp_path: Path) -> None:
    facts = build_profile(_write(tmp_path, {
        "src/widgets.js": "$('#form').init({ patientName: 'x', email: 'y' });\nchart.init({ dob: 1 }, { responsive: true });\n",
        "src/plugin.js": "Widget.init({ firstName: String }, { sequelize: false });\n",
    }))
    assert facts["data_map"]["tables"] == []


def test_sequelize_models_need_sequelize(tmp_path: Path) -> None:
    model = ("class Patient extends Model {}\nPatient.init({\n  firstName: DataTypes.STRING,\n  ssn: DataTypes.STRING,\n"
             "}, { sequelize, tableName: 'patients' });\n")
    with_import = build_profile(_write(tmp_path / "a", {
        "src/patient.js": "const { Model, DataTypes } = require('sequelize');\n" + model}))
    assert _fields(with_import, "patients") == {"firstName": "name", "ssn": "ssn"}
    assert _tables(with_import)["patients"]["store"] == "sequelize:sequelize"
    # the import may live elsewhere: a project that depends on Sequelize
    project = build_profile(_write(tmp_path / "b", {
        "package.json": json.dumps({"dependencies": {"sequelize": "^6"}}),
        "src/patient.js": model, "src/db.js": "sequelize.define('visit', { diagnosis: DataTypes.STRING });\n"}))
    assert set(_tables(project)) == {"patients", "visit"}
    # neither: no table
    assert build_profile(_write(tmp_path / "c", {"src/patient.js": model}))["data_map"]["tables"] == []


HBM = """<?xml version="1.0"?>
<!DOCTYPE hibernate-mapping PUBLIC "-//Hibernate/Hibernate Mapping DTD 3.0//EN"
    "http://www.hibernate.org/dtd/hibernate-mapping-3.0.dtd">
<hibernate-mapping package="org.example.ehr">
  <class name="Person" table="person">
    <id name="personId" type="java.lang.Integer" column="person_id"><generator class="native"/></id>
    <property name="birthdate" type="java.util.Date" column="birthdate"/>
    <property name="givenName"><column name="given_name" length="50"/></property>
    <many-to-one name="creator" class="User" column="creator"/>
    <joined-subclass name="Patient" table="patient">
      <key column="patient_id"/>
      <property name="allergyStatus" column="allergy_status"/>
    </joined-subclass>
  </class>
</hibernate-mapping>
"""


def test_hibernate_xml_mappings_are_read(tmp_path: Path) -> None:
    facts = build_profile(_write(tmp_path, {"api/src/main/resources/Person.hbm.xml": HBM}))
    assert _fields(facts, "person") == {"birthdate": "birth_date", "given_name": "name"}
    assert _tables(facts)["patient"]["source"] == "hibernate-xml"
    assert _tables(facts)["person"]["store"] == "jpa:default"  # one session factory with the JPA entities


@pytest.mark.parametrize("doctype", [
    '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;">]>',
    '<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/hostname">]>',
])
def test_hostile_xml_entities_are_refused(tmp_path: Path, doctype: str) -> None:
    body = '<hibernate-mapping><class name="A" table="&c;&secret;"><property name="ssn"/></class></hibernate-mapping>'
    notes: list[str] = []
    facts = build_profile(_write(tmp_path, {"A.hbm.xml": f'<?xml version="1.0"?>\n{doctype}\n{body}'}), note=notes.append)
    assert facts["data_map"]["tables"] == []
    assert any(n.startswith("A.hbm.xml") and "malformed" in n for n in notes)


def test_laravel_migrations_and_sql_in_php(tmp_path: Path) -> None:
    facts = build_profile(_write(tmp_path, {
        "database/migrations/2020_01_01_000000_create_patients_table.php": """<?php
return new class extends Migration {
    public function up(): void
    {
        Schema::create('patients', function (Blueprint $table) {
            $table->id();
            $table->string('first_name');
            $table->date('date_of_birth')->nullable();
            $table->string('ssn', 11)->unique();
            $table->index('first_name');
        });
        Schema::connection('records')->create('lab_results', function (Blueprint $table) {
            $table->text('result_value');
        });
    }
};
""",
        "library/install.php": '<?php\nsqlStatement("CREATE TABLE IF NOT EXISTS `patient_data` (\n'
                               '  `fname` varchar(255),\n  `DOB` date,\n  `ss` varchar(11)\n)");\n',
    }))
    assert _fields(facts, "patients") == {"first_name": "name", "date_of_birth": "birth_date", "ssn": "ssn"}
    assert _tables(facts)["patients"]["store"] == "laravel:default"
    assert _tables(facts)["lab_results"]["store"] == "laravel:records"
    patient_data = _tables(facts)["patient_data"]
    assert (patient_data["store"], patient_data["line"]) == ("sql:default", 2)
    assert {f["name"] for f in patient_data["fields"]} >= {"fname", "DOB"}


def test_one_database_is_one_store_not_one_per_directory(tmp_path: Path) -> None:
    facts = build_profile(_write(tmp_path, {
        "sql/database.sql": "CREATE TABLE patient_data (fname varchar(9), lname varchar(9), DOB date);\n",
        "interface/forms/vitals/table.sql": "CREATE TABLE form_vitals (pid int, bps varchar(40), temperature float);\n",
        "modules/lab/sql/install.sql": "CREATE TABLE procedure_result (pid int, result_text text, diagnosis text);\n",
        "contrib/reports/create.sql": "USE reporting;\nCREATE TABLE report_runs (id int, run_by varchar(9));\n",
    }))
    stores = {s["id"]: sorted(s["tables"]) for s in facts["data_map"]["stores"]}
    assert stores == {"sql:default": ["form_vitals", "patient_data", "procedure_result"],
                      "sql-db:reporting": ["report_runs"]}


_CLINICAL_MODELS = """from django.db import models

class Patient(models.Model):
    first_name = models.CharField(max_length=50)
    date_of_birth = models.DateField()

class Encounter(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE)
    reason = models.TextField()

class Observation(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE)
    value = models.CharField(max_length=20)

class Condition(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE)
    diagnosis_code = models.CharField(max_length=10)

class Medication(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE)
    drug_name = models.CharField(max_length=80)
"""


@pytest.mark.parametrize(("readme", "extra", "kind"), [
    ("# Acme EMR\nAn electronic medical record system for district hospitals.\n", {}, "ehr"),
    ("# Acme\nOpen-source hospital software.\n", {}, "ehr"),  # no word for it: the breadth of records
    ("# Acme Practice\nPractice management for small clinics: appointment scheduling and medical billing.\n",
     {"billing/models.py": "from django.db import models\n\nclass Invoice(models.Model):\n"
                           "    patient_name = models.CharField(max_length=9)\n\nclass Claim(models.Model):\n"
                           "    insurance_member_id = models.CharField(max_length=9)\n"}, "practice_management"),
    ("# Acme Visits\nA telemedicine platform: video visits with your doctor.\n", {}, "telemedicine"),
    ("# Acme MyHealth\nA patient portal where patients can view their lab results.\n", {}, "patient_portal"),
])
def test_app_kind_typology_with_evidence(tmp_path: Path, readme: str, extra: dict[str, str], kind: str) -> None:
    facts = build_profile(_write(tmp_path, {"README.md": readme, "clinic/models.py": _CLINICAL_MODELS, **extra}))
    app_kind = facts["app_kind"]
    assert app_kind["kind"] == kind, app_kind["scores"]
    assert app_kind["evidence"]
    if kind == "ehr":
        assert any("clinical records in" in e and "medication" in e for e in app_kind["evidence"])


def test_hospital_front_end_has_a_data_map_and_a_kind(tmp_path: Path) -> None:
    """A TypeScript front end keeps its records as interfaces in ``model/`` and stores them through
    repositories: the persisted ones are the data map."""
    facts = build_profile(_write(tmp_path, {
        "src/shared/db/PatientRepository.ts": "import Patient from '../model/Patient'\n"
                                              "class PatientRepository extends Repository<Patient> {\n"
                                              "  constructor() { super('patient', relationalDb) }\n}\n",
        "src/shared/db/stores.ts": "export const meds = db.collection<Medication>('medications')\n"
                                   "export const dx = new Repository<Diagnosis>('diagnosis')\n"
                                   "export const v = new Repository<Visit>('visit')\n",
        "README.md": "# Ward\nFront end of an offline-first hospital information system.\n",
        "src/shared/model/Patient.ts": "export default interface Patient extends Base {\n  givenName: string\n"
                                       "  dateOfBirth: string\n  address?: { street: string }\n  allergies?: Allergy[]\n}\n",
        "src/shared/model/Diagnosis.ts": "export default interface Diagnosis {\n  name: string\n  diagnosisDate: string\n}\n",
        "src/shared/model/Medication.ts": "export default interface Medication {\n  medication: string\n  quantity: number\n}\n",
        "src/shared/model/Visit.ts": "export default interface Visit {\n  reason: string\n  startDateTime: string\n}\n",
    }))
    assert _fields(facts, "Patient") == {"givenName": "name", "dateOfBirth": "birth_date", "address": "address",
                                         "allergies": "allergy"}
    assert facts["app_kind"]["kind"] == "ehr"


def test_typescript_shapes_nobody_persists_are_not_tables(tmp_path: Path) -> None:
    """Form values, search requests and view types in ``model/`` are shapes, not stored data: only
    an interface a repository, DAO, collection or model stores is a data-map entry."""
    facts = build_profile(_write(tmp_path, {
        "src/features/fax/model/types.ts": "export interface FaxFormValues {\n  recipientName: string\n"
                                           "  faxNumber: string\n}\n",
        "src/patients/models/PatientSearchRequest.ts": "export default interface PatientSearchRequest {\n"
                                                       "  queryString: string\n}\n",
        "src/patients/models/Patient.ts": "export default interface Patient {\n  givenName: string\n"
                                          "  dateOfBirth: string\n}\n",
        "src/patients/PatientList.tsx": "const rows: Array<Patient> = []\nuseState<PatientSearchRequest>()\n"
                                        "const form = useForm<FaxFormValues>()\n",
        "src/db/dexie.ts": "import Dexie, { Table } from 'dexie'\nclass Db extends Dexie {\n"
                           "  patients!: Table<Patient, string>\n}\n",
    }))
    tables = _tables(facts)
    assert set(tables) == {"Patient"}
    assert tables["Patient"]["store_kind"] == "database"


def test_no_health_signal_is_general(tmp_path: Path) -> None:
    facts = build_profile(_write(tmp_path, {"README.md": "# Todo\nA list of things to do.\n",
                                            "app/models.py": "from django.db import models\n\nclass Task(models.Model):\n"
                                                             "    title = models.CharField(max_length=9)\n"}))
    assert facts["app_kind"] == {"kind": "general", "label": "General (no health signal)",
                                 "scores": facts["app_kind"]["scores"], "evidence": []}


def test_annotation_arrays_do_not_split_a_field() -> None:
    text = """@Entity
public class Condition {
    @Embedded
    @AttributeOverrides({ @AttributeOverride(name = "nonCoded", column = @Column(name = "condition_non_coded")) })
    private CodedOrFreeText condition;
    public void touch() { count++; }
    /** The {@link Drug} answer, if a drug; "{" in a string below opens no block either. */
    private String note;
    private String brace = "{";
}
"""
    assert [(c.name, c.type) for c in parse_jpa("Condition.java", text)[0].columns] == [
        ("condition", "CodedOrFreeText"), ("note", "String"), ("brace", "String")]


# ---- the app's own code (misses measured on real trees by bench/realworld.py) ----------------
# The profile describes the app's own code: the classes of misses seen on real trees, each from
# a minimal reproduction.
#
# - a directory of installed packages (a ``site-packages`` scanned as the root) is no app: its
#  libraries' test models are no data map and their FHIR fixtures no health signal;
# - a health signal that comes only from tests or demos does not make a library an EHR;
# - a config file naming its JSON Schema (``turbo.json``) is not a schema;
# - a Hibernate ``joined-subclass`` ``patient`` of ``Person`` holds the person's fields too;
# - an EHR whose own code runs video visits (a video SDK, telemed modules) is telemedicine.

_MODEL = '''from sqlalchemy import Column, Date, String
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class Patient(Base):
    __tablename__ = "patients"
    first_name = Column(String)
    date_of_birth = Column(Date)
    diagnosis = Column(String)
'''
_FHIR = json.dumps({"resourceType": "Patient", "name": [{"family": "Doe"}]})


def test_installed_packages_are_not_the_app(tmp_path: Path) -> None:
    notes: list[str] = []
    facts = build_profile(_write(tmp_path, {
        "ormlib-2.0.dist-info/METADATA": "Name: ormlib\n",
        "ormlib/examples_models.py": _MODEL,
        "fhirlib-1.0.dist-info/METADATA": "Name: fhirlib\n",
        "fhirlib/resources/patient.json": _FHIR,
        "fhirlib/README.md": "A FHIR client for EHR systems: patients, medications, diagnoses.\n",
    }), note=notes.append)
    assert facts["data_map"]["tables"] == []
    assert facts["app_kind"]["kind"] == "general"
    assert any("installed third-party packages not profiled" in n for n in notes)


def test_one_egg_info_beside_setup_py_is_still_the_app(tmp_path: Path) -> None:
    facts = build_profile(_write(tmp_path, {
        "setup.py": "from setuptools import setup\nsetup(name='clinic')\n",
        "clinic.egg-info/PKG-INFO": "Name: clinic\n",
        "clinic/models.py": _MODEL,
    }))
    assert _fields(facts, "patients") == {"first_name": "name", "date_of_birth": "birth_date",
                                          "diagnosis": "diagnosis"}


def test_health_signal_only_in_tests_and_demos_is_not_a_health_app(tmp_path: Path) -> None:
    facts = build_profile(_write(tmp_path, {
        "README.md": "A small HTTP toolkit.\n",
        "toolkit/client.py": "def get(url):\n    return url\n",
        "tests/fixtures/patient.json": _FHIR,
        "tests/test_models.py": _MODEL,
        "demo/app/fhir.py": f"BUNDLE = {_FHIR!r}\n",
        "examples/README.md": "An EHR demo: patients, diagnoses and medications.\n",
    }))
    assert facts["app_kind"]["kind"] == "general", facts["app_kind"]
    assert facts["data_map"]["tables"] == []
    assert facts["data_map"]["fhir_resources"] == []


def test_the_apps_own_fhir_use_still_counts(tmp_path: Path) -> None:
    """Control: the same FHIR payload in the app's own code is evidence."""
    facts = build_profile(_write(tmp_path, {
        "README.md": "A small HTTP toolkit.\n",
        "toolkit/fhir.py": f"BUNDLE = {_FHIR!r}\n",
        "tests/fixtures/patient.json": _FHIR,
    }))
    assert [h["evidence"] for h in facts["stack"]["health_standards"] if h["id"] == "fhir"] == ["toolkit/fhir.py"]
    assert [r["type"] for r in facts["data_map"]["fhir_resources"]] == ["Patient"]


def test_a_config_file_naming_its_schema_is_not_a_table(tmp_path: Path) -> None:
    facts = build_profile(_write(tmp_path, {
        "turbo.json": json.dumps({"$schema": "https://turbo.build/schema.json",
                                  "tasks": {"build": {"outputs": ["dist/**"]}}}),
        "tsconfig.json": json.dumps({"$schema": "https://json.schemastore.org/tsconfig",
                                     "compilerOptions": {"strict": True}}),
        "schemas/patient.schema.json": json.dumps({
            "$schema": "https://json-schema.org/draft/2020-12/schema", "title": "Patient", "type": "object",
            "properties": {"birthDate": {"type": "string", "format": "date"}}}),
    }))
    assert set(_tables(facts)) == {"Patient"}
    assert _fields(facts, "Patient") == {"birthDate": "birth_date"}


_PERSON_HBM = """<?xml version="1.0"?>
<hibernate-mapping package="org.acme">
  <class name="Person" table="person">
    <id name="personId" column="person_id"/>
    <property name="gender" column="gender"/>
    <property name="birthdate" column="birthdate"/>
    <many-to-one name="causeOfDeath" class="Concept"/>
    <subclass name="Staff" discriminator-value="staff">
      <property name="badgeNumber" column="license_number"/>
    </subclass>
    <joined-subclass name="Donor" table="donor">
      <key column="donor_id"/>
      <property name="bloodType" column="blood_type"/>
    </joined-subclass>
  </class>
</hibernate-mapping>
"""
_PATIENT_HBM = """<?xml version="1.0"?>
<hibernate-mapping package="org.acme">
  <joined-subclass name="Patient" table="patient" extends="org.acme.Person">
    <key column="patient_id"/>
    <property name="dateCreated" column="date_created"/>
    <property name="voided"/>
  </joined-subclass>
</hibernate-mapping>
"""


def test_joined_subclass_holds_its_parents_fields(tmp_path: Path) -> None:
    """OpenMRS maps ``patient`` as a joined-subclass of ``Person`` in another file: its own
    columns are keys and audit dates, yet every patient row is a person with a birth date."""
    facts = build_profile(_write(tmp_path, {
        "api/Person.hbm.xml": _PERSON_HBM,
        "api/Patient.hbm.xml": _PATIENT_HBM,
    }))
    assert _fields(facts, "patient") == {"person.gender": "demographic", "person.birthdate": "birth_date",
                                         "person.causeOfDeath": "diagnosis"}
    assert _fields(facts, "donor")["person.birthdate"] == "birth_date"
    # a single-table <subclass> has no table of its own: its columns are the parent's
    assert "Staff" not in _tables(facts)
    assert _fields(facts, "person")["license_number"] == "license_number"


def test_jpa_entity_extending_an_entity_holds_its_fields(tmp_path: Path) -> None:
    facts = build_profile(_write(tmp_path, {
        "src/Person.java": "@Entity\n@Table(name = \"person\")\n@Inheritance(strategy = InheritanceType.JOINED)\n"
                           "public class Person {\n    private String givenName;\n    private Date birthdate;\n}\n",
        "src/Patient.java": "@Entity\n@Table(name = \"patient\")\npublic class Patient extends org.acme.Person {\n"
                            "    private String allergyNote;\n}\n",
        "src/Encounter.java": "@Entity\n@Table(name = \"encounter\")\npublic class Encounter extends BaseData {\n"
                              "    @Column(name = \"encounter_datetime\")\n    private Date encounterDatetime;\n"
                              "    @ManyToOne\n    private Patient patient;\n}\n",
    }))
    assert {"person.givenName", "person.birthdate"} <= set(_fields(facts, "patient"))
    assert _fields(facts, "encounter") == {"encounterDatetime": "service_date"}


_TELEMED_FILES = {f"src/telemed/{name}.ts": "export const x = 1;\n" for name in (
    "video-room", "waiting-room", "init-telemed-session", "telemed-appointments", "video-chat-invites")}


def _ehr(extra: dict[str, str]) -> dict[str, str]:
    return {"README.md": "Ottercare is an open-source EHR: electronic health records for patients, "
                         "medications, diagnoses and lab results. Book appointments and join telemedicine calls.\n",
            "src/patient.ts": "export const resourceType = 'Patient';\n", **extra}


def test_ehr_whose_code_runs_video_visits_is_telemedicine(tmp_path: Path) -> None:
    facts = build_profile(_write(tmp_path, _ehr({
        **_TELEMED_FILES,
        "package.json": json.dumps({"name": "ottercare", "dependencies": {"amazon-chime-sdk-js": "^3.0.0"}}),
    })))
    kind = facts["app_kind"]
    assert kind["kind"] == "telemedicine", kind
    assert any(e.startswith("code: 5 files named for") for e in kind["evidence"])
    assert any("Amazon Chime SDK (package.json)" in e for e in kind["evidence"])


def test_telemed_words_without_a_video_sdk_stay_an_ehr(tmp_path: Path) -> None:
    """One signal is not enough: an EHR with a telemed module but no video library (or a video
    library in its tests only) stays an EHR."""
    facts = build_profile(_write(tmp_path, _ehr({
        **_TELEMED_FILES,
        "tests/package.json": json.dumps({"name": "e2e", "dependencies": {"twilio-video": "2.0.0"}}),
    })))
    assert facts["app_kind"]["kind"] == "ehr", facts["app_kind"]
