"""The Terraform loader's work is linear in (distinct files + module instances x resources): each
distinct text is parsed once, a literal inside an expression once per audit, and a tree of local
modules that fans out is expanded up to a cap, with a note. Counted, not timed."""

from __future__ import annotations

from pathlib import Path

from pulsecheck.sources.tree import FileIndex
from pulsecheck.stages.iac.load import Inventory, load
from pulsecheck.stages.iac.model import Unresolved
from pulsecheck.stages.iac.parsers.terraform import MAX_MODULE_INSTANCES
from pulsecheck.stages.iac.parsers.tfexpr import Literals, Scope

ROOT_MODULE = '''variable "create" {
  default = true
}
variable "rules" {
  default = []
}
locals {
  names = [for r in var.rules : r.name]
}
resource "aws_s3_bucket" "this" {
  count  = var.create ? 1 : 0
  bucket = "b"
  tags   = jsonencode({ owner = "ops", names = local.names })
}
resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this[0].id
  rule   = [for r in var.rules : { id = r.name, filter = [for f in r.filters : f if f != null] }]
}
'''
VERSIONS = 'terraform {\n  required_version = ">= 1.0"\n}\n'


def examples_calling_the_root(root: Path, n: int) -> Inventory:
    root.mkdir()
    (root / "main.tf").write_text(ROOT_MODULE, encoding="utf-8")
    (root / "versions.tf").write_text(VERSIONS, encoding="utf-8")
    for i in range(n):
        ex = root / "examples" / f"e{i}"
        ex.mkdir(parents=True)
        (ex / "main.tf").write_text(f'module "b{i}" {{\n  source = "../../"\n  create = {str(i % 2 == 0).lower()}\n}}\n',
                                    encoding="utf-8")
        (ex / "versions.tf").write_text(VERSIONS, encoding="utf-8")  # the copy every example carries
    return load(FileIndex(root, respect_gitignore=False), lambda _n: None)


def test_parses_do_not_grow_with_the_module_instances(tmp_path: Path) -> None:
    few = examples_calling_the_root(tmp_path / "few", 2)
    many = examples_calling_the_root(tmp_path / "many", 12)
    # distinct texts: the root's main.tf, versions.tf (one text for all copies), one main.tf per example
    assert (few.hcl_parses, many.hcl_parses) == (2 + 2, 2 + 12)
    assert few.expression_parses == many.expression_parses <= 3
    buckets = sorted(r.address for r in many.resources if r.type == "aws_s3_bucket")
    assert buckets == sorted(f"module.b{i}.aws_s3_bucket.this" for i in range(0, 12, 2))


def test_a_comprehension_is_unresolved_after_one_parse() -> None:
    literals = Literals()
    scope = Scope({"rules": Unresolved("var.rules")}, {}, literals)
    for _ in range(5):
        value = scope.resolve("${[for r in var.rules : [for f in r.filters : f]]}")
        assert value == Unresolved("[for r in var.rules : [for f in r.filters : f]]")
    assert literals.parses == 1


def test_deeply_parenthesised_condition_is_unresolved_not_a_crash() -> None:
    deep = "${" + "(" * 1500 + "var.v == null" + ")" * 1500 + " ? 1 : 2}"
    assert isinstance(Scope({"v": None}, {}).resolve(deep), Unresolved)
    assert Scope({"v": None}, {}).resolve("${((var.v == null)) ? 1 : 2}") == 1


def module_tree(root: Path, depth: int, fan_out: int) -> None:
    """``m0`` calls ``m1`` ``fan_out`` times, ``m1`` calls ``m2`` as often... each with one volume."""
    for d in range(depth + 1):
        (root / f"m{d}").mkdir(parents=True)
        calls = "".join(f'module "c{k}" {{\n  source = "../m{d + 1}"\n}}\n' for k in range(fan_out)) if d < depth else ""
        (root / f"m{d}" / "main.tf").write_text(
            f'{calls}resource "aws_ebs_volume" "v{d}" {{\n  encrypted = true\n}}\n', encoding="utf-8")


def test_module_tree_depth_5_fan_out_3_expands_every_instance(tmp_path: Path) -> None:
    module_tree(tmp_path, 5, 3)
    notes: list[str] = []
    inv = load(FileIndex(tmp_path, respect_gitignore=False), notes.append)
    assert len(inv.resources) == sum(3 ** d for d in range(6)) and not notes
    assert inv.hcl_parses == 6


def test_module_tree_that_fans_out_past_the_cap_is_noted(tmp_path: Path) -> None:
    module_tree(tmp_path, 7, 4)  # 4^7 = 16,384 instances at the last level alone
    notes: list[str] = []
    inv = load(FileIndex(tmp_path, respect_gitignore=False), notes.append)
    assert MAX_MODULE_INSTANCES <= len(inv.resources) <= MAX_MODULE_INSTANCES + 1
    capped = [n for n in notes if "local module instances" in n]
    assert len(capped) == 1 and capped[0].startswith("m6/main.tf: module c")
    assert capped[0].endswith(f"more than {MAX_MODULE_INSTANCES} local module instances in this project, "
                              "the rest are not expanded")
