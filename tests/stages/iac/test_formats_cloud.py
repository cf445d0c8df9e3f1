"""Terraform JSON, serverless.yml and the GCP/Azure checks on what a user writes around them:
variables, unresolved values, CloudFormation inside serverless.yml."""

from __future__ import annotations

from pathlib import Path

from pulsecheck.sources.tree import FileIndex
from pulsecheck.stages.iac.load import load
from pulsecheck.stages.iac.stage import evaluate


def scan(root: Path) -> tuple[list, list[str]]:
    notes: list[str] = []
    unresolved: list[str] = []
    found = list(evaluate(load(FileIndex(root, respect_gitignore=False), notes.append), {}, unresolved=unresolved))
    return found, notes + unresolved


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


TF_JSON = """{
  "variable": {
    "encrypted": { "default": false }
  },
  "resource": {
    "aws_ebs_volume": {
      "data": {
        "size": 10,
        "encrypted": "${var.encrypted}"
      }
    },
    "google_storage_bucket": {
      "records": {
        "name": "records",
        "uniform_bucket_level_access": true,
        "versioning": { "enabled": true }
      }
    }
  }
}
"""


def test_terraform_json_is_judged_at_the_attribute_line_with_variables_resolved(tmp_path: Path) -> None:
    found, _ = scan(write(tmp_path, {"main.tf.json": TF_JSON}))
    ebs = [f for f in found if f.rule_id == "iac.aws-ebs-unencrypted"]
    assert [(f.location.path, f.location.line, f.identity) for f in ebs] == [("main.tf.json", 9, "aws_ebs_volume.data")]
    ids = {f.rule_id for f in found if f.identity == "google_storage_bucket.records"}
    assert "iac.gcp-gcs-uniform-access-off" not in ids and "iac.gcp-gcs-versioning" not in ids
    assert "iac.gcp-gcs-public-access-prevention" in ids


def test_invalid_terraform_json_is_one_note(tmp_path: Path) -> None:
    found, notes = scan(write(tmp_path, {"bad.tf.json": "{ not json", "ok.tf": 'resource "aws_ebs_volume" "v" {\n  encrypted = false\n}\n'}))
    assert any("bad.tf.json" in n and "invalid JSON" in n for n in notes)
    assert any(f.rule_id == "iac.aws-ebs-unencrypted" for f in found)


def test_unresolved_firewall_source_is_a_note_not_a_failure(tmp_path: Path) -> None:
    tf = ('variable "sources" {\n  type = list(string)\n}\nresource "google_compute_firewall" "ssh" {\n'
          '  allow {\n    protocol = "tcp"\n    ports = ["22"]\n  }\n  source_ranges = var.sources\n}\n')
    found, notes = scan(write(tmp_path, {"main.tf": tf}))
    assert not [f for f in found if f.rule_id == "iac.gcp-firewall-open-admin-port"]
    assert any("source_ranges of google_compute_firewall.ssh" in n for n in notes)


def test_tfvars_value_decides_an_azure_check(tmp_path: Path) -> None:
    tf = ('variable "tls" {\n  default = "TLS1_2"\n}\nresource "azurerm_storage_account" "records" {\n'
          '  name = "records"\n  min_tls_version = var.tls\n}\n')
    found, _ = scan(write(tmp_path, {"main.tf": tf, "terraform.tfvars": 'tls = "TLS1_0"\n'}))
    weak = [f for f in found if f.rule_id == "iac.azure-storage-weak-tls"]
    assert [(f.location.line, f.evidence) for f in weak] == [(6, 'min_tls_version = "TLS1_0"')]


SLS = """service: clinic
provider:
  name: aws
  environment:
    DB_PASSWORD: ${ssm:/clinic/db-password}
functions:
  intake:
    handler: handler.intake
resources:
  Resources:
    Records:
      Type: AWS::DynamoDB::Table
      Properties:
        TableName: records
"""


def test_serverless_cloudformation_resources_are_judged_and_ssm_references_pass(tmp_path: Path) -> None:
    found, _ = scan(write(tmp_path, {"serverless.yml": SLS}))
    assert not [f for f in found if f.rule_id == "iac.serverless-secret-in-env"]
    pitr = [f for f in found if f.rule_id == "iac.aws-dynamodb-pitr"]
    assert [(f.location.path, f.location.line) for f in pitr] == [("serverless.yml", 11)]


def test_llm_key_from_a_variable_in_app_settings_is_unresolved_not_a_failure(tmp_path: Path) -> None:
    root = write(tmp_path, {"main.tf": 'variable "key" {}\nresource "azurerm_linux_web_app" "a" {\n'
                                       '  app_settings = { OPENAI_API_KEY = var.key }\n}\n'})
    findings, notes = scan(root)
    assert not [f for f in findings if f.rule_id == "iac.azure-llm-key-in-app-settings"]
    assert any("iac.azure-llm-key-in-app-settings" in n and "app_settings.OPENAI_API_KEY" in n for n in notes)
