"""IaC stage bench: fixture precision/recall per check, then side by side with Checkov (installed
in its own virtualenv, ``/tmp/checkov-venv``; never a project dependency) on the fixture suite,
the demo's infrastructure and a generated 2,000-resource Terraform project: wall time of both in
the same run, and every verdict that differs on the overlapping checks.

Verdicts are compared per (our check, file, subject). The subject is the resource, with the
separate S3 resources (``aws_s3_bucket_acl.x``, ``..._versioning`` ...) normalised to the bucket
they configure (Checkov reports some of those on the bucket, we on the resource that has the
setting: the same verdict); CloudFormation ``AWS::S3::Bucket.Records`` is ``Records``; for
Kubernetes and Dockerfiles the subject is the file. On the fixture suite each difference in a
check's own ``fail``/``pass`` directory has a label that says who is right.

    .venv/bin/python bench/iac.py [--checkov /tmp/checkov-venv/bin/checkov]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pulsecheck.sources.tree import FileIndex
from pulsecheck.stages.iac.checks.registry import catalog
from pulsecheck.stages.iac.load import Inventory, load
from pulsecheck.stages.iac.model import Ref, Resource
from pulsecheck.stages.iac.stage import evaluate

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "iac"
FRAMEWORKS = ("terraform", "cloudformation", "kubernetes", "dockerfile")
# Checkov ids whose verdicts map onto ours (same control, same resource kind).
CHECKOV_MAP = {
    "CKV_AWS_16": "iac.aws-rds-unencrypted", "CKV_AWS_133": "iac.aws-rds-backup-retention",
    "CKV_AWS_20": "iac.aws-s3-public-acl", "CKV_AWS_53": "iac.aws-s3-public-access-block",
    "CKV_AWS_24": "iac.aws-sg-open-admin-port", "CKV_AWS_25": "iac.aws-sg-open-admin-port",
    "CKV_AWS_3": "iac.aws-ebs-unencrypted", "CKV_AWS_17": "iac.aws-db-publicly-accessible",
    "CKV_AWS_293": "iac.aws-rds-deletion-protection", "CKV_AWS_157": "iac.aws-rds-multi-az",
    "CKV_AWS_19": "iac.aws-s3-unencrypted", "CKV_AWS_145": "iac.aws-s3-sse-not-kms",
    "CKV_AWS_21": "iac.aws-s3-versioning", "CKV_AWS_18": "iac.aws-s3-no-access-logs",
    "CKV_AWS_7": "iac.aws-kms-rotation-off", "CKV_AWS_28": "iac.aws-dynamodb-pitr",
    "CKV_AWS_36": "iac.aws-cloudtrail-no-log-validation", "CKV_AWS_67": "iac.aws-cloudtrail-single-region",
    "CKV_AWS_42": "iac.aws-efs-unencrypted", "CKV_AWS_29": "iac.aws-elasticache-unencrypted",
    "CKV_AWS_30": "iac.aws-elasticache-no-transit-encryption", "CKV_AWS_27": "iac.aws-sqs-unencrypted",
    "CKV_AWS_26": "iac.aws-sns-unencrypted", "CKV_AWS_43": "iac.aws-kinesis-unencrypted",
    "CKV_AWS_158": "iac.aws-log-group-no-kms", "CKV_AWS_2": "iac.aws-lb-http-listener",
    "CKV_AWS_103": "iac.aws-lb-weak-tls-policy", "CKV_AWS_34": "iac.aws-cloudfront-http",
    "CKV_AWS_174": "iac.aws-cloudfront-weak-tls", "CKV_AWS_62": "iac.aws-iam-admin-wildcard",
    "CKV_AWS_5": "iac.aws-opensearch-unencrypted", "CKV_AWS_6": "iac.aws-opensearch-node-to-node",
    "CKV2_AWS_11": "iac.aws-vpc-no-flow-logs",
    "CKV_GCP_6": "iac.gcp-sql-no-ssl", "CKV_GCP_11": "iac.gcp-sql-open-to-world",
    "CKV_GCP_14": "iac.gcp-sql-no-backups", "CKV_GCP_28": "iac.gcp-gcs-public-member",
    "CKV_GCP_29": "iac.gcp-gcs-uniform-access-off", "CKV_GCP_114": "iac.gcp-gcs-public-access-prevention",
    "CKV_GCP_78": "iac.gcp-gcs-versioning", "CKV_GCP_62": "iac.gcp-gcs-no-access-logs",
    "CKV_GCP_2": "iac.gcp-firewall-open-admin-port", "CKV_GCP_3": "iac.gcp-firewall-open-admin-port",
    "CKV_GCP_26": "iac.gcp-subnet-no-flow-logs", "CKV_GCP_43": "iac.gcp-kms-no-rotation",
    "CKV2_GCP_5": "iac.gcp-audit-config-incomplete", "CKV_GCP_117": "iac.gcp-iam-primitive-role",
    "CKV_GCP_116": "iac.gcp-iam-primitive-role", "CKV_GCP_115": "iac.gcp-iam-primitive-role",
    "CKV_GCP_7": "iac.gcp-gke-legacy-abac",
    "CKV_AZURE_3": "iac.azure-storage-http-allowed", "CKV_AZURE_44": "iac.azure-storage-weak-tls",
    "CKV_AZURE_190": "iac.azure-storage-nested-public", "CKV2_AZURE_38": "iac.azure-storage-no-soft-delete",
    "CKV_AZURE_110": "iac.azure-keyvault-no-purge-protection", "CKV_AZURE_14": "iac.azure-app-service-http",
    "CKV_AZURE_70": "iac.azure-app-service-http", "CKV_AZURE_15": "iac.azure-app-service-weak-tls",
    "CKV_AZURE_52": "iac.azure-sql-weak-tls", "CKV_AZURE_113": "iac.azure-sql-public-network",
    "CKV_AZURE_11": "iac.azure-db-firewall-world", "CKV_AZURE_9": "iac.azure-nsg-open-admin-port",
    "CKV_AZURE_10": "iac.azure-nsg-open-admin-port", "CKV_AZURE_94": "iac.azure-flexible-server-no-geo-backup",
    "CKV_AZURE_136": "iac.azure-flexible-server-no-geo-backup", "CKV_AZURE_23": "iac.azure-sql-no-auditing",
    "CKV2_AZURE_25": "iac.azure-sql-tde-off", "CKV_AZURE_5": "iac.azure-aks-rbac-off",
    "CKV_K8S_16": "iac.k8s-privileged", "CKV_K8S_19": "iac.k8s-host-namespace",
    "CKV_K8S_20": "iac.k8s-privilege-escalation", "CKV_K8S_14": "iac.k8s-mutable-image",
    "CKV_DOCKER_7": "iac.docker-mutable-base-image", "CKV_DOCKER_3": "iac.docker-root-user",
}
MAPPED = frozenset(CHECKOV_MAP.values())
S3_SATELLITES = ("aws_s3_bucket_acl", "aws_s3_bucket_public_access_block", "aws_s3_bucket_versioning",
                 "aws_s3_bucket_server_side_encryption_configuration", "aws_s3_bucket_logging",
                 "aws_s3_bucket_policy")
Verdict = tuple[str, str, str]
"""(our check id, file relative to the scanned root, subject)."""


def scan(root: Path) -> list:
    return list(evaluate(load(FileIndex(root, respect_gitignore=False), lambda _n: None), {}))


def satellites(resources: Iterable[Resource]) -> dict[tuple[str, str], str]:
    """(file, address of a separate S3 resource) -> address of the bucket it configures."""
    res = list(resources)
    named = {(r.path.rsplit("/", 1)[0], r.attrs.get("bucket")): r.address for r in res if r.type == "aws_s3_bucket"}
    out = {}
    for r in res:
        if r.type in S3_SATELLITES:
            target = r.attrs.get("bucket")
            prefix = f"{r.module}." if r.module else ""
            bucket = prefix + target.address if isinstance(target, Ref) else named.get((r.path.rsplit("/", 1)[0], target))
            if bucket:
                out[(r.path, r.address)] = bucket
    return out


def subject(sat: dict[tuple[str, str], str], path: str, address: str, fmt: str) -> str:
    if fmt in ("kubernetes", "dockerfile"):
        return ""
    address = address.split("[", 1)[0]
    if "::" in address:  # Checkov's CloudFormation ``AWS::S3::Bucket.Records``
        address = address.rsplit(".", 1)[-1]
    return sat.get((path, address), address)


_UNRESOLVED = re.compile(r"^unresolved: .* of (\S+) \((iac\.[^)]+)\)$")
UNRESOLVED: set[Verdict] = set()
"""(check, file, subject) our checks left unjudged ("unresolved"), filled by :func:`ours`."""
CREATED: set[tuple[str, str]] = set()
"""(file, subject) of every resource our loader kept (``count`` not 0), filled by :func:`ours`."""


def ours(inv: Inventory, prefix: str = "") -> set[Verdict]:
    sat = satellites(inv.resources)
    notes: list[str] = []
    found = {(f.rule_id, prefix + f.location.path,
              subject(sat, f.location.path, f.identity, f.properties.get("format", "")))
             for f in evaluate(inv, {}, unresolved=notes) if f.rule_id in MAPPED}
    where = {r.address: r for r in inv.resources}
    CREATED.update((prefix + r.path, subject(sat, r.path, r.address, r.format)) for r in inv.resources)
    for note in notes:
        m = _UNRESOLVED.match(note)
        if m and m.group(1) in where:
            res = where[m.group(1)]
            UNRESOLVED.add((m.group(2), prefix + res.path, subject(sat, res.path, res.address, res.format)))
    return found


def scan_root(root: Path) -> set[Verdict]:
    """Our verdicts; each fixture directory is its own project (their names and addresses repeat),
    and so is each Terraform root of a real code base (a directory with .tf files: examples/x)."""
    dirs = project_dirs(root)
    out: set[Verdict] = set()
    for d in dirs:
        prefix = f"{d.relative_to(root).as_posix()}/" if d != root else ""
        out |= ours(load(FileIndex(d, respect_gitignore=False), lambda _n: None), prefix)
    return out


def project_dirs(root: Path) -> list[Path]:
    if root == FIXTURES:
        return sorted(p for p in root.glob("*/*") if p.is_dir())
    return [root]


def checkov_satellites(root: Path) -> dict[tuple[str, str], str]:
    dirs = project_dirs(root)
    out: dict[tuple[str, str], str] = {}
    for d in dirs:
        prefix = f"{d.relative_to(root).as_posix()}/" if d != root else ""
        inv = load(FileIndex(d, respect_gitignore=False), lambda _n: None)
        out.update({(prefix + p, a): b for (p, a), b in satellites(inv.resources).items()})
    return out


CHECKOV_TIMEOUT = 180.0
"""Seconds one Checkov run may take; past that the repository is reported without Checkov."""


def checkov(binary: str, root: Path, sat: dict[tuple[str, str], str]) -> tuple[set[Verdict], set[Verdict]]:
    """Checkov's failed and passed verdicts on the mapped checks (raises TimeoutExpired)."""
    # its own process group, so a timeout ends Checkov's worker processes too
    proc = subprocess.Popen([binary, "-d", str(root), "-o", "json", "--quiet", "--compact", "--skip-download",
                             *(a for fw in FRAMEWORKS for a in ("--framework", fw))],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True)
    try:
        stdout, _ = proc.communicate(timeout=CHECKOV_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise
    data: Any = json.loads(stdout or "{}")
    failed: set[Verdict] = set()
    passed: set[Verdict] = set()
    for rep in data if isinstance(data, list) else [data]:
        fmt = rep.get("check_type", "")
        for kind, into in (("failed_checks", failed), ("passed_checks", passed)):
            for item in rep.get("results", {}).get(kind, []):
                if item["check_id"] in CHECKOV_MAP:
                    path = item["file_path"].lstrip("/")
                    into.add((CHECKOV_MAP[item["check_id"]], path, subject(sat, path, item["resource"], fmt)))
    return failed, passed - failed


def fixture_suite() -> tuple[float, float]:
    tp = fp = fn = 0
    for check in catalog():
        base = FIXTURES / check.id
        if not base.is_dir():
            continue
        tp_hit = all(any(f.rule_id == check.id for f in scan(d)) for d in sorted(base.glob("fail*")))
        fp_hit = any(f.rule_id == check.id for d in sorted(base.glob("pass*")) for f in scan(d))
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


def timed(fn: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def label(v: Verdict) -> str | None:
    """``fail``/``pass`` when the verdict is in its own check's fixture directory."""
    parts = v[1].split("/")
    kind = parts[1].split("-", 1)[0] if len(parts) > 2 else ""
    return kind if parts[0] == v[0] and kind in ("fail", "pass") else None


def compare(name: str, root: Path, binary: str | None) -> None:
    ours_t, mine = timed(lambda: scan_root(root))
    print(f"{name}: pulsecheck {ours_t:.2f} s", end="")
    if binary is None:
        print()
        return
    sat = checkov_satellites(root)  # our own loader: not part of Checkov's time
    try:
        theirs_t, (failed, passed) = timed(lambda: checkov(binary, root, sat))
    except subprocess.TimeoutExpired:
        print(f", checkov skipped (still running after {CHECKOV_TIMEOUT:.0f} s)")
        return
    only_ours, only_theirs = sorted(mine - failed), sorted(failed - mine)
    print(f", checkov {theirs_t:.2f} s ({theirs_t / max(ours_t, 1e-9):.1f}x); mapped failures: ours {len(mine)}, "
          f"checkov {len(failed)}, both {len(mine & failed)}, only ours {len(only_ours)}, only checkov {len(only_theirs)}")
    classes: Counter[tuple[str, str, str]] = Counter()
    for who, items in (("only ours", only_ours), ("only checkov", only_theirs)):
        for v in items:
            lab = label(v)
            right = {("only ours", "fail"): "we are right (Checkov missed)", ("only ours", "pass"): "Checkov is right",
                     ("only checkov", "fail"): "Checkov is right (we missed)",
                     ("only checkov", "pass"): "we are right (Checkov false failure)"}.get((who, lab or ""), "unlabelled")
            if lab is None:
                right, why = classify(v, who, mine)
            else:
                why = REASONS.get((v[0], who), "")
            classes[(v[0], who, right)] += 1
            if lab is None or classes[(v[0], who, right)] <= 2:
                print(f"   {who}: {v[0]} {v[1]} {v[2]} -> {right}; {why}")
    if name == "fixture suite":
        judged = [(v, label(v)) for v in mine | failed | passed if label(v)]
        ck_tp = sum(1 for v, lab in judged if lab == "fail" and v in failed)
        ck_fn = sum(1 for v, lab in judged if lab == "fail" and v not in failed)
        ck_fp = sum(1 for v, lab in judged if lab == "pass" and v in failed)
        print(f"   checkov on the overlapping checks' own fixtures: {ck_tp} right failures, {ck_fn} missed, "
              f"{ck_fp} false failures")
    for (cid, who, right), n in sorted(classes.items()):
        print(f"   class {cid} / {who} / {right}: {n}")


SAME = "same verdict under another of our ids"
ALIASES = {"iac.aws-s3-sse-not-kms": "iac.aws-s3-unencrypted"}
"""Checkov's "no KMS configuration" on a bucket is our "no encryption configuration"."""


def classify(v: Verdict, who: str, mine: set[Verdict]) -> tuple[str, str]:
    """(class, reason) of a difference on real code, which has no fail/pass label: (a) we missed
    a real failure, (b) Checkov is wrong, (c) we left the value unresolved (a note, no verdict)."""
    if who == "only checkov":
        if (v[1], v[2]) not in CREATED:
            return ("(b) Checkov wrong", "count = 0 for this instance (create_bucket = false, a directory bucket): "
                    "Terraform creates no such resource, Checkov judges it anyway")
        if (ALIASES.get(v[0]), v[1], v[2]) in mine:
            return ("(b) same verdict", f"we fail it as {ALIASES[v[0]]}: " + SAME)
        if v in UNRESOLVED:
            return ("(c) unresolved", "the value comes from try()/each.value over the caller's map: we note it "
                    "unresolved, no verdict")
    why = REASONS.get((v[0], who), "")
    if why:
        return ("(b) Checkov wrong" if who == "only checkov" else "(b) we are right", why)
    return ("(a) we missed" if who == "only checkov" else "unclassified", "")
REASONS: dict[tuple[str, str], str] = {
    ("iac.aws-s3-unencrypted", "only ours"): "CKV_AWS_19 passes a bucket with no encryption configuration (SSE-S3 default); "
    "the same bucket fails CKV_AWS_145, mapped to sse-not-kms: " + SAME,
    ("iac.aws-s3-sse-not-kms", "only checkov"): "CKV_AWS_145 fails the bucket when no KMS configuration exists; we report "
    "that as aws-s3-unencrypted: " + SAME,
    ("iac.aws-s3-public-access-block", "only ours"): "CKV_AWS_53 judges only an existing public-access-block resource; a "
    "bucket without one is not judged: we are right",
    ("iac.aws-rds-backup-retention", "only ours"): "CKV_AWS_133 accepts any non-zero or unset retention (API default 1 day); "
    "we require >= 7 days: a stricter threshold by design",
    ("iac.aws-sqs-unencrypted", "only checkov"): "CKV_AWS_27 fails a queue that sets neither kms_master_key_id nor "
    "sqs_managed_sse_enabled; AWS encrypts new queues with SSE-SQS by default (since 2022): Checkov false failure",
    ("iac.aws-s3-no-access-logs", "only ours"): "aws_s3_bucket_logging has count = length(keys(var.logging)) > 0 and "
    "the caller passes no logging: not created; Checkov ignores count: we are right",
    ("iac.aws-opensearch-node-to-node", "only ours"): "node_to_node_encryption not set defaults to off; Checkov passes it: "
    "we are right",
    ("iac.azure-storage-weak-tls", "only checkov"): "CKV_AZURE_44 fails a missing min_tls_version; azurerm >= 3.0 defaults "
    "to TLS1_2: Checkov false failure (true only for azurerm 2.x)",
    ("iac.azure-sql-weak-tls", "only checkov"): "CKV_AZURE_52 fails a missing minimum_tls_version; azurerm >= 3.0 defaults "
    "to 1.2: Checkov false failure",
    ("iac.aws-lb-weak-tls-policy", "only checkov"): "CKV_AWS_103 fails plain-HTTP listeners; we report those as "
    "aws-lb-http-listener and pass one that redirects to HTTPS",
    ("iac.aws-lb-http-listener", "only checkov"): "Checkov fails an HTTP listener whose default action redirects to HTTPS",
    ("iac.aws-kinesis-unencrypted", "only checkov"): "CloudFormation Kinesis is aws-kinesis-cfn-unencrypted: " + SAME,
    ("iac.aws-s3-versioning", "only checkov"): "Checkov does not follow bucket = \"records\" (a name, not a reference) to "
    "its aws_s3_bucket_versioning",
    ("iac.gcp-sql-no-ssl", "only checkov"): "CKV_GCP_6 reads only the legacy require_ssl, not ssl_mode = ENCRYPTED_ONLY",
    ("iac.docker-root-user", "only ours"): "USER is set in a build stage only; the final stage runs as root",
    ("iac.gcp-audit-config-incomplete", "only ours"): "exempted_members is set: those members' access is not logged",
    ("iac.aws-s3-sse-not-kms", "only ours"): "sse_algorithm = AES256 on the separate configuration resource",
    ("iac.azure-app-service-weak-tls", "only ours"): "CKV_AZURE_15 does not read site_config.min_tls_version = 1.0",
    ("iac.azure-storage-http-allowed", "only ours"): "CKV_AZURE_3 reads only enable_https_traffic_only (3.x), not "
    "https_traffic_only_enabled = false (4.x)",
}
"""Why a class of differences exists (filled from the runs; printed next to each difference)."""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkov", default="/tmp/checkov-venv/bin/checkov")
    ap.add_argument("--real", nargs="*", default=[], type=Path,
                    help="real Terraform code bases (cloned outside the checkout), compared one by one")
    ap.add_argument("--real-only", action="store_true", help="skip the fixture suite, demo and generated runs")
    args = ap.parse_args()
    binary = args.checkov if Path(args.checkov).exists() else None
    for real in args.real:
        compare(f"real {real.name}", real.resolve(), binary)
    if args.real_only:
        return
    precision, recall = fixture_suite()
    print(f"fixture suite: {len(catalog())} checks, precision {precision:.2f}, recall {recall:.2f}; "
          f"{len(MAPPED)} of them overlap {len(CHECKOV_MAP)} Checkov checks")
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp)
        generated(big)
        for name, root in (("fixture suite", FIXTURES), ("demo infra", ROOT / "examples" / "clinic" / "infra"),
                           ("2,000 resources", big)):
            compare(name, root, binary)
    sys.exit(0 if precision == recall == 1.0 else 1)


if __name__ == "__main__":
    main()
