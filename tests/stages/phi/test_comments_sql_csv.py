"""False-positive classes measured on real health repositories (issue 11), second round, each
from a minimal reproduction: examples in code comments and docstrings, seed rows of SQL install
and migration scripts, SSN-shaped numbers in SQL without an SSN column, organisation directories
taken as PHI CSVs; while real dumps and exports stay high."""

from __future__ import annotations

import subprocess
from pathlib import Path

from test_real_code_classes import _medium_plus, _run, _write

from pulsecheck.model import Finding, Severity
from pulsecheck.stages.phi import comments, csvexport, sqlcontext, structured

PERSON = {"name": "John Smith", "dob": "1980-02-03", "ssn": "123-45-6780"}
EXAMPLE_PY = f'''def register(payload):
    """Send a patient to the registry.

    Example payload:
        {PERSON}
    """
    # e.g. {{"name": "John Smith", "ssn": "123-45-6780"}}
    return post(payload)
'''
HL7_PHP = """<?php
class HL7Server {
    /* Sample:
    PID|1|SH0091|SH0091||Panucci^John^||19490314|M||||(714) 253-0143|||M|||123-45-6780||
    */
    //PID|1||PAT1^^^MR||Jones^William^A||19610615|M|||||||||||123-45-6780||
    function demo() {
        $msg = <<<EOF
PID|||1^^^HOSP^MR||EVERYMAN^ADAM^A||19610615|M|||||(617)253-0143||||||222-34-5678||
EOF;
    }
}
"""


def _low_with(found: list[Finding], path: str, reason: str) -> bool:
    mine = [f for f in found if f.location.path == path]  # type: ignore[union-attr]
    return bool(mine) and all(f.severity is Severity.LOW and reason in f.message for f in mine)


def test_examples_in_code_comments_and_docstrings_are_low(tmp_path: Path) -> None:
    _write(tmp_path, "app/utils/api_call.py", EXAMPLE_PY)
    _write(tmp_path, "app/hl7/HL7Server.php", HL7_PHP)
    _write(tmp_path, "app/seed.py", f"RECORD = {PERSON}\n")  # a value in code, not a comment: still reported
    _write(tmp_path, "app/notes.txt", f"# {PERSON}\n")  # a data file has no comment exemption
    found = _run(tmp_path)
    assert _low_with(found, "app/utils/api_call.py", "example in code comment/docstring")
    assert _low_with(found, "app/hl7/HL7Server.php", "synthetic")  # comments, and the HL7 standard's example patient
    assert {p for _, p in _medium_plus(found)} == {"app/seed.py", "app/notes.txt"}


def test_history_examples_in_comments_are_low(tmp_path: Path) -> None:
    git = ["git", "-C", str(tmp_path), "-c", "user.email=t@t", "-c", "user.name=t"]
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    _write(tmp_path, "abdm/utils/api_call.py", EXAMPLE_PY)
    _write(tmp_path, "dataProvider/HL7Server.php", HL7_PHP)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "a"], check=True)
    subprocess.run([*git, "rm", "-rq", "abdm", "dataProvider"], check=True)
    subprocess.run([*git, "commit", "-qm", "b"], check=True)
    found = _run(tmp_path, history=True)
    assert _medium_plus(found) == []
    assert _low_with(found, "abdm/utils/api_call.py", "example in code comment/docstring")
    assert _low_with(found, "dataProvider/HL7Server.php", "example in code comment/docstring")


def test_comment_spans_are_linear_and_skip_strings() -> None:
    text = 'x = "src/*.js"; u = "http://host"  // note\n/* a\n b */ y\n'
    found = comments.spans(text, comments.syntax_for("a.js"))
    assert [text[s:e] for s, e in found] == ["// note", "/* a\n b */"]
    assert comments.spans("/* " * 100_000, comments.syntax_for("a.c")) == [(0, 300_000)]
    assert comments.syntax_for("dump.sql") == () and comments.syntax_for("data.csv") == ()


SEED = ("INSERT INTO users (id, username, fname, lname, DOB, ss) VALUES "
        "(1, 'admin', 'John', 'Smith', '1980-02-03', '123-45-6780');\n")
DUMP = ("CREATE TABLE `patient_data` (\n  `id` int(11),\n  `fname` varchar(255),\n  `lname` varchar(255),\n"
        "  `DOB` date,\n  `ss` varchar(255)\n);\n"
        "INSERT INTO `patient_data` VALUES (1,'Ann','Lee','1970-01-01','123-45-6780'),"
        "(2,'Bob','Ray','1981-12-30','234-56-7890');\n")
NOT_SSN = ("INSERT INTO facility (id, name, federal_ein, npi) VALUES (3, 'Clinic', '123456789', '234567890');\n"
           "INSERT INTO log (id, comments, a, b, c) VALUES (9, 'UPDATE layout SET description=''Social Security "
           "Number'' WHERE id=''9''', NULL, 1, 2, '345678901');\n"
           "INSERT INTO audit (id, ref) VALUES (4, '456-78-9012');\n")


def test_sql_install_scripts_are_sample_data_and_ssns_need_an_ssn_column(tmp_path: Path) -> None:
    _write(tmp_path, "sql/app_install_data.sql", SEED)
    _write(tmp_path, "sql/updates/form_data_demographics.sql", SEED)
    _write(tmp_path, "sql/clinic_structure.sql", DUMP)
    _write(tmp_path, "backup/patients_dump.sql", DUMP)
    _write(tmp_path, "backup/facility_export.sql", NOT_SSN)
    found = _run(tmp_path)
    for rel in ("sql/app_install_data.sql", "sql/updates/form_data_demographics.sql", "sql/clinic_structure.sql"):
        assert _low_with(found, rel, "install, seed or migration script")
    assert ("phi.ssn-in-file", "backup/patients_dump.sql") in _medium_plus(found)
    dump_ssn = [f for f in found if f.rule_id == "phi.ssn-in-file" and f.location.path == "backup/patients_dump.sql"]  # type: ignore[union-attr]
    assert dump_ssn[0].properties["count"] == 2
    assert not [f for f in found if f.location.path == "backup/facility_export.sql"  # type: ignore[union-attr]
                and f.rule_id == "phi.ssn-in-file"]


def test_sql_statement_context_is_linear() -> None:
    near = sqlcontext.ssn_context(DUMP + NOT_SSN)
    assert near((DUMP + NOT_SSN).index("123-45-6780")) and not near((DUMP + NOT_SSN).index("456-78-9012"))
    hostile = "insert into a " * 50_000 + "create table b " * 50_000
    assert not sqlcontext.ssn_context(hostile)(len(hostile) - 1)


PAYERS = ("Payer Id,Name,Address Line 1,City,State,Zip,Tel\n"
          "37257,90degreebenefits,PO BOX 928,FINDLAY,OH,45839-0928,\n"
          "36273,AARP MEDICARE SUPPLEMENT PLAN,PO Box 740819,Atlanta,GA,30374,888-866-8297\n"
          "60054,Aetna,PO Box 981106,El Paso,TX,79998,617-253-0143\n"
          "62308,Cigna,PO Box 188061,Chattanooga,TN,37422,\n")
PATIENTS = ("first_name,last_name,dob,phone\n"
            "Ann,Lee,1970-01-01,(617) 253-0143\nBOB,RAY,1981-12-30,\nCarl,Moe,,617-253-0144\nDee,,,\n")


def test_csv_rows_need_plausible_person_values(tmp_path: Path) -> None:
    _write(tmp_path, "scripts/data/payers-addresses.csv", PAYERS)
    _write(tmp_path, "exports/patients.csv", PATIENTS)
    found = _run(tmp_path)
    assert _medium_plus(found) == [("phi.csv-phi-columns", "exports/patients.csv")]
    export = [f for f in found if f.rule_id == "phi.csv-phi-columns"]
    assert len(export) == 1 and export[0].properties["count"] == 3  # "Dee" alone identifies no one
    names = ["Payer Id", "Name", "Zip", "Tel"]
    assert csvexport.row_rule(names, structured.classify_columns(names)).names == ()  # a payer's name
    assert not structured.person_name("Blue Cross Blue Shield of Texas") and structured.person_name("JEAN DUPONT")
