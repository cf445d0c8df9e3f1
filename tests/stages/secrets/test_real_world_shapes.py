"""Leaks in the shapes real repositories have, beyond one ``NAME = "value"`` line.

Each case writes a realistic file (``.env``, docker-compose, a Kubernetes Secret with base64
data, Terraform, a GCP service-account JSON, a Jupyter notebook, CI YAML, shell, .NET and
Spring config, Django settings) with fake values generated here, scans the directory like a
user would, and asserts the planted value is found on the right line. Decoy twins of the
same shapes (variables, templates, secret references) must stay silent.
"""

from __future__ import annotations

import base64
import json
import random
import string
from pathlib import Path

import pytest

from pulsecheck.stages.secrets.options import SecretsOptions
from pulsecheck.stages.secrets.scan import scan_directory

from .fakes import github_token, pem_block

RNG = random.Random(4242)
ALNUM = string.ascii_letters + string.digits


def rand(n: int, alphabet: str = ALNUM) -> str:
    return "".join(RNG.choice(alphabet) for _ in range(n))


PW = rand(13) + "#" + rand(4)
STRIPE = "sk_live_" + rand(40)
SENDGRID = "SG." + rand(22) + "." + rand(43)
NPM = "npm_" + rand(36)
OPENAI = "sk-proj-" + rand(74, ALNUM + "-_") + "T3BlbkFJ" + rand(74, ALNUM + "-_")
SLACK = f"xoxb-{rand(12, string.digits)}-{rand(13, string.digits)}-{rand(24)}"
GH = github_token("ghp", RNG)
AWS_ID = "AKIA" + rand(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
AWS_SECRET = rand(40, ALNUM + "/+")
KEY_ID = rand(40, "0123456789abcdef")
PEM = pem_block("PRIVATE KEY", RNG)
TOKEN = rand(32)

CASES: dict[str, tuple[str, str, int | str]] = {  # name -> (path, content, line of the secret or a text on it)
    "dotenv": (".env", f"# local\nSTRIPE_SECRET_KEY={STRIPE}\nDEBUG=true\n", 2),
    "dotenv-quoted-password": (".env.production", f'APP_ENV=prod\nDATABASE_PASSWORD="{PW}"\n', 2),
    "compose-map": ("docker-compose.yml", "services:\n  db:\n    image: postgres:16\n    environment:\n"
                    f"      POSTGRES_PASSWORD: {PW}\n", 5),
    "compose-list": ("deploy/compose.yaml", "services:\n  api:\n    environment:\n"
                     f"      - SENDGRID_API_KEY={SENDGRID}\n", 4),
    "k8s-secret-base64": ("k8s/secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: ehr-db\ntype: Opaque\n"
                          "data:\n  username: " + base64.b64encode(b"ehr_app").decode() + "\n"
                          "  DATABASE_URL: " + base64.b64encode(f"postgresql://ehr_app:{PW}@db.internal/emr".encode())
                          .decode() + "\n", 8),
    "k8s-secret-base64-token": ("k8s/slack.yaml", "apiVersion: v1\nkind: Secret\ndata:\n  slack-token: "
                                + base64.b64encode(SLACK.encode()).decode() + "\n", 4),
    "terraform-variable-default": ("infra/variables.tf", 'variable "db_password" {\n  type      = string\n'
                                   f'  sensitive = true\n  default   = "{PW}"\n}}\n', 4),
    "terraform-tfvars": ("infra/prod.tfvars", f'region = "eu-west-1"\nstripe_api_key = "{STRIPE}"\n', 2),
    "gcp-service-account": ("keys/sa.json", json.dumps({
        "type": "service_account", "project_id": "ehr-prod", "private_key_id": KEY_ID,
        "private_key": PEM + "\n", "client_email": "svc@ehr-prod.iam.gserviceaccount.com"}, indent=2), 4),
    "notebook-source": ("analysis.ipynb", json.dumps({"cells": [{"cell_type": "code", "source": [
        "import openai\n", f'openai.api_key = "{OPENAI}"\n'], "outputs": []}]}, indent=1), 7),
    "notebook-output": ("report.ipynb", json.dumps({"cells": [{"cell_type": "code", "source": ["print(cfg)\n"],
                        "outputs": [{"name": "stdout", "output_type": "stream",
                                     "text": [f"{{'aws_access_key_id': '{AWS_ID}'}}\n"]}]}]}, indent=1), AWS_ID),
    "github-actions": (".github/workflows/release.yml", "on: push\njobs:\n  publish:\n    env:\n"
                       f"      NODE_AUTH_TOKEN: {NPM}\n", 5),
    "gitlab-ci": (".gitlab-ci.yml", f'variables:\n  GITHUB_TOKEN: "{GH}"\n', 2),
    "shell-export": ("scripts/deploy.sh", f"#!/bin/sh\nexport AWS_SECRET_ACCESS_KEY={AWS_SECRET}\n", 2),
    "curl-user": ("scripts/sync.sh", f"curl -sf -u integration:{PW} https://fhir.clinic.internal/metadata\n", 1),
    "bearer-in-code": ("app/client.py", f'HEADERS = {{"Authorization": "Bearer {TOKEN}"}}\n', 1),
    "bearer-in-js": ("web/api.js", f"fetch(url, {{ headers: {{ Authorization: 'Bearer {TOKEN}' }} }});\n", 1),
    "appsettings": ("Api/appsettings.json", json.dumps({"ConnectionStrings": {"Default": (
        f"Server=tcp:ehr.database.windows.net,1433;Database=ehr;User ID=ehradmin;Password={PW};Encrypt=True;")}},
        indent=2), 3),
    "spring-properties": ("src/main/resources/application.properties",
                          f"spring.datasource.url=jdbc:postgresql://db:5432/ehr\nspring.datasource.password={PW}\n", 2),
    "spring-yaml": ("src/main/resources/application.yml", f"spring:\n  datasource:\n    password: '{PW}'\n", 3),
    "django-settings": ("clinic/settings.py", "DATABASES = {\n    'default': {\n        'ENGINE': 'django.db.backends"
                        f".postgresql',\n        'PASSWORD': '{PW}',\n    }}\n}}\n", 4),
}

DECOYS: dict[str, tuple[str, str]] = {
    "dotenv-refs": (".env", "STRIPE_SECRET_KEY=${STRIPE_SECRET_KEY}\nDATABASE_PASSWORD=\n"),
    "compose-refs": ("docker-compose.yml", "services:\n  db:\n    environment:\n"
                     "      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?required}\n"
                     "      POSTGRES_PASSWORD_FILE: /run/secrets/db_password\n"),
    "k8s-secret-ref": ("k8s/deploy.yaml", "env:\n  - name: DB_PASSWORD\n    valueFrom:\n      secretKeyRef:\n"
                       "        name: ehr-db\n        key: password\n"),
    "k8s-secret-placeholder": ("k8s/secret.yaml", "apiVersion: v1\nkind: Secret\ndata:\n  password: "
                               + base64.b64encode(b"changeme").decode() + "\n"),
    "terraform-var-ref": ("infra/main.tf", 'resource "aws_db_instance" "ehr" {\n  password = var.db_password\n}\n'
                          'variable "db_password" {\n  type = string\n  sensitive = true\n}\n'),
    "actions-secret-ref": (".github/workflows/ci.yml", "env:\n  NODE_AUTH_TOKEN: ${{ secrets.NPM_TOKEN }}\n"),
    "bearer-template": ("web/api.js", "fetch(url, { headers: { Authorization: `Bearer ${token}` } });\n"),
    "spring-placeholder": ("application.properties", "spring.datasource.password=${DB_PASSWORD}\n"),
    "django-env": ("settings.py", "DATABASES = {'default': {'PASSWORD': os.environ['DB_PASSWORD']}}\n"),
}


def _findings(root: Path) -> list:  # type: ignore[type-arg]
    notes: list[str] = []
    return scan_directory(root, SecretsOptions(history=False), note=notes.append, gap=notes.append)


@pytest.mark.parametrize("case", sorted(CASES))
def test_real_world_shape_is_found(tmp_path: Path, case: str) -> None:
    path, content, where = CASES[case]
    line = where if isinstance(where, int) else next(
        n for n, text in enumerate(content.splitlines(), 1) if where in text)
    target = tmp_path / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(content)
    found = [(f.location.path, f.location.line) for f in _findings(tmp_path)]
    assert (path, line) in found, f"{case}: {found}"


@pytest.mark.parametrize("case", sorted(DECOYS))
def test_real_world_decoy_is_silent(tmp_path: Path, case: str) -> None:
    path, content = DECOYS[case]
    target = tmp_path / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(content)
    assert [(f.rule_id, f.location.line) for f in _findings(tmp_path)] == []


CODE_DECOYS = [  # shapes seen in real SDKs, docs and bundles that are not credentials
    '# "-----BEGIN EC PRIVATE KEY-----...",\n# "-----BEGIN PRIVATE KEY-----..."\nx = parse(key)',
    'assert lines[0] == "-----BEGIN RSA PRIVATE KEY-----"\nreturn load(lines[1:])',
    "For example, `-----BEGIN RSA PRIVATE KEY----- MIIEpQIBAAKCAQEAuyf/lNrH9ck8DmNyo3f. -----END RSA PRIVATE KEY-----`",
    'ID_TOKEN_ISSUER_PREFIX = "https://securetoken.google.com/"',
    'GRANT_TYPE_JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"',
    'refresh_token="REFRESH-TOKEN-A",',
    'MODULE_REFERENCE_TOKEN = "__WEBPACK_MODULE_REFERENCE__";',
    '"output_token": "StreamDescription.Shards[-1].ShardId",',
    '"NextToken": "Qj9iZzP9N1Vh5jjNyad6X73sizWaPtVQ6328oKe9/GbmNSbOFX1TIhQaz5vok0nu",',
    '"ClientToken": "XqJIt1342112125076",',
    '"PasswordLastUsed": "2016-09-08T21:47:36Z",',
    '"PasswordData": "TGludXggdmVyc2lvbiAyLjYuMTYteGVuVSAoYnVpbGRlckBwYXRjaGJhdC5hbWF6b25zYSkgKGdj"',
    'ADMIN_PASSWORD = "pbkdf2_sha256$30000$Vo0VlMnkR4Bk$qEvtdyZRWTcOsCnI/oQ7fVOu1XAURIZYoOZ3iq8Dr4M="',
    '"Authorization": "Basic dXNlcm5hbWU6cGFzc3dvcmQ=",',
    'token = "eyJmb28iOiAiYmFyIn0="',
    "self.token = \"ACCESS_TOKEN_{}\".format(self._counter)",
    'MASKED_SECRET = "1bcdefghij2bcdefghij3bcdefghij4bcdefghij5bcdefghij6bcdefghijABCD"',
    '"id_token": "1234-5678-9012-3456",',
    'expected_credential = "access_key/20110909/us-west-2/ec2/aws4_request"',
    '"server_url": "https://user:s3cr3tValue9@fixture.invalid/mcp"',
    "'oauth_token_secret': 'lsdajfh923874',",
    'var u="Unexpected token =",DuplicateBinding:"Duplicate binding %0";',
    'r={mode:A.mode??"no-cors",credentials:A.credentials??"same-origin",useCredentials:A.useCredentials??false}',
    'https://api.example.org/authorize?oauth_token=sdf0o9823sjdfsdf&oauth_callback=https%3A%2F%2Fx',
    'HEADERS = {"Authorization": "Bearer mF_9.B5f-4.1JqM"}',
    ".. class:: EmailBackend(host=None, port=None, username=None, password=None, use_tls=None)",
    "type DecodedIdToken = TDecodedIdToken;",
]


@pytest.mark.parametrize("text", CODE_DECOYS)
def test_code_and_documentation_decoys_are_silent(text: str) -> None:
    from pulsecheck.stages.secrets.matcher import Scanner
    from pulsecheck.stages.secrets.rules import builtin_rules

    scanner = Scanner(builtin_rules())
    assert [(scanner.rules[h.rule].id, h.secret[:4]) for h in scanner.scan(text)] == []


@pytest.mark.parametrize(("path", "line"), [("docs/databases.rst", '"PASSWORD": "superS3cret",'),
                                            ("tests/test_db.py", 'PASSWORD = "veryPriv@te1"')])
def test_memorable_password_in_docs_or_tests_is_an_example(tmp_path: Path, path: str, line: str) -> None:
    (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / path).write_text(line + "\n")
    (tmp_path / "settings.py").write_text(line + "\n")
    assert [f.location.path for f in _findings(tmp_path)] == ["settings.py"]


def test_key_lines_ending_in_plus_or_slash_and_concatenated_keys_are_whole() -> None:
    """Base64 lines may start or end with ``+`` or ``/``: only quoting and operators are stripped."""
    import base64 as b64

    from pulsecheck.stages.secrets.pem import pem_body

    for _ in range(20):
        raw = b"\x30\x82\x04\xa4" + bytes(RNG.randrange(256) for _ in range(700))
        body = b64.b64encode(raw).decode()
        rows = [body[i:i + 64] for i in range(0, len(body), 64)]
        plain = "-----BEGIN PRIVATE KEY-----\n" + "\n".join(rows) + "\n-----END PRIVATE KEY-----"
        assert pem_body(plain) == body
        js = 'const key = "-----BEGIN PRIVATE KEY-----\\n" +\n' + "".join(f'  "{r}\\n" +\n' for r in rows) + \
            '  "-----END PRIVATE KEY-----";'
        assert pem_body(js) == body
