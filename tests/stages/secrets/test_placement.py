"""Issue 11: where a value stands and what it reads as decide whether it reaches high severity.

Each case is a minimal file of the shape that produced false alarms on real health repositories
(DBUnit test datasets, committed ``node_modules`` and installed packages, message bundles,
validation rules, ``.env.example``, compose defaults, README logins). The same value written
into a plain config file must still be reported high: the place or the text is what differs.
"""

from __future__ import annotations

import random
import string
from pathlib import Path

import pytest

from pulsecheck.model import Confidence, Finding, Severity
from pulsecheck.stages.secrets.options import SecretsOptions
from pulsecheck.stages.secrets.scan import scan_directory

from .fakes import pem_block

RNG = random.Random(1111)


def rand(n: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    return "".join(RNG.choice(alphabet) for _ in range(n))


PASSWORD = rand(10) + "!" + rand(5)
HASH_LIKE = rand(40, "0123456789abcdef")
SECRET = rand(32)


def _scan(root: Path, files: dict[str, str]) -> dict[str, Finding]:
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    notes: list[str] = []
    opts = SecretsOptions.from_options({"history": False})
    return {f.location.path: f for f in scan_directory(root, opts, note=notes.append, gap=notes.append)}


def _control(root: Path, line: str) -> Finding:
    """The same line in an ordinary config file: high."""
    found = _scan(root / "control", {"config/app.properties": line + "\n"})
    assert found, line
    finding = next(iter(found.values()))
    assert finding.severity >= Severity.HIGH, finding
    return finding


def test_dbunit_test_dataset_is_kept_low(tmp_path: Path) -> None:
    line = f'  <users user_id="1" username="admin" password="{PASSWORD}" secret_question=""/>'
    dataset = "api/src/test/resources/org/acme/include/standardTestDataset.xml"
    found = _scan(tmp_path, {dataset: f"<dataset>\n{line}\n</dataset>\n"})
    assert set(found) == {dataset}
    f = found[dataset]
    assert (f.severity, f.confidence) == (Severity.LOW, Confidence.LOW)
    assert "test data" in f.message
    _control(tmp_path, f"admin.password={PASSWORD}")


def test_vendor_key_in_a_test_fixture_is_medium_not_high(tmp_path: Path) -> None:
    found = _scan(tmp_path, {"spec/fixtures/server-key.pem": pem_block("RSA PRIVATE KEY", RNG) + "\n"})
    (f,) = found.values()
    assert f.severity == Severity.MEDIUM and f.confidence <= Confidence.MEDIUM


@pytest.mark.parametrize("rel", [
    "node_modules/aws-sdk/apis/iam-2010-05-08.examples.json",
    "web/vendor/symfony/http-foundation/Config.php",
    "static/bower_components/lib/conf.js",
    "lib/html2pdf_v4.03/_tcpdf_5.0.002/config.php",
    "app/static/bundle.min.js",
])
def test_vendored_third_party_code_is_low_with_a_message(tmp_path: Path, rel: str) -> None:
    found = _scan(tmp_path, {rel: f'{{"ClientSecret": "{SECRET}", "Password": "{PASSWORD}"}}\n'})
    assert found, rel
    for f in found.values():
        assert (f.severity, f.confidence) == (Severity.LOW, Confidence.LOW), (rel, f)
        assert "vendored dependency" in f.message


def test_installed_site_packages_tree_is_vendored(tmp_path: Path) -> None:
    """A site-packages directory scanned as the root: its packages sit beside ``*.dist-info``."""
    found = _scan(tmp_path, {
        "somelib-1.0.dist-info/METADATA": "Name: somelib\n",
        "somelib/types.py": f'    password = "{PASSWORD}"\n',
        "somelib/keys.pem": pem_block("RSA PRIVATE KEY", RNG) + "\n",
    })
    assert {f.location.path for f in found.values()} == {"somelib/types.py", "somelib/keys.pem"}
    assert all(f.severity == Severity.LOW for f in found.values())


@pytest.mark.parametrize(("rel", "text"), [
    ("webapp/WEB-INF/messages_es.properties", "error.password.incorrect = Contrase\\u00f1a incorrecta\n"),
    ("webapp/WEB-INF/messages_es.properties", "auth.password.invalid=Usuario/contraseña inválidos. Inténtelo de nuevo.\n"),
    ("api/messages_zh_CN.properties", "auth.password.invalid =无效的用户名/密码。请再试一次。\n"),
    ("api/messages_si.properties", "welcome=Welcome to the demo [ User: admin | Pass: Admin123 ]\n"),
    ("locale/es/LC_MESSAGES/app.properties", "password_reset=Restablecer contraseña\n"),
    ("src/i18n/es.json", '{"login": {"secretAnswer": "Respuesta\\u00a0secreta"}}\n'),
    ("config/ui.properties", "login.password.help=Contraseña incorrecta\n"),
])
def test_localisation_strings_are_not_passwords(tmp_path: Path, rel: str, text: str) -> None:
    assert _scan(tmp_path, {rel: text}) == {}


def test_a_generated_key_in_a_catalogue_is_still_found(tmp_path: Path) -> None:
    found = _scan(tmp_path, {"src/i18n/en.json": f'{{"api_secret": "{SECRET}"}}\n'})
    assert list(found) == ["src/i18n/en.json"]


@pytest.mark.parametrize("value", ["required|min:6", "required|string|min:8|confirmed", "string|max:255",
                                   "nullable|string|between:8,64", "required|confirmed|min:12"])
def test_validation_rule_strings_are_not_passwords(tmp_path: Path, value: str) -> None:
    php = f"<?php\nreturn [\n    'password' => '{value}',\n    'password_confirmation' => '{value}',\n];\n"
    assert _scan(tmp_path, {"app/Http/Requests/RegisterRequest.php": php}) == {}


@pytest.mark.parametrize("rel", [".env.example", ".env.sample", "config/parameters.yml.dist", "settings.template.ini",
                                 "README.md", "docs/install.rst"])
def test_example_templates_and_docs_are_low(tmp_path: Path, rel: str) -> None:
    text = f"DB_PASSWORD={PASSWORD}\nDATABASE_URL=postgres://ehr:{PASSWORD}@db.internal:5432/ehr\n"
    found = _scan(tmp_path, {rel: text})
    assert found, rel
    for f in found.values():
        assert f.severity == Severity.LOW and f.confidence == Confidence.LOW, (rel, f)


def test_compose_interpolation_default_and_change_me_comment_are_low(tmp_path: Path) -> None:
    found = _scan(tmp_path, {
        "docker-compose.yml": "services:\n  grafana:\n    environment:\n"
                              f"      GF_SECURITY_ADMIN_PASSWORD: ${{GRAFANA_ADMIN_PASSWORD:-{PASSWORD}}}\n",
        "server/config.py": f"SECRET_KEY = '{SECRET}'    #Change\n",
    })
    assert set(found) == {"docker-compose.yml", "server/config.py"}
    assert all(f.severity == Severity.LOW for f in found.values())
    _control(tmp_path, f"SECRET_KEY = '{SECRET}'")


@pytest.mark.parametrize("line", ["db_password: db_password", "PASSWORD = 'password_here'",
                                  "# org.acme.NewTokenLandingPage = %servletContext%/index.html"])
def test_values_restating_the_key_or_templates_are_dropped(tmp_path: Path, line: str) -> None:
    assert _scan(tmp_path, {"conf/app.properties": line + "\n"}) == {}


def test_a_real_default_password_in_main_code_stays_high(tmp_path: Path) -> None:
    """A sample-data script and a default admin password are not tests: still high."""
    found = _scan(tmp_path, {
        "deploy/create-default-admin.ts": f"const password = '{PASSWORD}';\n",
        "scripts/create-sample-appointments.ts": f"const clientSecret = '{SECRET}';\n",
    })
    assert set(found) == {"deploy/create-default-admin.ts", "scripts/create-sample-appointments.ts"}
    assert all(f.severity >= Severity.HIGH for f in found.values())


def test_a_password_described_in_a_comment_sentence_is_low(tmp_path: Path) -> None:
    conf = ("#   When FakeBasicAuth is on, the password every client sends is fixed and the\n"
            f"#     file needs this password: `{PASSWORD}'.\n")
    found = _scan(tmp_path, {"package/rpm/resources/ssl.conf": conf})
    assert [f.severity for f in found.values()] == [Severity.LOW]
    _control(tmp_path, f"password: {PASSWORD}")


def test_a_uri_whose_password_is_its_user_name_is_a_default(tmp_path: Path) -> None:
    found = _scan(tmp_path, {"docker/.local.env": "DATABASE_URL=postgres://postgres:postgres@db:5432/care\n"
                                                  "REDIS_URL=redis://admin:admin@cache:6379/0\n"})
    assert found and all(f.severity == Severity.LOW for f in found.values())
    _control(tmp_path, f"DATABASE_URL=postgres://care:{PASSWORD}@db:5432/care")


def test_a_hex_password_hash_with_its_leading_zero_dropped_is_a_digest(tmp_path: Path) -> None:
    """Java's BigInteger.toString(16) drops leading zeros: a 39-digit SHA-1 is still a hash."""
    found = _scan(tmp_path, {"tools/src/main/java/DataTuner.java":
                             f'    private static final String PASSWORD = "{HASH_LIKE[1:]}";\n'})
    assert found == {}


def test_a_library_bundled_under_lib_with_its_manifest_and_licence_is_vendored(tmp_path: Path) -> None:
    key = pem_block("RSA PRIVATE KEY", RNG) + "\n"
    found = _scan(tmp_path, {"lib/pdfkit/composer.json": "{}\n", "lib/pdfkit/LICENSE.TXT": "LGPL\n",
                             "lib/pdfkit/cert/pdfkit.crt": key, "lib/own/keys/server.pem": pem_block("RSA PRIVATE KEY", RNG) + "\n"})
    assert found["lib/pdfkit/cert/pdfkit.crt"].severity == Severity.LOW
    assert found["lib/own/keys/server.pem"].severity >= Severity.HIGH


@pytest.mark.parametrize("rel", ["ops/credentials.txt", "scripts/install.sh", "deploy/default.env"])
def test_plain_text_scripts_and_defaults_are_not_documentation(tmp_path: Path, rel: str) -> None:
    found = _scan(tmp_path, {rel: f"DB_PASSWORD={PASSWORD}\n"})
    assert [f.severity >= Severity.HIGH for f in found.values()] == [True], rel


def test_local_development_environment_config_is_medium(tmp_path: Path) -> None:
    """cookiecutter-django's ``.envs/.local/.postgres``: a generated password of a database that only
    runs on the developer's machine is reported, below high; the production twin stays high."""
    line = f"POSTGRES_PASSWORD={PASSWORD}"
    found = _scan(tmp_path, {".envs/.local/.postgres": f"POSTGRES_HOST=postgres\n{line}\n",
                             ".envs/.production/.postgres": f"POSTGRES_HOST=postgres\n{line}x\n"})
    local, prod = found[".envs/.local/.postgres"], found[".envs/.production/.postgres"]
    assert local.severity == Severity.MEDIUM and "local development" in local.message
    assert prod.severity >= Severity.HIGH


def test_local_dev_directory_does_not_lower_a_vendor_key_or_code(tmp_path: Path) -> None:
    key = "AKIA" + rand(16, string.ascii_uppercase + "234567")
    found = _scan(tmp_path, {"config/dev/aws.env": f"AWS_ACCESS_KEY_ID={key}\n",
                             "src/dev/seed.py": f'DB_PASSWORD = "{PASSWORD}"\n'})
    assert found["config/dev/aws.env"].severity >= Severity.HIGH
    assert found["src/dev/seed.py"].severity >= Severity.HIGH


def test_a_json_payload_quoted_in_a_comment_is_medium(tmp_path: Path) -> None:
    """A request body documented in a comment above a serializer is a sample, not configuration;
    a commented-out assignment is still high."""
    sample = ('# {\n#   "email": "someone@example.org",\n'
              f'#   "password": "{PASSWORD}",\n#   "txnId": "0"\n' '# }\nclass CreateAccount:\n    pass\n')
    commented_out = f'# DB_PASSWORD = "{PASSWORD}z"\nDB_PASSWORD = os.environ["DB_PASSWORD"]\n'
    found = _scan(tmp_path, {"api/serializers.py": sample, "api/settings.py": commented_out})
    assert found["api/serializers.py"].severity == Severity.MEDIUM
    assert "comment" in found["api/serializers.py"].message
    assert found["api/settings.py"].severity >= Severity.HIGH


def test_same_named_copy_of_a_vendored_file_in_history_is_vendored(tmp_path: Path) -> None:
    """A library's sample key, once committed under an older copy of the library that is gone from
    the tree, is the library's file, not the project's key; another key stays critical."""
    from sources.gitutil import commit_files, init

    key, own = pem_block("RSA PRIVATE KEY", RNG) + "\n", pem_block("RSA PRIVATE KEY", RNG) + "\n"
    repo = init(tmp_path / "app")
    commit_files(repo, {"lib/OldExcel/Shared/PDF/pdfkit.crt": key, "keys/server.pem": own}, "bundle old copy")
    (repo / "lib/OldExcel/Shared/PDF/pdfkit.crt").unlink()
    commit_files(repo, {"lib/pdfkit/composer.json": "{}\n", "lib/pdfkit/LICENSE.TXT": "LGPL\n",
                        "lib/pdfkit/pdfkit.crt": key}, "bundle pdfkit", date="2024-02-01T00:00:00+00:00")
    notes: list[str] = []
    found = scan_directory(repo, SecretsOptions(jobs=1), note=notes.append, gap=notes.append)
    by_path = {o["path"] for f in found for o in f.properties["occurrences"]}
    assert "lib/OldExcel/Shared/PDF/pdfkit.crt" in by_path
    lib = next(f for f in found if f.location.path == "lib/pdfkit/pdfkit.crt")
    assert lib.severity == Severity.LOW
    assert next(f for f in found if f.location.path == "keys/server.pem").severity >= Severity.HIGH
