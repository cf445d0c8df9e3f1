"""The HIPAA table names the IaC checks that assessed each safeguard, and only those."""

from __future__ import annotations

import json
from pathlib import Path

from pulsecheck import engine
from pulsecheck.model import Targets
from pulsecheck.reporters import html, json_format
from pulsecheck.settings import Settings

RDS = '''resource "aws_db_instance" "records" {
  engine            = "postgres"
  instance_class    = "db.t3.micro"
  storage_encrypted = true
  kms_key_id        = "arn:aws:kms:us-east-1:111122223333:key/abcd"
}
'''


def audit(root: Path, stages: tuple[str, ...] = ("profile", "iac")):
    return engine.run(Targets(path=str(root)), Settings(stages=stages))


def test_one_rds_instance_assesses_encryption_at_rest_and_nothing_it_does_not_touch(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(RDS, encoding="utf-8")
    report = audit(tmp_path)
    rows = {c.section: c for c in report.compliance}
    at_rest = rows["164.312(a)(2)(iv)"]
    assert at_rest.status == "no-finding"
    assert "iac.aws-rds-unencrypted" in at_rest.assessed_by
    assert all(who.startswith("iac.aws-") for who in at_rest.assessed_by)  # only checks of RDS ran
    # no Cognito pool, load balancer or CloudFront: authentication and transmission not assessed
    for untouched in ("164.312(d)", "164.312(e)(1)", "164.308(a)(2)"):
        assert rows[untouched].status == "not-assessed" and not rows[untouched].assessed_by
    assert "iac.aws-rds-no-log-exports" in rows["164.312(b)"].assessed_by
    data = json.loads(json_format.render(report))
    (row,) = [c for c in data["compliance"]["hipaa"] if c["section"] == "164.312(a)(2)(iv)"]
    assert "iac.aws-rds-unencrypted" in row["assessed_by"]
    assert "iac.aws-rds-unencrypted" in html.render(report)


def test_a_failing_check_makes_its_safeguard_a_gap(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(RDS.replace("storage_encrypted = true", "storage_encrypted = false"),
                                      encoding="utf-8")
    rows = {c.section: c for c in audit(tmp_path).compliance}
    assert rows["164.312(a)(2)(iv)"].status == "gap"
    assert "iac.aws-rds-unencrypted" in rows["164.312(a)(2)(iv)"].assessed_by


def test_an_unresolved_value_assesses_nothing(tmp_path: Path) -> None:
    """storage_encrypted from a variable without a default: a note, and the safeguard not assessed by it."""
    (tmp_path / "main.tf").write_text(
        'variable "enc" {}\nresource "aws_ebs_volume" "v" {\n  size = 8\n  encrypted = var.enc\n}\n',
        encoding="utf-8")
    report = audit(tmp_path, ("iac",))
    rows = {c.section: c for c in report.compliance}
    assert "iac.aws-ebs-unencrypted" not in rows["164.312(a)(2)(iv)"].assessed_by
    (iac,) = report.stages
    assert any("iac.aws-ebs-unencrypted" in n for n in iac.outcome.notes)  # type: ignore[union-attr]
