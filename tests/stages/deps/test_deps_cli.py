"""CLI: db import/status, deps fix --dry-run, sbom (validated against the CycloneDX 1.6 and
SPDX 2.3 JSON schemas)."""

from __future__ import annotations

import json
import zipfile
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from typer.testing import CliRunner

from pulsecheck.cli import app
from pulsecheck.commands.deps import SbomFormat

FIXTURES = Path(__file__).parent / "fixtures"
runner = CliRunner()


def test_db_import_and_status(shared_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "osv.sqlite"
    result = runner.invoke(app, ["db", "import", str(shared_dir / "osv" / "crates.io" / "all.zip"), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "imported 1206 advisories" in result.stdout
    result = runner.invoke(app, ["db", "status", "--db", str(db)])
    assert result.exit_code == 0 and "crates.io" in result.stdout and "1206" in result.stdout


def test_db_import_refuses_traversal_zip(tmp_path: Path) -> None:
    bad = tmp_path / "all.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("../x.json", "{}")
    result = runner.invoke(app, ["db", "import", str(bad), "--db", str(tmp_path / "db.sqlite")])
    assert result.exit_code == 2
    assert "refused" in result.stderr and str(bad) in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_db_status_without_database(tmp_path: Path) -> None:
    result = runner.invoke(app, ["db", "status", "--db", str(tmp_path / "none.sqlite")])
    assert result.exit_code == 2 and "no vulnerability database" in result.stderr


def test_deps_fix_dry_run(osv_db: Path) -> None:
    result = runner.invoke(app, ["deps", "fix", "--dry-run", str(FIXTURES / "vulnerable"), "--db", str(osv_db)])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "requirements.txt:" in out and "Jinja2 2.10 -> 2.11.3" in out
    assert "lodash 4.17.4 -> 4.17.11" in out
    assert "marked 0.3.5 -> no fixed release" in out
    assert "golang.org/x/text v0.3.0 -> v0.39.0" in out
    clean = runner.invoke(app, ["deps", "fix", "--dry-run", str(FIXTURES / "fixed"), "--db", str(osv_db)])
    assert "nothing to upgrade" in clean.stdout


def test_deps_fix_requires_dry_run(osv_db: Path) -> None:
    result = runner.invoke(app, ["deps", "fix", str(FIXTURES / "vulnerable"), "--db", str(osv_db)])
    assert result.exit_code == 2 and "--dry-run" in result.stderr


@pytest.mark.parametrize("fmt", list(SbomFormat))
def test_sbom_formats_validate(fmt: SbomFormat, tmp_path: Path) -> None:
    out = tmp_path / "sbom.json"
    result = runner.invoke(app, ["sbom", str(FIXTURES / "vulnerable"), "--format", fmt.value, "--output", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    doc = json.loads(text)
    expected_purls = {"pkg:pypi/jinja2@2.10", "pkg:pypi/pyyaml@5.3", "pkg:npm/lodash@4.17.4",
                      "pkg:npm/marked@0.3.5", "pkg:golang/golang.org/x/text@v0.3.0",
                      "pkg:golang/github.com/example/unknown@v1.0.0", "pkg:cargo/smallvec@1.6.0"}
    if fmt is SbomFormat.CYCLONEDX_JSON:
        assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
        purls = {c["purl"] for c in doc["components"]}
    else:
        schema = json.loads(resources.files("lib4sbom").joinpath("schemas/spdx/2.3-schema.json").read_text())
        jsonschema.validate(doc, schema)
        purls = {r["referenceLocator"] for p in doc["packages"] for r in p.get("externalRefs", [])}
    assert purls == expected_purls
