"""IaC stage bench: fixture precision/recall per check, wall time on the demo's infrastructure
and on a generated 2,000-resource Terraform project, side by side with Checkov when it is
installed in its own virtualenv (``/tmp/checkov-venv``; never a project dependency).

    .venv/bin/python bench/iac.py [--checkov /tmp/checkov-venv/bin/checkov]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pulsecheck.sources.tree import FileIndex
from pulsecheck.stages.iac.checks.registry import catalog
from pulsecheck.stages.iac.load import load
from pulsecheck.stages.iac.stage import evaluate

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "iac"
# Checkov ids whose verdicts map onto ours (same control, same resource).
CHECKOV_MAP = {"CKV_AWS_16": "iac.aws-rds-unencrypted", "CKV_AWS_133": "iac.aws-rds-backup-retention",
               "CKV_AWS_20": "iac.aws-s3-public-acl", "CKV_AWS_53": "iac.aws-s3-public-access-block",
               "CKV_AWS_24": "iac.aws-sg-open-admin-port", "CKV_AWS_3": "iac.aws-ebs-unencrypted",
               "CKV_AWS_17": "iac.aws-db-publicly-accessible", "CKV_AWS_293": "iac.aws-rds-deletion-protection"}


def scan(root: Path) -> list:
    return list(evaluate(load(FileIndex(root, respect_gitignore=False), lambda _n: None), {}))


def fixture_suite() -> tuple[float, float]:
    tp = fp = fn = 0
    for check in catalog():
        base = FIXTURES / check.id
        if not base.is_dir():
            continue
        tp_hit = any(f.rule_id == check.id for f in scan(base / "fail"))
        fp_hit = any(f.rule_id == check.id for f in scan(base / "pass"))
        tp, fn, fp = tp + tp_hit, fn + (not tp_hit), fp + fp_hit
        if not tp_hit or fp_hit:
            print(f"  {check.id}: {'missed' if not tp_hit else ''} {'false alarm' if fp_hit else ''}")
    return tp / max(tp + fp, 1), tp / max(tp + fn, 1)


def generated(root: Path, n: int = 2000) -> None:
    parts = []
    for i in range(n // 4):
        parts.append(f'variable "enc{i}" {{\n  default = {str(i % 2 == 0).lower()}\n}}\n'
                     f'resource "aws_db_instance" "db{i}" {{\n  storage_encrypted = var.enc{i}\n  backup_retention_period = {i % 10}\n}}\n'
                     f'resource "aws_s3_bucket" "b{i}" {{\n  bucket = "b{i}"\n}}\n'
                     f'resource "aws_s3_bucket_acl" "b{i}" {{\n  bucket = aws_s3_bucket.b{i}.id\n  acl = "{"public-read" if i % 3 == 0 else "private"}"\n}}\n'
                     f'resource "aws_ebs_volume" "v{i}" {{\n  encrypted = {str(i % 5 != 0).lower()}\n  size = 10\n}}\n')
    for k in range(20):
        (root / f"part{k}.tf").write_text("".join(parts[k::20]), encoding="utf-8")


def timed(label: str, fn) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    took = time.perf_counter() - start
    print(f"{label}: {took:.2f} s")
    return took, result


def checkov(binary: str, root: Path) -> dict[tuple[str, str], bool]:
    out = subprocess.run([binary, "-d", str(root), "-o", "json", "--quiet", "--framework", "terraform"],
                         capture_output=True, text=True, check=False)
    data = json.loads(out.stdout or "{}")
    reports = data if isinstance(data, list) else [data]
    verdicts: dict[tuple[str, str], bool] = {}
    for rep in reports:
        for failed in rep.get("results", {}).get("failed_checks", []):
            if failed["check_id"] in CHECKOV_MAP:
                verdicts[(CHECKOV_MAP[failed["check_id"]], failed["resource"])] = True
    return verdicts


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkov", default="/tmp/checkov-venv/bin/checkov")
    args = ap.parse_args()
    precision, recall = fixture_suite()
    print(f"fixture suite: {len(catalog())} checks, precision {precision:.2f}, recall {recall:.2f}")
    have_checkov = Path(args.checkov).exists()
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp)
        generated(big)
        for name, root in (("demo infra", ROOT / "examples" / "clinic" / "infra"), ("2,000 resources", big)):
            ours_t, ours = timed(f"pulsecheck iac, {name}", lambda root=root: scan(root))
            if not have_checkov:
                continue
            theirs_t, theirs = timed(f"checkov, {name}", lambda root=root: checkov(args.checkov, root))
            mine = {(f.rule_id, f.identity) for f in ours if f.rule_id in CHECKOV_MAP.values()}  # type: ignore[attr-defined]
            only_ours = sorted(mine - set(theirs))  # type: ignore[arg-type]
            only_theirs = sorted(set(theirs) - mine)  # type: ignore[arg-type]
            print(f"  speed-up {theirs_t / max(ours_t, 1e-9):.1f}x; mapped verdicts: ours {len(mine)}, "
                  f"checkov {len(theirs)}, only ours {len(only_ours)}, only checkov {len(only_theirs)}")  # type: ignore[arg-type]
            for item in (only_ours[:10] + only_theirs[:10]):
                print("   differs:", item)
    sys.exit(0 if precision == recall == 1.0 else 1)


if __name__ == "__main__":
    main()
