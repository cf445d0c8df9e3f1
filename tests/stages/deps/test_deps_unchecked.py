"""Issue 11: the deps stage never passes what it did not check. Manifests without a lockfile are
read; their exact pins are matched against the shared OSV data, their ranges are gaps (the
audit exits 2); a lockfile beside or above a manifest answers for it; setup.py is never run;
RubyGems and Packagist lockfiles are checked against the real advisories."""

from __future__ import annotations

import json
from pathlib import Path

from pulsecheck import engine
from pulsecheck.model import Completed, Finding, Report, Severity, Targets
from pulsecheck.settings import Settings


def _audit(repo: Path, db: Path, fail_on: Severity = Severity.HIGH) -> tuple[Report, Settings]:
    settings = Settings(stages=("deps",), stage_options={"deps": {"db": str(db)}}, fail_on=fail_on)
    return engine.run(Targets(path=str(repo)), settings), settings


def _outcome(report: Report) -> Completed:
    outcome = report.stages[0].outcome
    assert isinstance(outcome, Completed), outcome
    return outcome


def _vulns(report: Report) -> list[Finding]:
    return [f for f in report.findings if f.rule_id == "deps.vulnerable-package"]


def _package_json(repo: Path, deps: dict[str, str], dev: dict[str, str] | None = None) -> None:
    repo.mkdir(parents=True, exist_ok=True)
    doc = {"name": "demo", "version": "1.0.0", "dependencies": deps, "devDependencies": dev or {}}
    (repo / "package.json").write_text(json.dumps(doc, indent=2) + "\n")


def test_package_json_only_exact_pin_is_a_finding(osv_db: Path, tmp_path: Path) -> None:
    _package_json(tmp_path, {"express-x-unknown": "1.0.0", "lodash": "3.10.1"})
    # lodash 3.10.1's advisories in the shared data are medium and low: a gate at medium fails
    report, settings = _audit(tmp_path, osv_db, fail_on=Severity.MEDIUM)
    lodash = [f for f in _vulns(report) if f.properties["package"] == "lodash"]
    ids = {i for f in lodash for i in f.properties["advisory_ids"]}
    assert {"NSWG-ECO-368", "NSWG-ECO-493"} <= ids  # prototype pollution, fixed in 4.17.5 / 4.17.11
    assert {(f.location.path, f.location.line) for f in lodash} == {("package.json", 6)}
    assert all(f.properties["direct"] is True and f.properties["dev"] is False for f in lodash)
    assert report.stages[0].status == "completed" and not _outcome(report).gaps
    assert engine.exit_code(report, settings) == 1


def test_exact_pin_spellings_are_pins(osv_db: Path, tmp_path: Path) -> None:
    for name, spec in (("eq", "=3.10.1"), ("v", "v3.10.1")):
        _package_json(tmp_path / name, {"lodash": spec})
    report, _ = _audit(tmp_path, osv_db)
    assert {f.location.path for f in _vulns(report)} == {"eq/package.json", "v/package.json"}
    assert {f.properties["version"] for f in _vulns(report)} == {"3.10.1"}


def test_package_json_range_is_a_gap_and_exit_2(osv_db: Path, tmp_path: Path) -> None:
    _package_json(tmp_path, {"lodash": "^3.10.1", "express": ">=4"}, dev={"mocha": "*", "chai": "latest"})
    report, settings = _audit(tmp_path, osv_db)
    assert _vulns(report) == []
    gaps = list(_outcome(report).gaps)
    assert gaps == ["package.json: 4 dependency range(s) not resolved by a lockfile: chai, express, lodash, mocha "
                    "(add a lockfile, or pin exact versions)"]
    assert report.stages[0].status == "partial" and engine.exit_code(report, settings) == 2


def test_lockfile_beside_the_manifest_wins(osv_db: Path, tmp_path: Path) -> None:
    _package_json(tmp_path, {"lodash": "^4.17.0"})
    (tmp_path / "package-lock.json").write_text(json.dumps({
        "lockfileVersion": 3, "packages": {
            "": {"dependencies": {"lodash": "^4.17.0"}},
            "node_modules/lodash": {"version": "4.17.4"}}}))
    report, _ = _audit(tmp_path, osv_db)
    assert {f.location.path for f in _vulns(report)} == {"package-lock.json"}
    assert report.stages[0].status == "completed" and not _outcome(report).gaps


def test_workspace_member_under_the_root_lockfile_is_not_a_gap(osv_db: Path, tmp_path: Path) -> None:
    _package_json(tmp_path / "packages" / "a", {"lodash": "^4.17.0", "@demo/b": "*"})
    (tmp_path / "package-lock.json").write_text(json.dumps({
        "lockfileVersion": 3, "packages": {
            "": {"workspaces": ["packages/*"]},
            "packages/a": {"dependencies": {"lodash": "^4.17.0", "@demo/b": "*"}},
            "node_modules/@demo/b": {"resolved": "packages/b", "link": True},
            "node_modules/lodash": {"version": "4.17.21"}}}))
    report, settings = _audit(tmp_path, osv_db)
    assert not _outcome(report).gaps and engine.exit_code(report, settings) == 0


def test_setup_py_only_pins_are_checked(osv_db: Path, tmp_path: Path) -> None:
    (tmp_path / "setup.py").write_text(
        "from setuptools import setup\n\nREQUIRES = [\n    'django==1.2',\n    'requests>=2',\n]\n\n"
        "setup(name='demo', install_requires=REQUIRES, extras_require={'yaml': ['PyYAML==5.3']})\n")
    report, settings = _audit(tmp_path, osv_db)
    django = [f for f in _vulns(report) if f.properties["package"] == "django"]
    assert len(django) >= 10 and all(i.startswith(("PYSEC-", "GHSA-", "CVE-"))
                                     for f in django for i in f.properties["advisory_ids"])
    assert {(f.location.path, f.location.line) for f in django} == {("setup.py", 4)}
    assert any(f.properties["package"] == "PyYAML" for f in _vulns(report))
    assert any("requests" in g and "not resolved by a lockfile" in g for g in _outcome(report).gaps)
    assert engine.exit_code(report, settings) == 2


def test_setup_py_is_never_executed(osv_db: Path, tmp_path: Path) -> None:
    marker = tmp_path / "EXECUTED"
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "setup.py").write_text(
        f"open({str(marker)!r}, 'w').write('ran')\nimport os\nos.system('touch {marker}')\n"
        "from setuptools import setup\nsetup(name='x', install_requires=['django==1.2'])\n")
    report, _ = _audit(repo, osv_db)
    assert not marker.exists()
    assert any(f.properties["package"] == "django" for f in _vulns(report))


def test_computed_setup_py_requirements_are_a_note(osv_db: Path, tmp_path: Path) -> None:
    (tmp_path / "setup.py").write_text(
        "from setuptools import setup\nsetup(install_requires=open('requirements.in').read().split())\n")
    report, _ = _audit(tmp_path, osv_db)
    notes = _outcome(report).notes
    assert any(n.startswith("setup.py: install_requires computed at run time") and "never executed" in n
               for n in notes)


def test_pom_property_version_is_resolved_and_maven_is_a_gap(osv_db: Path, tmp_path: Path) -> None:
    (tmp_path / "pom.xml").write_text(
        "<project><modelVersion>4.0.0</modelVersion><groupId>x</groupId><artifactId>y</artifactId>"
        "<version>1</version><properties><spring.version>4.3.0.RELEASE</spring.version></properties>"
        "<dependencies>\n<dependency><groupId>org.springframework</groupId><artifactId>spring-core</artifactId>"
        "<version>${spring.version}</version></dependency>\n"
        "<dependency><groupId>org.example</groupId><artifactId>managed-by-parent</artifactId></dependency>\n"
        "</dependencies></project>\n")
    report, settings = _audit(tmp_path, osv_db)
    gaps = _outcome(report).gaps
    # the shared OSV data has no Maven advisories: the resolved pin is named as unchecked
    assert any("Maven" in g and "org.springframework:spring-core@4.3.0.RELEASE" in g for g in gaps)
    assert any(g.startswith("pom.xml: 1 dependency range(s)") and "managed-by-parent" in g for g in gaps)
    assert engine.exit_code(report, settings) == 2


def test_composer_json_exact_pin_against_packagist(osv_db: Path, tmp_path: Path) -> None:
    (tmp_path / "composer.json").write_text(json.dumps(
        {"require": {"php": ">=7.2", "ext-json": "*", "monolog/monolog": "1.10.0"},
         "require-dev": {"phpunit/phpunit": "^9"}}, indent=2))
    report, settings = _audit(tmp_path, osv_db)
    monolog = [f for f in _vulns(report) if f.properties["package"] == "monolog/monolog"]
    assert [(f.properties["ecosystem"], f.properties["fixed_version"], f.location.line) for f in monolog] == [
        ("Packagist", "1.12.0", 5)]
    assert "PHPSEC-monolog-monolog-2014-12-29-1" in monolog[0].properties["advisory_ids"]
    assert list(_outcome(report).gaps) == ["composer.json: 1 dependency range(s) not resolved by a lockfile: "
                                     "phpunit/phpunit (add a lockfile, or pin exact versions)"]
    assert engine.exit_code(report, settings) == 2


def test_composer_lock_against_packagist(osv_db: Path, tmp_path: Path) -> None:
    (tmp_path / "composer.json").write_text('{"require": {"guzzlehttp/guzzle": "^6.5"}}')
    (tmp_path / "composer.lock").write_text(json.dumps(
        {"packages": [{"name": "guzzlehttp/guzzle", "version": "6.5.5"}], "packages-dev": []}, indent=2))
    report, settings = _audit(tmp_path, osv_db)
    guzzle = {f.properties["primary_id"]: f for f in _vulns(report)}
    assert {"CVE-2022-29248", "CVE-2022-31042", "CVE-2022-31090"} <= guzzle.keys()
    assert guzzle["CVE-2022-29248"].properties["fixed_version"] == "6.5.6"
    assert guzzle["CVE-2022-29248"].properties["direct"] is True
    assert {f.location.path for f in guzzle.values()} == {"composer.lock"}
    assert not _outcome(report).gaps and engine.exit_code(report, settings) == 1


def test_gemfile_lock_and_gemfile_against_rubygems(osv_db: Path, tmp_path: Path) -> None:
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "Gemfile").write_text("source 'https://rubygems.org'\ngem 'rack', '~> 1.4'\n")
    (tmp_path / "locked" / "Gemfile.lock").write_text(
        "GEM\n  remote: https://rubygems.org/\n  specs:\n    rack (1.4.1)\n\nPLATFORMS\n  ruby\n\n"
        "DEPENDENCIES\n  rack (~> 1.4)\n")
    (tmp_path / "pinned").mkdir()
    (tmp_path / "pinned" / "Gemfile").write_text(
        "source 'https://rubygems.org'\ngem 'rack', '1.4.1'\ngroup :development, :test do\n"
        "  gem 'rspec', '~> 3.0'\nend\ngem 'mine', path: '../mine'\n")
    report, settings = _audit(tmp_path, osv_db)
    by_file: dict[str, set[str]] = {}
    for f in _vulns(report):
        by_file.setdefault(f.location.path, set()).update(f.properties["advisory_ids"])
    assert {"RUBYSEC-CVE-2013-0183", "RUBYSEC-CVE-2013-0263"} <= by_file["locked/Gemfile.lock"]
    assert by_file["pinned/Gemfile"] == by_file["locked/Gemfile.lock"]
    fixed = {f.properties["fixed_version"] for f in _vulns(report) if "RUBYSEC-CVE-2013-0183" in f.properties["advisory_ids"]}
    assert fixed == {"1.4.3"}
    assert list(_outcome(report).gaps) == ["pinned/Gemfile: 1 dependency range(s) not resolved by a lockfile: rspec "
                                     "(add a lockfile, or pin exact versions)"]
    assert engine.exit_code(report, settings) == 2


def test_pyproject_ranges_without_a_lockfile_are_gaps(osv_db: Path, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\nversion = "1"\ndependencies = ["Jinja2==2.10", "flask>=2"]\n')
    (tmp_path / "requirements.txt").write_text("flask==0.12\n")
    report, settings = _audit(tmp_path, osv_db)
    assert {f.properties["package"] for f in _vulns(report)} == {"Jinja2", "flask"}
    # flask's range is answered by the pinned requirements file beside it
    assert not _outcome(report).gaps and engine.exit_code(report, settings) == 1


def test_go_mod_without_go_sum_is_checked(osv_db: Path, tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_text("module example.com/x\n\ngo 1.20\n\nrequire golang.org/x/text v0.3.0\n")
    report, settings = _audit(tmp_path, osv_db)
    assert any(f.properties["primary_id"] == "CVE-2022-32149" for f in _vulns(report))
    assert engine.exit_code(report, settings) == 1
