"""The OWASP checklist: levels, automated evidence from real audits, people's records and due dates."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from pulsecheck.checklist import ChecklistError, build, catalog, dump, load, record, report_status, status
from pulsecheck.reporters.json_format import load_report
from pulsecheck.serialize import report_from_dict

CLI = Path(sys.executable).parent / "pulsecheck"
KEY = 'aws_access_key_id = "AKIAQ4NSBIEXNKXZ7H2P"\naws_secret_access_key = "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"\n'


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULSECHECK_")}
    return subprocess.run([str(CLI), *args], cwd=cwd, env={**env, "CI": "1"}, capture_output=True, text=True,
                          timeout=300)


def test_levels_ids_and_organisational_controls() -> None:
    cat = catalog()
    ids = [r.id for r in cat.requirements]
    assert len(ids) == len(set(ids))
    one, two = {r.id for r in cat.for_level(1)}, {r.id for r in cat.for_level(2)}
    assert one < two and "V2.10.4" in two - one and "V5.3.4" in one
    for r in cat.requirements:
        assert r.title and not r.title.lower().startswith("verify"), r.id  # our words, not the standard's
        assert r.id.startswith(("V", "ORG-"))
    org = " ".join(r.title for r in cat.requirements if r.id.startswith("ORG-")).lower()
    for words in ("nda", "data processing agreements", "business associate", "local administrator", "vpn",
                  "gateway", "staging and production"):
        assert words in org, words
    assert {s for r in cat.requirements for s in r.stages} <= {"profile", "phi", "secrets", "deps", "iac", "sast",
                                                                 "dast", "recon"}


def _audit(repo: Path, out: Path, *stages: str) -> dict:  # type: ignore[type-arg]
    args = ["audit", str(repo), "--no-store", "-f", "json", "-o", str(out), "-q"]
    for s in stages:
        args += ["--stage", s]
    proc = run(*args, cwd=out.parent)
    assert proc.returncode in (0, 1), proc.stderr[-1000:]
    return load_report(out.read_text())


def test_init_prefills_evidence_from_a_real_audit_and_status_follows_the_fix(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "settings.py").write_text(KEY)
    data = _audit(repo, tmp_path / "r1.json", "secrets", "iac")
    key_fps = {f["fingerprint"] for f in data["findings"] if f["rule_id"].startswith("secrets.aws")}
    assert key_fps
    work = tmp_path / "work"
    work.mkdir()
    proc = run("checklist", "init", "--level", "2", "--report", str(tmp_path / "r1.json"), cwd=work)
    assert proc.returncode == 0, proc.stderr
    doc = yaml.safe_load((work / "pulsecheck-checklist.yaml").read_text())
    items = {i["id"]: i for i in doc["items"]}
    assert items["V6.4.1"]["automated"]["status"] == "fail"
    assert set(items["V6.4.1"]["automated"]["fingerprints"]) >= key_fps
    assert items["V2.10.4"]["automated"]["status"] == "fail"
    assert items["V3.4.1"]["automated"]["status"] == "not-assessed"  # no dast/recon/sast ran
    assert "automated" not in items["ORG-3"] and items["ORG-3"]["checked_by"] == []

    (repo / "settings.py").write_text("import os\nKEY = os.environ['AWS_ACCESS_KEY_ID']\n")
    (repo / "Dockerfile").write_text('FROM python:3.11.7-slim\nRUN useradd app\nUSER app\nCMD ["python", "settings.py"]\n')
    _audit(repo, tmp_path / "r2.json", "secrets", "iac")
    proc = run("checklist", "status", "--report", str(tmp_path / "r2.json"), "--format", "json", cwd=work)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    states = {i["id"]: i for i in result["items"]}
    assert states["V6.4.1"]["state"] == "no-finding"  # secrets and iac both completed, nothing found
    assert states["V2.10.4"]["automated"]["status"] == "partially-assessed"  # sast did not run
    assert states["ORG-1"]["state"] == "todo"


def test_people_record_items_and_old_records_fall_due(tmp_path: Path) -> None:
    proc = run("checklist", "init", "--level", "1", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    old = (datetime.now(UTC).date() - timedelta(days=120)).isoformat()
    assert run("checklist", "record", "ORG-5", "--status", "pass", "--by", "Dana Ops", "--note", "bastion only",
               "--date", old, cwd=tmp_path).returncode == 0
    assert run("checklist", "record", "ORG-1", "--status", "pass", "--by", "HR", cwd=tmp_path).returncode == 0
    assert run("checklist", "record", "ORG-7", "--status", "not-applicable", "--by", "CTO",
               "--note", "no staging", cwd=tmp_path).returncode == 0
    bad = run("checklist", "record", "ORG-404", "--status", "pass", "--by", "x", cwd=tmp_path)
    assert bad.returncode == 2 and "no such item" in bad.stderr
    result = json.loads(run("checklist", "status", "-f", "json", cwd=tmp_path).stdout)
    by_id = {i["id"]: i for i in result["items"]}
    assert result["due"] == ["ORG-5"] and by_id["ORG-5"]["state"] == "due"
    assert by_id["ORG-1"]["state"] == "pass" and by_id["ORG-7"]["state"] == "not-applicable"
    text = run("checklist", "status", cwd=tmp_path).stdout
    assert "due for review (1)" in text and "Dana Ops" in text
    # init again (level 2 now): people's records survive
    assert run("checklist", "init", "--level", "2", cwd=tmp_path).returncode == 0
    again = {i.id: i for i in load(tmp_path / "pulsecheck-checklist.yaml").items}
    assert again["ORG-5"].by == "Dana Ops" and again["ORG-5"].date == date.fromisoformat(old)
    assert "V2.10.4" in again


def test_a_manual_pass_does_not_hide_a_scanner_failure(tmp_path: Path) -> None:
    from pulsecheck.checklist import Evidence, Seen

    ev = Evidence("a" * 32, "2026-12-01T00:00:00+00:00", "test", {"secrets": "completed", "iac": "completed"},
                  (Seen("secrets.aws-access-key-id", ("CWE-798",), "f" * 32),))
    doc = record(build(2, ev), "V6.4.1", "pass", "optimist")
    item = {i["id"]: i for i in status(doc)["items"]}["V6.4.1"]
    assert item["state"] == "fail" and item["manual"]["status"] == "pass"


def test_report_status_reads_the_audited_repositorys_checklist(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "settings.py").write_text(KEY)
    report = report_from_dict(_audit(repo, tmp_path / "r.json", "secrets"))
    assert report_status(report) is None  # no checklist: nothing to show
    (repo / "pulsecheck-checklist.yaml").write_text(dump(build(1)))
    result = report_status(report)
    assert result is not None and result["file"].endswith("pulsecheck-checklist.yaml")
    assert result["evidence"]["run_id"] == report.run_id
    assert {i["id"]: i for i in result["items"]}["V3.4.1"]["state"] == "not-assessed"
    assert result["counts"]["todo"] >= 8


@pytest.mark.parametrize(("content", "words"), [
    ("a: &a [*a, *a]\n" + "b: " + "[" * 600 + "]" * 600 + "\n", "not a checklist"),
    ("standard: x\nlevel: 1\nitems: []\nbogus: 1\n", "bogus"),
    ("standard: x\nlevel: 1\nitems:\n- {id: ORG-1, title: t, level: 1, status: maybe}\n", "items.0.status"),
    ("- just\n- a list\n", "expected a mapping"),
    (": : :\n", "not"),
])
def test_hostile_or_broken_checklist_files_are_one_line_errors(tmp_path: Path, content: str, words: str) -> None:
    path = tmp_path / "pulsecheck-checklist.yaml"
    path.write_text(content)
    with pytest.raises(ChecklistError, match=words) as caught:
        load(path)
    assert "\n" not in str(caught.value)


def test_a_symlinked_checklist_is_not_read_and_the_report_still_renders(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    secret = tmp_path / "elsewhere.yaml"
    secret.write_text(dump(build(1)))
    (repo / "pulsecheck-checklist.yaml").symlink_to(secret)
    from pulsecheck.model import Report, Targets

    now = datetime.now(UTC)
    report = Report(targets=Targets(path=str(repo)), started_at=now, finished_at=now, stages=(), findings=())
    result = report_status(report)
    assert result is not None and "symlink" in result["error"]


def test_audit_attaches_the_checklist_status_for_the_report(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "settings.py").write_text(KEY)
    doc = record(build(2), "ORG-3", "pass", "IT desk")
    (repo / "pulsecheck-checklist.yaml").write_text(dump(doc))
    data = _audit(repo, tmp_path / "r.json", "secrets")
    checklist = data["inputs"]["checklist"]
    assert checklist["evidence"]["run_id"] == data["run"]["run_id"]
    items = {i["id"]: i for i in checklist["items"]}
    assert items["ORG-3"]["state"] == "pass" and items["ORG-3"]["manual"]["by"] == "IT desk"
    assert items["V6.4.1"]["automated"]["status"] == "fail"
