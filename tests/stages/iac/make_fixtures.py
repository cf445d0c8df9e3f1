"""Writes tests/fixtures/iac/<check>/{fail,pass}/...: generated for checks on a generic predicate,
written by hand (HAND below) for the others. Run: .venv/bin/python tests/stages/iac/make_fixtures.py"""

from __future__ import annotations

import json
from pathlib import Path

from pulsecheck.stages.iac.checks.registry import catalog

OUT = Path(__file__).resolve().parents[2] / "fixtures" / "iac"
M = "# FAIL-NEXT\n"


def hcl_value(v: object) -> str:
    return json.dumps(v) if not isinstance(v, bool) else ("true" if v else "false")


def nested(path: str, value: object, mark: bool) -> str:
    parts = path.split(".")
    body = (M if mark else "") + f"{parts[-1]} = {hcl_value(value)}\n"
    for p in reversed(parts[:-1]):
        body = f"{p} {{\n{body}}}\n"
    return body


def tf(rtype: str, body: str, mark_resource: bool = False) -> str:
    return (M if mark_resource else "") + f'resource "{rtype}" "x" {{\n{body}}}\n'


def generic(check) -> tuple[str, str] | None:
    p = dict(check.params)
    attr = p.get("attr")
    attr = attr[0] if isinstance(attr, list) else attr
    rtype = next((t for t in sorted(check.types) if "::" not in t and ":" not in t), None)
    if rtype is not None and check.predicate == "always":
        return tf(rtype, "user = \"ci\"\n", True), ""
    if rtype is None or attr is None:
        return None
    pred = check.predicate
    if pred == "attr_true":
        return tf(rtype, nested(attr, False, True)), tf(rtype, nested(attr, True, False))
    if pred == "attr_false":
        return tf(rtype, nested(attr, True, True)), tf(rtype, nested(attr, False, False))
    if pred == "attr_not_true":
        return tf(rtype, nested(attr, True, True)), tf(rtype, nested(attr, False, False))
    if pred == "attr_min":
        return tf(rtype, nested(attr, p["min"] - 1, True)), tf(rtype, nested(attr, p["min"], False))
    if pred == "attr_in":
        return tf(rtype, nested(attr, "BAD", True)), tf(rtype, nested(attr, p["allowed"][0], False))
    if pred == "attr_not_in":
        return tf(rtype, nested(attr, p["forbidden"][0], True)), tf(rtype, nested(attr, "private-ok", False))
    if pred == "attr_set":
        key = "arn:aws:kms:x" if rtype.startswith("aws_") else "projects/p/locations/global/keyRings/r/cryptoKeys/k"
        return tf(rtype, "description = \"x\"\n", True), tf(rtype, nested(attr, key, False))
    return None


BUCKET = 'resource "aws_s3_bucket" "b" {\n  bucket = "records"\n}\n'
SG = 'resource "aws_security_group" "x" {{\n  ingress {{\n    from_port = {p}\n    to_port = {p}\n    protocol = "tcp"\n{m}    cidr_blocks = ["{c}"]\n  }}\n}}\n'
POD = ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: app\n      image: app:1.0\n"
       "      securityContext:\n        runAsNonRoot: true\n        allowPrivilegeEscalation: false\n{extra}")
GFW = ('resource "google_compute_firewall" "x" {{\n  network = "default"\n  allow {{\n    protocol = "tcp"\n    ports = ["{p}"]\n  }}\n'
       '{m}  source_ranges = ["{c}"]\n}}\n')
NSG_RULE = ('resource "azurerm_network_security_rule" "x" {{\n  name = "r"\n  priority = 100\n  direction = "Inbound"\n'
            '  access = "Allow"\n  protocol = "Tcp"\n  source_port_range = "*"\n  destination_port_range = "{p}"\n'
            '{m}  source_address_prefix = "{c}"\n  destination_address_prefix = "*"\n}}\n')
NSG = ('resource "azurerm_network_security_group" "x" {{\n  name = "nsg"\n  security_rule {{\n    name = "ssh"\n'
       '    priority = 100\n    direction = "Inbound"\n    access = "Allow"\n    protocol = "*"\n'
       '    destination_port_ranges = ["{p}"]\n{m}    source_address_prefix = "{c}"\n  }}\n}}\n')
SQL = ('resource "google_sql_database_instance" "x" {{\n  database_version = "POSTGRES_15"\n  settings {{\n'
       '    tier = "db-f1-micro"\n    ip_configuration {{\n      ipv4_enabled = true\n      authorized_networks {{\n'
       '        name = "office"\n        value = "203.0.113.0/24"\n      }}\n      authorized_networks {{\n'
       '        name = "any"\n{m}        value = "{c}"\n      }}\n    }}\n  }}\n}}\n')
SA = 'resource "azurerm_storage_account" "x" {{\n  name = "records"\n  account_tier = "Standard"\n{body}}}\n'
SLS = ("service: clinic\nprovider:\n  name: aws\n  runtime: python3.12\n  environment:\n    STAGE: prod\n{env}"
       "{iam}functions:\n  intake:\n    handler: handler.intake\n{fenv}")
AUDIT = ('resource "google_project_iam_audit_config" "x" {{\n  project = "p"\n  service = "allServices"\n'
         '  audit_log_config {{\n    log_type = "ADMIN_READ"\n  }}\n  audit_log_config {{\n    log_type = "DATA_READ"\n{extra}  }}\n'
         '  audit_log_config {{\n    log_type = "DATA_WRITE"\n  }}\n}}\n')
MSSQL = 'resource "azurerm_mssql_server" "x" {\n  name = "records"\n  version = "12.0"\n}\n'
KV = 'resource "azurerm_key_vault" "x" {\n  name = "records"\n  sku_name = "standard"\n  purge_protection_enabled = true\n}\n'
CLOUD: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "iac.gcp-kms-no-rotation": ({"main.tf": M + 'resource "google_kms_crypto_key" "x" {\n  name = "records"\n  key_ring = google_kms_key_ring.r.id\n}\n'}, {"main.tf": 'resource "google_kms_crypto_key" "x" {\n  name = "records"\n  key_ring = google_kms_key_ring.r.id\n  rotation_period = "7776000s"\n}\n'}),
    "iac.gcp-sql-open-to-world": ({"main.tf": SQL.format(m="        " + M, c="0.0.0.0/0")}, {"main.tf": SQL.format(m="", c="198.51.100.7/32")}),
    "iac.gcp-firewall-open-db-port": ({"main.tf": GFW.format(p="5432", c="0.0.0.0/0", m="  " + M)}, {"main.tf": GFW.format(p="5432", c="10.8.0.0/28", m="")}),
    "iac.gcp-firewall-open-admin-port": ({"main.tf": GFW.format(p="20-25", c="0.0.0.0/0", m="  " + M)}, {"main.tf": GFW.format(p="22", c="35.235.240.0/20", m="")}),
    "iac.gcp-audit-config-incomplete": ({"main.tf": AUDIT.format(extra="    " + M + '    exempted_members = ["user:ops@example.invalid"]\n')}, {"main.tf": AUDIT.format(extra="")}),
    "iac.gcp-disk-no-cmek": ({"main.tf": M + 'resource "google_compute_disk" "x" {\n  name = "records"\n  size = 50\n}\n'}, {"main.tf": 'resource "google_compute_disk" "x" {\n  name = "records"\n  disk_encryption_key {\n    kms_key_self_link = google_kms_crypto_key.k.id\n  }\n}\n'}),
    "iac.gcp-subnet-no-flow-logs": ({"main.tf": M + 'resource "google_compute_subnetwork" "x" {\n  ip_cidr_range = "10.2.0.0/16"\n}\n'}, {"main.tf": 'resource "google_compute_subnetwork" "x" {\n  ip_cidr_range = "10.2.0.0/16"\n  log_config {\n    aggregation_interval = "INTERVAL_5_SEC"\n  }\n}\n'}),
    "iac.azure-nsg-open-db-port": ({"main.tf": NSG_RULE.format(p="1433", c="Internet", m="  " + M)}, {"main.tf": NSG_RULE.format(p="1433", c="VirtualNetwork", m="")}),
    "iac.azure-nsg-open-admin-port": ({"main.tf": NSG.format(p="3389", c="*", m="    " + M)}, {"main.tf": NSG.format(p="443", c="*", m="")}),
    "iac.azure-db-firewall-world": ({"main.tf": 'resource "azurerm_mssql_firewall_rule" "x" {\n  name = "all"\n  start_ip_address = "0.0.0.0"\n' + M + '  end_ip_address = "255.255.255.255"\n}\n'}, {"main.tf": 'resource "azurerm_mssql_firewall_rule" "x" {\n  name = "office"\n  start_ip_address = "203.0.113.1"\n  end_ip_address = "203.0.113.9"\n}\n'}),
    "iac.azure-flexible-server-tls-off": ({"main.tf": 'resource "azurerm_postgresql_flexible_server_configuration" "x" {\n  name = "require_secure_transport"\n' + M + '  value = "off"\n}\n'}, {"main.tf": 'resource "azurerm_postgresql_flexible_server_configuration" "x" {\n  name = "require_secure_transport"\n  value = "on"\n}\n'}),
    "iac.azure-storage-network-open": ({"main.tf": M + SA.format(body="")}, {"main.tf": SA.format(body="") + 'resource "azurerm_storage_account_network_rules" "x" {\n  storage_account_id = azurerm_storage_account.x.id\n  default_action = "Deny"\n}\n'}),
    "iac.azure-storage-no-soft-delete": ({"main.tf": SA.format(body="  " + M + "  blob_properties {\n    versioning_enabled = true\n  }\n")}, {"main.tf": SA.format(body="  blob_properties {\n    delete_retention_policy {\n      days = 14\n    }\n  }\n")}),
    "iac.azure-sql-no-long-term-retention": ({"main.tf": M + 'resource "azurerm_mssql_database" "x" {\n  name = "records"\n}\n'}, {"main.tf": 'resource "azurerm_mssql_database" "x" {\n  name = "records"\n  long_term_retention_policy {\n    weekly_retention = "P12W"\n  }\n}\n'}),
    "iac.azure-sql-no-auditing": ({"main.tf": M + MSSQL}, {"main.tf": MSSQL + 'resource "azurerm_mssql_server_extended_auditing_policy" "x" {\n  server_id = azurerm_mssql_server.x.id\n  retention_in_days = 90\n}\n'}),
    "iac.azure-keyvault-no-diagnostics": ({"main.tf": M + KV}, {"main.tf": KV + 'resource "azurerm_monitor_diagnostic_setting" "x" {\n  name = "kv"\n  target_resource_id = azurerm_key_vault.x.id\n  enabled_log {\n    category = "AuditEvent"\n  }\n}\n'}),
    "iac.serverless-secret-in-env": ({"serverless.yml": SLS.format(env="    " + M + "    DB_PASSWORD: not-a-real-password\n", iam="", fenv="")}, {"serverless.yml": SLS.format(env="    DB_PASSWORD: ${ssm:/clinic/db-password}\n", iam="", fenv="")}),
    "iac.serverless-llm-key-in-env": ({"serverless.yml": SLS.format(env="", iam="", fenv="    environment:\n      " + M + "      OPENAI_API_KEY: not-a-real-key\n")}, {"serverless.yml": SLS.format(env="", iam="", fenv="    environment:\n      OPENAI_API_KEY_ARN: arn:aws:secretsmanager:x\n")}),
    "iac.serverless-iam-admin-wildcard": ({"serverless.yml": SLS.format(env="", iam="  iam:\n    role:\n      statements:\n        " + M + "        - Effect: Allow\n          Action: '*'\n          Resource: '*'\n", fenv="")}, {"serverless.yml": SLS.format(env="", iam="  iamRoleStatements:\n    - Effect: Allow\n      Action: [dynamodb:GetItem]\n      Resource: '*'\n", fenv="")}),
}
HAND: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "iac.aws-s3-unencrypted": ({"main.tf": M + BUCKET}, {"main.tf": BUCKET + 'resource "aws_s3_bucket_server_side_encryption_configuration" "b" {\n  bucket = aws_s3_bucket.b.id\n  rule {\n    apply_server_side_encryption_by_default {\n      sse_algorithm = "aws:kms"\n    }\n  }\n}\n'}),
    "iac.aws-s3-versioning": ({"main.tf": M + BUCKET + 'resource "aws_s3_bucket_versioning" "b" {\n  bucket = aws_s3_bucket.b.id\n  versioning_configuration {\n    status = "Suspended"\n  }\n}\n'}, {"main.tf": BUCKET + 'resource "aws_s3_bucket_versioning" "b" {\n  bucket = "records"\n  versioning_configuration {\n    status = "Enabled"\n  }\n}\n'}),
    "iac.aws-s3-no-access-logs": ({"main.tf": M + BUCKET}, {"main.tf": BUCKET + 'resource "aws_s3_bucket_logging" "b" {\n  bucket = aws_s3_bucket.b.id\n  target_bucket = "logs"\n}\n'}),
    "iac.aws-vpc-no-flow-logs": ({"main.tf": M + 'resource "aws_vpc" "v" {\n  cidr_block = "10.0.0.0/16"\n}\n'}, {"main.tf": 'resource "aws_vpc" "v" {\n  cidr_block = "10.0.0.0/16"\n}\nresource "aws_flow_log" "f" {\n  vpc_id = aws_vpc.v.id\n  traffic_type = "ALL"\n}\n'}),
    "iac.aws-s3-insecure-transport": ({"main.tf": M + BUCKET}, {"main.tf": BUCKET + 'resource "aws_s3_bucket_policy" "b" {\n  bucket = aws_s3_bucket.b.id\n  policy = jsonencode({\n    Statement = [{\n      Effect = "Deny"\n      Principal = "*"\n      Action = "s3:*"\n      Resource = "*"\n      Condition = { Bool = { "aws:SecureTransport" = "false" } }\n    }]\n  })\n}\n'}),
    "iac.aws-s3-public-access-block": ({"main.tf": BUCKET + 'resource "aws_s3_bucket_public_access_block" "b" {\n  bucket = aws_s3_bucket.b.id\n  block_public_acls = true\n' + M + '  block_public_policy = false\n  ignore_public_acls = true\n  restrict_public_buckets = true\n}\n'}, {"main.tf": BUCKET + 'resource "aws_s3_bucket_public_access_block" "b" {\n  bucket = aws_s3_bucket.b.id\n  block_public_acls = true\n  block_public_policy = true\n  ignore_public_acls = true\n  restrict_public_buckets = true\n}\n'}),
    "iac.aws-s3-public-policy": ({"main.tf": 'resource "aws_s3_bucket_policy" "x" {\n  bucket = "records"\n' + M + '  policy = "{\\"Statement\\": [{\\"Effect\\": \\"Allow\\", \\"Principal\\": \\"*\\", \\"Action\\": \\"s3:GetObject\\", \\"Resource\\": \\"*\\"}]}"\n}\n'}, {"main.tf": 'resource "aws_s3_bucket_policy" "x" {\n  bucket = "records"\n  policy = "{\\"Statement\\": [{\\"Effect\\": \\"Allow\\", \\"Principal\\": {\\"AWS\\": \\"arn:aws:iam::1:role/app\\"}, \\"Action\\": \\"s3:GetObject\\", \\"Resource\\": \\"*\\"}]}"\n}\n'}),
    "iac.aws-iam-admin-wildcard": ({"main.tf": 'resource "aws_iam_policy" "x" {\n' + M + '  policy = jsonencode({\n    Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }]\n  })\n}\n'}, {"main.tf": 'resource "aws_iam_policy" "x" {\n  policy = jsonencode({\n    Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "*" }]\n  })\n}\n'}),
    "iac.aws-sg-open-db-port": ({"main.tf": SG.format(p=5432, c="0.0.0.0/0", m="    " + M)}, {"main.tf": SG.format(p=5432, c="10.0.0.0/16", m="")}),
    "iac.aws-sg-open-admin-port": ({"main.tf": SG.format(p=22, c="::/0", m="    " + M).replace("cidr_blocks", "ipv6_cidr_blocks")}, {"main.tf": SG.format(p=443, c="0.0.0.0/0", m="")}),
    "iac.aws-sg-open-all-ports": ({"main.tf": 'resource "aws_security_group_rule" "x" {\n  type = "ingress"\n  from_port = 0\n  to_port = 0\n  protocol = "-1"\n' + M + '  cidr_blocks = ["0.0.0.0/0"]\n}\n'}, {"main.tf": 'resource "aws_security_group_rule" "x" {\n  type = "ingress"\n  from_port = 0\n  to_port = 0\n  protocol = "-1"\n  cidr_blocks = ["10.1.0.0/16"]\n}\n'}),
    "iac.aws-nacl-open-admin-port": ({"main.tf": 'resource "aws_network_acl_rule" "x" {\n  rule_action = "allow"\n  protocol = "tcp"\n  from_port = 22\n  to_port = 22\n' + M + '  cidr_block = "0.0.0.0/0"\n}\n'}, {"main.tf": 'resource "aws_network_acl_rule" "x" {\n  rule_action = "deny"\n  protocol = "tcp"\n  from_port = 22\n  to_port = 22\n  cidr_block = "0.0.0.0/0"\n}\n'}),
    "iac.aws-lb-http-listener": ({"main.tf": 'resource "aws_lb_listener" "x" {\n  port = 80\n' + M + '  protocol = "HTTP"\n  default_action {\n    type = "forward"\n  }\n}\n'}, {"main.tf": 'resource "aws_lb_listener" "x" {\n  port = 80\n  protocol = "HTTP"\n  default_action {\n    type = "redirect"\n  }\n}\n'}),
    "iac.aws-lb-weak-tls-policy": ({"main.tf": 'resource "aws_lb_listener" "x" {\n  protocol = "HTTPS"\n' + M + '  ssl_policy = "ELBSecurityPolicy-2016-08"\n}\n'}, {"main.tf": 'resource "aws_lb_listener" "x" {\n  protocol = "HTTPS"\n  ssl_policy = "ELBSecurityPolicy-TLS13-1-2-2021-06"\n}\n'}),
    "iac.aws-cloudfront-http": ({"main.tf": 'resource "aws_cloudfront_distribution" "x" {\n  default_cache_behavior {\n' + M + '    viewer_protocol_policy = "allow-all"\n  }\n}\n'}, {"main.tf": 'resource "aws_cloudfront_distribution" "x" {\n  default_cache_behavior {\n    viewer_protocol_policy = "redirect-to-https"\n  }\n}\n'}),
    "iac.aws-cloudfront-weak-tls": ({"main.tf": 'resource "aws_cloudfront_distribution" "x" {\n  viewer_certificate {\n' + M + '    cloudfront_default_certificate = true\n  }\n}\n'}, {"main.tf": 'resource "aws_cloudfront_distribution" "x" {\n  viewer_certificate {\n    acm_certificate_arn = "arn:x"\n    minimum_protocol_version = "TLSv1.2_2021"\n  }\n}\n'}),
    "iac.aws-rds-force-ssl-off": ({"main.tf": 'resource "aws_db_parameter_group" "x" {\n  family = "postgres14"\n  parameter {\n    name = "rds.force_ssl"\n' + M + '    value = "0"\n  }\n}\n'}, {"main.tf": 'resource "aws_db_parameter_group" "x" {\n  family = "postgres14"\n  parameter {\n    name = "rds.force_ssl"\n    value = "1"\n  }\n}\n'}),
    "iac.aws-cognito-weak-password": ({"main.tf": 'resource "aws_cognito_user_pool" "x" {\n  password_policy {\n' + M + '    minimum_length = 8\n  }\n}\n'}, {"main.tf": 'resource "aws_cognito_user_pool" "x" {\n  password_policy {\n    minimum_length = 14\n    require_lowercase = true\n    require_uppercase = true\n    require_numbers = true\n    require_symbols = true\n  }\n}\n'}),
    "iac.aws-bedrock-no-invocation-logging": ({"main.tf": M + 'resource "aws_iam_policy" "x" {\n  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "bedrock:InvokeModel", Resource = "*" }] })\n}\n'}, {"main.tf": 'resource "aws_iam_policy" "x" {\n  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "bedrock:InvokeModel", Resource = "*" }] })\n}\nresource "aws_bedrock_model_invocation_logging_configuration" "l" {\n  logging_config {\n    text_data_delivery_enabled = true\n  }\n}\n'}),
    "iac.aws-llm-key-in-env": ({"main.tf": 'resource "aws_lambda_function" "x" {\n  environment {\n    variables = {\n' + M + '      OPENAI_API_KEY = "not-a-real-key-value"\n    }\n  }\n}\n'}, {"main.tf": 'resource "aws_lambda_function" "x" {\n  environment {\n    variables = {\n      OPENAI_API_KEY = var.openai_key\n    }\n  }\n}\nvariable "openai_key" {\n  type = string\n}\n'}),
    "iac.aws-secret-in-env": ({"main.tf": 'resource "aws_lambda_function" "x" {\n  environment {\n    variables = {\n' + M + '      DB_PASSWORD = "not-a-real-password"\n    }\n  }\n}\n'}, {"main.tf": 'resource "aws_lambda_function" "x" {\n  environment {\n    variables = {\n      DB_PASSWORD_ARN = "arn:aws:secretsmanager:x"\n    }\n  }\n}\n'}),
    "iac.aws-kinesis-cfn-unencrypted": ({"template.yaml": "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  " + M + "  Stream:\n    Type: AWS::Kinesis::Stream\n    Properties:\n      ShardCount: 1\n"}, {"template.yaml": "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Stream:\n    Type: AWS::Kinesis::Stream\n    Properties:\n      ShardCount: 1\n      StreamEncryption:\n        EncryptionType: KMS\n        KeyId: !Ref Key\n"}),
    "iac.aws-iam-user-access-key": ({"main.tf": M + 'resource "aws_iam_access_key" "x" {\n  user = "ci"\n}\n'}, {"main.tf": 'resource "aws_iam_role" "x" {\n  name = "ci"\n}\n'}),
    "iac.separation-shared-environment": ({"main.tf": M + 'resource "aws_vpc" "shared" {\n  cidr_block = "10.0.0.0/16"\n}\nresource "aws_subnet" "s" {\n  vpc_id = aws_vpc.shared.id\n  tags = { Environment = "staging" }\n}\nresource "aws_subnet" "p" {\n  vpc_id = aws_vpc.shared.id\n  tags = { Environment = "production" }\n}\n'}, {"main.tf": 'resource "aws_vpc" "prod" {\n  cidr_block = "10.0.0.0/16"\n}\nresource "aws_subnet" "p" {\n  vpc_id = aws_vpc.prod.id\n  tags = { Environment = "production" }\n}\n'}),
    "iac.k8s-privileged": ({"pod.yaml": POD.format(extra="").replace("        allowPrivilegeEscalation: false\n", "        allowPrivilegeEscalation: false\n" + "        " + M + "        privileged: true\n")}, {"pod.yaml": POD.format(extra="")}),
    "iac.k8s-run-as-root": ({"pod.yaml": POD.format(extra="").replace("        runAsNonRoot: true\n", "        " + M + "        runAsUser: 0\n")}, {"pod.yaml": POD.format(extra="")}),
    "iac.k8s-run-as-non-root-missing": ({"pod.yaml": POD.format(extra="").replace("    - name: app\n", "    " + M + "    - name: app\n").replace("        runAsNonRoot: true\n", "")}, {"pod.yaml": POD.format(extra="")}),
    "iac.k8s-privilege-escalation": ({"pod.yaml": POD.format(extra="").replace("        allowPrivilegeEscalation: false\n", "        " + M + "        allowPrivilegeEscalation: true\n")}, {"pod.yaml": POD.format(extra="")}),
    "iac.k8s-host-namespace": ({"pod.yaml": POD.format(extra="  " + M + "  hostNetwork: true\n")}, {"pod.yaml": POD.format(extra="  hostNetwork: false\n")}),
    "iac.k8s-secret-in-env": ({"pod.yaml": POD.format(extra="      env:\n        - name: DB_PASSWORD\n          " + M + "          value: not-a-real-password\n")}, {"pod.yaml": POD.format(extra="      env:\n        - name: DB_PASSWORD\n          valueFrom:\n            secretKeyRef:\n              name: db\n              key: password\n")}),
    "iac.k8s-datastore-load-balancer": ({"svc.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: db\nspec:\n  type: LoadBalancer\n  ports:\n    " + M + "    - port: 5432\n"}, {"svc.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: db\nspec:\n  type: ClusterIP\n  ports:\n    - port: 5432\n"}),
    "iac.k8s-mutable-image": ({"pod.yaml": POD.format(extra="").replace("      image: app:1.0\n", "      " + M + "      image: app:latest\n")}, {"pod.yaml": POD.format(extra="")}),
    "iac.k8s-dangerous-capabilities": ({"pod.yaml": POD.format(extra="").replace("        allowPrivilegeEscalation: false\n", "        allowPrivilegeEscalation: false\n        capabilities:\n          " + M + "          add: [SYS_ADMIN]\n")}, {"pod.yaml": POD.format(extra="")}),
    "iac.docker-root-user": ({"Dockerfile": "FROM python:3.11-slim AS build\nUSER app\n" + M + "FROM python:3.11-slim\nCOPY . /app\n"}, {"Dockerfile": "FROM python:3.11-slim\nUSER 10001\n"}),
    "iac.docker-mutable-base-image": ({"Dockerfile": M + "FROM ubuntu:latest\nUSER 1000\n"}, {"Dockerfile": "FROM ubuntu:24.04 AS base\nFROM base\nUSER 1000\n"}),
    "iac.docker-curl-pipe-shell": ({"Dockerfile": "FROM ubuntu:24.04\n" + M + "RUN curl -fsSL https://example.invalid/install.sh | bash\nUSER 1000\n"}, {"Dockerfile": "FROM ubuntu:24.04\nRUN curl -fsSLo install.sh https://example.invalid/install.sh && sha256sum -c sums && sh install.sh\nUSER 1000\n"}),
    "iac.docker-secret-in-env": ({"Dockerfile": "FROM ubuntu:24.04\n" + M + "ENV API_KEY=not-a-real-key\nUSER 1000\n"}, {"Dockerfile": "FROM ubuntu:24.04\nENV API_KEY_FILE=/run/secrets/api_key\nUSER 1000\n"}),
    "iac.docker-copy-secret-file": ({"Dockerfile": "FROM ubuntu:24.04\n" + M + "COPY .env /app/.env\nUSER 1000\n"}, {"Dockerfile": "FROM ubuntu:24.04\nCOPY app /app\nUSER 1000\n"}),
    "iac.compose-privileged": ({"docker-compose.yml": "services:\n  app:\n    image: app:1.0\n    " + M + "    privileged: true\n"}, {"docker-compose.yml": "services:\n  app:\n    image: app:1.0\n"}),
    "iac.compose-host-network": ({"docker-compose.yml": "services:\n  app:\n    image: app:1.0\n    " + M + "    network_mode: host\n"}, {"docker-compose.yml": "services:\n  app:\n    image: app:1.0\n"}),
    "iac.compose-db-port-public": ({"docker-compose.yml": "services:\n  db:\n    image: postgres:16\n    " + M + "    ports:\n      - \"5432:5432\"\n"}, {"docker-compose.yml": "services:\n  db:\n    image: postgres:16\n    ports:\n      - \"127.0.0.1:5432:5432\"\n"}),
    "iac.compose-secret-in-env": ({"docker-compose.yml": "services:\n  db:\n    image: postgres:16\n    environment:\n      " + M + "      POSTGRES_PASSWORD: not-a-real-password\n"}, {"docker-compose.yml": "services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}\n"}),
}

HAND.update(CLOUD)


def main() -> None:
    for check in catalog():
        if check.id in HAND:
            fail, passing = HAND[check.id]
        elif check.id == "iac.separation-identity-medical-one-instance":
            continue  # needs the profile: tests/stages/iac/test_separation.py
        else:
            made = generic(check)
            if made is None:
                raise SystemExit(f"no fixture for {check.id}")
            fail, passing = {"main.tf": made[0]}, {"main.tf": made[1] or 'resource "aws_iam_role" "x" {\n}\n'}
        for kind, files in (("fail", fail), ("pass", passing)):
            for name, text in files.items():
                path = OUT / check.id / kind / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
