"""The SAST stage on the demo app: every planted code issue (SAST-01..10) at its line with a
rule id of its class and, for the data-flow ones, the path from source to sink; the fixed twin
reports nothing above low. Then the demo's own ground truth for the sast stage."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pulsecheck import engine
from pulsecheck.demo import truth
from pulsecheck.demo.runner import ground_truth_file
from pulsecheck.model import FileLocation, Severity, Targets
from pulsecheck.settings import Settings

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def audit(root: Path):
    return engine.run(Targets(path=str(root)), Settings(stages=("profile", "sast")))


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory):
    dst = tmp_path_factory.mktemp("clinic") / "clinic"
    shutil.copytree(EXAMPLES / "clinic", dst)
    return audit(dst)


@pytest.fixture(scope="module")
def clinic_fixed(tmp_path_factory: pytest.TempPathFactory):
    dst = tmp_path_factory.mktemp("fixed") / "clinic"
    shutil.copytree(EXAMPLES / "clinic-fixed", dst)
    return audit(dst)


def test_every_planted_sast_issue_is_found_at_its_line(clinic) -> None:
    planted, _ = truth.load(ground_truth_file())
    sast = [e for e in planted if e.stage == "sast"]
    assert len(sast) == 10
    findings = [f for f in clinic.findings if f.stage == "sast"]
    check = truth.check_vulnerable(findings, sast, ("sast",), {})
    assert not check.missed, [e.id for e in check.missed]
    status = {r.name: r.status for r in clinic.stages}
    assert status["sast"] == "completed"


def test_phi_flows_carry_the_path_from_the_patient_record_to_the_sink(clinic) -> None:
    by_rule = {f.rule_id: f for f in clinic.findings if f.stage == "sast"}
    llm = by_rule["sast.phi-to-llm"]
    assert isinstance(llm.location, FileLocation) and llm.location.path == "app/llm.py"
    flow = llm.properties["flow"]
    places = [(s["path"], s["line"]) for s in flow]
    assert places[0][0] == "app/llm.py" and 16 <= places[0][1] <= 18       # patient.* read in build_chart
    assert ("app/api.py", 118) in places                                     # summarize -> summarize_chart
    assert places[-1] == ("app/llm.py", llm.location.line)
    assert "patients." in str(llm.properties["data"])                        # from the profile's data map
    log = by_rule["sast.phi-to-log"]
    assert log.location.line == 84 and log.properties["flow"][0]["line"] == 84
    assert log.properties["source_kind"] == "phi"
    sql = by_rule["sast.python-sql-injection"]
    assert [s["line"] for s in sql.properties["flow"]][0] == 69               # the q parameter


def test_no_secret_or_patient_value_in_evidence(clinic) -> None:
    for f in clinic.findings:
        if f.stage == "sast":
            assert "northwind" not in str(f.evidence) and "northwind" not in f.message


def test_processors_name_the_llm_endpoint_with_phi(clinic) -> None:
    (sast,) = [r for r in clinic.stages if r.name == "sast"]
    procs = sast.outcome.facts["processors"]
    llm = [p for p in procs if p["category"] == "llm"]
    assert llm and llm[0]["phi"] and llm[0]["flows"]
    assert any(loc.startswith("app/llm.py:") for loc in llm[0]["locations"])
    assert sast.outcome.facts["assessed"]["sast.python-sql-injection"]


def test_fixed_twin_reports_nothing_above_low(clinic_fixed) -> None:
    loud = [(f.rule_id, f.location.display()) for f in clinic_fixed.findings
            if f.stage == "sast" and f.severity > Severity.LOW]
    assert loud == []
    (sast,) = [r for r in clinic_fixed.stages if r.name == "sast"]
    procs = sast.outcome.facts["processors"]
    assert all(not p["phi"] for p in procs)


def test_fingerprints_survive_lines_moving(tmp_path: Path) -> None:
    dst = tmp_path / "clinic"
    shutil.copytree(EXAMPLES / "clinic", dst)
    before = {f.fingerprint for f in audit(dst).findings if f.stage == "sast"}
    api = dst / "app" / "api.py"
    api.write_text("# a comment line\n\n" + api.read_text(encoding="utf-8"), encoding="utf-8")
    after = {f.fingerprint for f in audit(dst).findings if f.stage == "sast"}
    assert before == after
