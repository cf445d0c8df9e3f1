"""Direct vs transitive where the lockfile itself does not say: the manifest beside it
(package.json, composer.json, pyproject.toml, Pipfile), or a section of the lockfile
(Gemfile.lock DEPENDENCIES, Cargo.lock workspace members)."""

from __future__ import annotations

import json
from pathlib import Path

from pulsecheck.stages.deps.package import Package
from pulsecheck.stages.deps.parsers import scan


def _by_name(root: Path) -> dict[tuple[str, str], Package]:
    result = scan(root)
    assert not result.problems
    return {(p.name, p.version): p for p in result.packages}


def test_package_lock_v1_with_package_json(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text(json.dumps(
        {"dependencies": {"debug": "^2"}, "devDependencies": {"mocha": "10"}}))
    (tmp_path / "package-lock.json").write_text(json.dumps({"lockfileVersion": 1, "dependencies": {
        "debug": {"version": "2.6.9", "requires": {"ms": "2.0.0"}},
        "ms": {"version": "2.0.0"},
        "mocha": {"version": "10.2.0", "dev": True,
                  "dependencies": {"debug": {"version": "4.3.4", "dev": True}}}}}))
    pkgs = _by_name(tmp_path)
    assert pkgs[("debug", "2.6.9")].direct is True and pkgs[("debug", "2.6.9")].dev is False
    assert pkgs[("debug", "4.3.4")].direct is False, "a nested copy is never the declared one"
    assert pkgs[("ms", "2.0.0")].direct is False
    assert pkgs[("mocha", "10.2.0")].direct is True and pkgs[("mocha", "10.2.0")].dev is True


def test_without_a_manifest_direct_stays_unknown(tmp_path: Path) -> None:
    (tmp_path / "package-lock.json").write_text(json.dumps(
        {"lockfileVersion": 1, "dependencies": {"ms": {"version": "2.0.0"}}}))
    assert _by_name(tmp_path)[("ms", "2.0.0")].direct is None


def test_composer_lock_with_composer_json(tmp_path: Path) -> None:
    (tmp_path / "composer.json").write_text(json.dumps(
        {"require": {"php": ">=8", "guzzlehttp/guzzle": "^7"}, "require-dev": {"phpunit/phpunit": "^10"}}))
    (tmp_path / "composer.lock").write_text(json.dumps({
        "packages": [{"name": "guzzlehttp/guzzle", "version": "7.8.0"}, {"name": "psr/http-message", "version": "2.0"}],
        "packages-dev": [{"name": "phpunit/phpunit", "version": "10.5.0"}]}))
    pkgs = _by_name(tmp_path)
    assert pkgs[("guzzlehttp/guzzle", "7.8.0")].direct is True
    assert pkgs[("psr/http-message", "2.0")].direct is False
    assert pkgs[("phpunit/phpunit", "10.5.0")].direct is True and pkgs[("phpunit/phpunit", "10.5.0")].dev is True


def test_gemfile_lock_dependencies_section(tmp_path: Path) -> None:
    (tmp_path / "Gemfile.lock").write_text(
        "GEM\n  remote: https://rubygems.org/\n  specs:\n    rack (2.2.8)\n    sinatra (3.1.0)\n"
        "      rack (~> 2.2)\n\nPLATFORMS\n  ruby\n\nDEPENDENCIES\n  sinatra (~> 3.0)\n\nBUNDLED WITH\n   2.4.10\n")
    pkgs = _by_name(tmp_path)
    assert pkgs[("sinatra", "3.1.0")].direct is True and pkgs[("rack", "2.2.8")].direct is False


def test_cargo_lock_workspace_members_declare_direct(tmp_path: Path) -> None:
    (tmp_path / "Cargo.lock").write_text(
        'version = 3\n\n[[package]]\nname = "app"\nversion = "0.1.0"\ndependencies = [\n "rand 0.8.5",\n "serde",\n]\n\n'
        '[[package]]\nname = "rand"\nversion = "0.7.3"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\n'
        'checksum = "aa"\n\n[[package]]\nname = "rand"\nversion = "0.8.5"\n'
        'source = "registry+https://github.com/rust-lang/crates.io-index"\nchecksum = "bb"\n\n'
        '[[package]]\nname = "serde"\nversion = "1.0.190"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\n'
        'checksum = "cc"\n')
    pkgs = _by_name(tmp_path)
    assert pkgs[("rand", "0.8.5")].direct is True and pkgs[("rand", "0.7.3")].direct is False
    assert pkgs[("serde", "1.0.190")].direct is True


def test_pipfile_lock_with_pipfile(tmp_path: Path) -> None:
    (tmp_path / "Pipfile").write_text('[packages]\nflask = "*"\n\n[dev-packages]\npytest = "*"\n')
    (tmp_path / "Pipfile.lock").write_text(json.dumps({
        "default": {"flask": {"version": "==3.0.0"}, "jinja2": {"version": "==3.1.4"}, "colorama": {"version": "*"}},
        "develop": {"pytest": {"version": "==8.0.0"}}}))
    pkgs = _by_name(tmp_path)
    assert pkgs[("flask", "3.0.0")].direct is True and pkgs[("jinja2", "3.1.4")].direct is False
    assert pkgs[("pytest", "8.0.0")].direct is True and pkgs[("pytest", "8.0.0")].dev is True
    assert ("colorama", "") in pkgs, "a '*' lock entry pins nothing: unpinned, never a version '*'"


def test_pnpm_lockfile_with_an_env_document_first(tmp_path: Path) -> None:
    """pnpm 10 writes the package manager's own lock as a first YAML document."""
    (tmp_path / "pnpm-lock.yaml").write_text(
        "---\nlockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    packageManagerDependencies:\n      pnpm:\n"
        "        specifier: 10.12.1\n        version: 10.12.1\n\npackages:\n\n  pnpm@10.12.1:\n"
        "    resolution: {integrity: sha512-x}\n\nsnapshots:\n\n  pnpm@10.12.1: {}\n\n"
        "---\nlockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    dependencies:\n      ms:\n"
        "        specifier: 2.1.3\n        version: 2.1.3\n\npackages:\n\n  ms@2.1.3:\n"
        "    resolution: {integrity: sha512-y}\n\nsnapshots:\n\n  ms@2.1.3: {}\n")
    pkgs = _by_name(tmp_path)
    assert list(pkgs) == [("ms", "2.1.3")] and pkgs[("ms", "2.1.3")].direct is True
    assert pkgs[("ms", "2.1.3")].line == 34
