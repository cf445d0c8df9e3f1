"""Hostile and unresolvable IaC input: a note naming the file, the stage goes on."""

from __future__ import annotations

import json
from pathlib import Path

from pulsecheck.sources.tree import FileIndex
from pulsecheck.stages.iac.load import load
from pulsecheck.stages.iac.stage import evaluate


def run(root: Path, profile: dict | None = None) -> tuple[list, list[str], list[str]]:
    notes: list[str] = []
    unresolved: list[str] = []
    inv = load(FileIndex(root, respect_gitignore=False), notes.append)
    return list(evaluate(inv, profile or {}, unresolved=unresolved)), notes, unresolved


def test_invalid_hcl_yaml_bomb_and_cycle_are_notes(tmp_path: Path) -> None:
    (tmp_path / "broken.tf").write_text('resource "aws_s3_bucket" {{{\n', encoding="utf-8")
    bomb = "apiVersion: v1\nkind: ConfigMap\na: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True))
    (tmp_path / "bomb.yaml").write_text(bomb, encoding="utf-8")
    for a, b in (("m1", "m2"), ("m2", "m1")):
        (tmp_path / a).mkdir()
        (tmp_path / a / "main.tf").write_text(f'module "x" {{\n  source = "../{b}"\n}}\n'
                                              'resource "aws_ebs_volume" "v" {\n  encrypted = true\n}\n')
    (tmp_path / "ok.tf").write_text('resource "aws_unknown_thing" "u" {\n  x = 1\n}\n'
                                    'resource "aws_ebs_volume" "e" {\n  encrypted = false\n}\n', encoding="utf-8")
    findings, notes, _ = run(tmp_path)
    assert any(n.startswith("broken.tf: invalid HCL") for n in notes)
    assert any(n.startswith("bomb.yaml: refused by the YAML limits") for n in notes)
    assert any("module cycle" in n for n in notes)
    assert [f.location.display() for f in findings if f.rule_id == "iac.aws-ebs-unencrypted"] == ["ok.tf:5"]


def test_unresolved_variable_is_a_note_never_a_failure(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'variable "enc" {}\nvariable "ret" {\n  default = 14\n}\n'
        'resource "aws_db_instance" "db" {\n  storage_encrypted = var.enc\n  backup_retention_period = var.ret\n}\n',
        encoding="utf-8")
    findings, _, unresolved = run(tmp_path)
    ids = {f.rule_id for f in findings}
    assert "iac.aws-rds-unencrypted" not in ids and "iac.aws-rds-backup-retention" not in ids
    assert "unresolved: storage_encrypted of aws_db_instance.db (iac.aws-rds-unencrypted)" in unresolved


def test_tfvars_and_local_module_inputs_resolve(tmp_path: Path) -> None:
    (tmp_path / "modules" / "db").mkdir(parents=True)
    (tmp_path / "modules" / "db" / "main.tf").write_text(
        'variable "encrypted" {}\nresource "aws_db_instance" "main" {\n  storage_encrypted = var.encrypted\n}\n')
    (tmp_path / "main.tf").write_text('variable "enc" {}\nmodule "db" {\n  source = "./modules/db"\n'
                                      '  encrypted = var.enc\n}\n')
    (tmp_path / "terraform.tfvars").write_text("enc = false\n")
    findings, _, _ = run(tmp_path)
    hit = [f for f in findings if f.rule_id == "iac.aws-rds-unencrypted"]
    assert [(f.identity, f.location.display()) for f in hit] == [("module.db.aws_db_instance.main", "modules/db/main.tf:3")]


def test_big_plan_json_is_read(tmp_path: Path) -> None:
    resources = [{"address": f"aws_ebs_volume.v{i}", "mode": "managed", "type": "aws_ebs_volume", "name": f"v{i}",
                  "values": {"encrypted": i != 7, "tags": {"pad": "x" * 200}}} for i in range(40_000)]
    (tmp_path / "plan.json").write_text(json.dumps({"format_version": "1.2", "planned_values": {
        "root_module": {"resources": resources}}}, indent=1), encoding="utf-8")
    assert (tmp_path / "plan.json").stat().st_size > 10_000_000
    findings, _, _ = run(tmp_path)
    assert [f.identity for f in findings if f.rule_id == "iac.aws-ebs-unencrypted"] == ["aws_ebs_volume.v7"]


def test_identity_and_medical_data_in_the_one_instance(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_db_instance" "clinic" {\n  storage_encrypted = true\n}\n')
    store = "sqlalchemy:Base"
    profile = {"data_map": {"stores": [{"id": store, "kind": "database", "tables": ["patients", "diagnoses"]}],
                            "tables": [
        {"name": "patients", "store": store, "fields": [{"name": "ssn", "kind": "ssn", "category": "identifier", "identity": True}]},
        {"name": "diagnoses", "store": store, "fields": [{"name": "icd10", "kind": "diagnosis", "category": "medical"}]}]}}
    findings, _, _ = run(tmp_path, profile)
    hits = [f for f in findings if f.rule_id == "iac.separation-identity-medical-one-instance"]
    assert [f.location.display() for f in hits] == ["main.tf:1"]
    (tmp_path / "two.tf").write_text('resource "aws_db_instance" "other" {\n  storage_encrypted = true\n}\n')
    findings, _, _ = run(tmp_path, profile)
    assert not [f for f in findings if f.rule_id == "iac.separation-identity-medical-one-instance"]
