"""The full catalogue on realistic lines: what must be found, and the decoys that must not be."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from pulsecheck.stages.secrets.matcher import Allowlist, Scanner
from pulsecheck.stages.secrets.options import OptionsError, SecretsOptions
from pulsecheck.stages.secrets.rules import builtin_rules
from pulsecheck.stages.secrets.scan import scan_directory

from .fakes import POOL, github_token, jwt, pem_block

RNG = random.Random(2024)


def rand(alphabet: str, n: int) -> str:
    return "".join(RNG.choice(alphabet) for _ in range(n))


AKIA = "AKIA" + rand("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)
AWS_SECRET = rand(POOL + "+/", 40)
PASSWORD = rand(POOL, 12) + "!" + rand(POOL, 4)

POSITIVES = [
    (f'AWS_ACCESS_KEY_ID = "{AKIA}"', "secrets.aws-access-key-id"),
    (f"aws_secret_access_key={AWS_SECRET}", "secrets.aws-secret-access-key"),
    (f'DATABASE_URL = "postgresql://ehr:{PASSWORD}@db.internal:5432/patients"', "secrets.postgres-uri-password"),
    (f"MONGO=mongodb+srv://app:{PASSWORD}@cluster0.ab1cd.mongodb.net/vitals", "secrets.mongodb-uri-password"),
    (f"redis://:{PASSWORD}@cache.internal:6379/0", "secrets.redis-uri-password"),
    (f"amqp://worker:{PASSWORD}@mq.internal:5672/", "secrets.amqp-uri-password"),
    (f'url: "mysql://root:{PASSWORD}@10.0.0.5/emr"', "secrets.mysql-uri-password"),
    (f"FHIR_URL=https://admin:{PASSWORD}@fhir.example-hospital.org/fhir", "secrets.url-basic-auth"),
    (f'DB_PASSWORD = "{PASSWORD}"', "secrets.generic-password"),
    (f"  db_password: {PASSWORD}", "secrets.generic-password"),
    (f"export DB_PASSWORD={PASSWORD}", "secrets.generic-password"),
    (f'EPIC_CLIENT_SECRET = "{rand(POOL, 32)}"', "secrets.ehr-client-secret"),
    (f'availity_api_key: "{rand(POOL, 24)}"', "secrets.clearinghouse-api-key"),
    (f'curl -H "Authorization: Bearer {rand(POOL, 40)}" https://api', "secrets.authorization-bearer-token"),
    (f'token = "{github_token("ghp", RNG)}"', "secrets.github-pat"),
    (f'SERVICE_JWT = "{jwt(RNG)}"', "secrets.jwt"),
    (f'"key": "{pem_block("RSA PRIVATE KEY", RNG)}"'.replace("\n", "\\n"), "secrets.private-key-rsa"),
    (pem_block("OPENSSH PRIVATE KEY", RNG), "secrets.private-key-openssh"),
    (pem_block("PRIVATE KEY", RNG), "secrets.private-key-pkcs8"),
]

DECOYS = [
    'AWS_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"',
    'AWS_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"',
    'GITHUB_TOKEN = "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"',
    f'GITHUB_TOKEN = "ghp_{rand(POOL, 36)}"',  # bad checksum: not a GitHub token
    'OPENAI_API_KEY = os.environ["OPENAI_API_KEY"]',
    'STRIPE_SECRET_KEY = os.getenv("STRIPE_SECRET_KEY", "")',
    "DB_PASSWORD = settings.DB_PASSWORD",
    "const apiKey = process.env.API_KEY;",
    'password = "<your-password-here>"',
    'API_KEY = "${API_KEY}"',
    'token = "{{ vault_token }}"',
    'SECRET_KEY = "changeme"',
    'password: "REPLACE_ME"',
    f'commit_sha = "{rand("0123456789abcdef", 40)}"',
    f'checksum = "sha256:{rand("0123456789abcdef", 64)}"',
    f'"integrity": "sha512-{rand(POOL + "+/", 88)}"',
    'request_id = "3f2b8c1e-9a4d-4e6f-8b2a-1c3d5e7f9a0b"',
    f'trace_id = "{rand("0123456789abcdef", 32)}"',
    f'api_key_id = "{rand("0123456789abcdef", 32)}"',
    f'FAVICON = "data:image/png;base64,{rand(POOL + "+/", 88)}"',
    f'PUBLIC_KEY = """-----BEGIN PUBLIC KEY-----\\n{rand(POOL + "+/", 88)}\\n-----END PUBLIC KEY-----"""',
    f"-----BEGIN CERTIFICATE-----\n{rand(POOL, 64)}\n-----END CERTIFICATE-----",
    "-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----",
    "password_field = forms.CharField(widget=forms.PasswordInput)",
    'if token == "":',
    "def login(username: str, password: str) -> Token:",
    'DATABASE_URL = "postgresql://localhost/patients"',
    'DATABASE_URL = "postgresql://user:password@localhost:5432/test"',
    "postgres://${DB_USER}:${DB_PASSWORD}@${DB_HOST}/app",
    'headers = {"Authorization": f"Bearer {token}"}',
    "password = get_password_from_vault()",
    'secret_name = "prod/clinic/db"',
    "PASSWORD_MIN_LENGTH = 12",
    "token_url = https://auth.example.org/oauth2/token",
    f'password = "{PASSWORD}"  # gitleaks:allow',
]


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return Scanner(builtin_rules())


@pytest.mark.parametrize(("line", "rule_id"), POSITIVES, ids=[r for _, r in POSITIVES])
def test_real_world_forms_are_found(scanner: Scanner, line: str, rule_id: str) -> None:
    ids = {scanner.rules[h.rule].id for h in scanner.scan(line)}
    assert rule_id in ids


@pytest.mark.parametrize("line", DECOYS)
def test_decoys_are_not_reported(scanner: Scanner, line: str) -> None:
    found = [(scanner.rules[h.rule].id, h.secret[:4]) for h in scanner.scan(line)]
    assert found == []


def test_long_minified_line_is_scanned_in_windows(scanner: Scanner) -> None:
    line = "var a=1;" * 2000 + f'var k="{AKIA}";' + "var b=2;" * 2000
    assert [h.secret for h in scanner.scan(line)] == [AKIA]


def test_allowlist_regex_and_stopword() -> None:
    rules = builtin_rules()
    line = f'DB_PASSWORD = "{PASSWORD}"\naws = "{AKIA}"'
    assert Scanner(rules, Allowlist(regexes=(re.compile("^" + re.escape(PASSWORD[:6])),))).scan(line)[0].secret == AKIA
    assert len(Scanner(rules, Allowlist(stopwords=(AKIA[4:10].lower(),))).scan(line)) == 1


def _scan(root: Path, **raw: object) -> list:  # type: ignore[type-arg]
    notes: list[str] = []
    return scan_directory(root, SecretsOptions.from_options(dict(raw)), note=notes.append, gap=notes.append)


def test_test_paths_lower_confidence_and_paths_allowlist(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "conftest.py").write_text(f'AWS_KEY = "{AKIA}"\n')
    (tmp_path / "app.py").write_text(f'AWS_KEY = "{AKIA[:-1]}Q"\n')
    found = {f.location.path: f for f in _scan(tmp_path)}
    assert found["tests/conftest.py"].confidence.value == "medium"
    assert found["app.py"].confidence.value == "high"
    assert {f.location.path for f in _scan(tmp_path, allowlist={"paths": ["tests/*"]})} == {"app.py"}


def test_unquoted_generic_value_in_code_is_an_identifier(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("password = Xk39fjsl2PaB1c\n")
    (tmp_path / ".env").write_text("password=Xk39fjsl2PaB1c\n")
    assert [f.location.path for f in _scan(tmp_path)] == [".env"]


def test_bad_options_are_named() -> None:
    with pytest.raises(OptionsError, match="history"):
        SecretsOptions.from_options({"history": "yes"})
    with pytest.raises(OptionsError, match="unknown option"):
        SecretsOptions.from_options({"histroy": True})
    with pytest.raises(OptionsError, match=r"allowlist\.regexes: .*\(RE2\)"):
        SecretsOptions.from_options({"allowlist": {"regexes": ["("]}})


def test_hyperscan_and_aho_corasick_prefilters_agree() -> None:
    text = "\n".join(line for line, _ in POSITIVES) + f"\nünïcödé İstanbul é {POSITIVES[0][0]}\n" + "\n".join(DECOYS)
    fast, slow = Scanner(builtin_rules()), Scanner(builtin_rules())
    if fast._hs is None:
        pytest.skip("hyperscan is not installed on this platform")
    slow._hs = None
    hits = fast.scan(text)
    assert hits == slow.scan(text) and len(hits) >= len(POSITIVES)


def test_one_scanner_serves_several_threads_at_once(scanner: Scanner) -> None:
    """The stage scans the tree and the history concurrently with one Scanner (regression:
    a shared Hyperscan scratch raised ScratchInUseError)."""
    import concurrent.futures

    text = "\n".join(f'AWS_ACCESS_KEY_ID = "{AKIA}"' for _ in range(2000))
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        counts = list(pool.map(lambda _: len(scanner.scan(text)), range(16)))
    assert counts == [2000] * 16
