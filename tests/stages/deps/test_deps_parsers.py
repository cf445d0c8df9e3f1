"""Lockfile parsers on the shared corpus (expected counts written down as a fixture) and on
hostile or odd input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pulsecheck.stages.deps.parsers import ScanResult, dedupe, parse_as, scan

FIXTURES = Path(__file__).parent / "fixtures"
# Distinct (name, version) per file, cross-checked against a naive regex count of each file;
# every difference was reviewed (local/workspace/git entries, include files, duplicates).
COUNTS: dict[str, dict[str, object]] = json.loads((FIXTURES / "corpus_counts.json").read_text())


def _parse(path: Path, fmt: str) -> ScanResult:
    result = ScanResult()
    parse_as(path, path.parent, fmt, result)
    result.packages = dedupe(result.packages)
    return result


@pytest.mark.parametrize("rel", sorted(COUNTS))
def test_corpus_package_counts(shared_dir: Path, rel: str) -> None:
    expected = COUNTS[rel]
    result = _parse(shared_dir / "corpora" / "lockfiles" / rel, str(expected["format"]))
    assert len(result.packages) == expected["packages"], [(p.name, p.version) for p in result.packages]
    if expected["error"]:
        assert result.problems, "a broken file must be reported, not silently empty"


def test_corpus_broken_files_give_one_line_messages(shared_dir: Path) -> None:
    broken = [rel for rel, e in COUNTS.items() if e["error"]]
    assert len(broken) >= 10
    for rel in broken:
        result = _parse(shared_dir / "corpora" / "lockfiles" / rel, str(COUNTS[rel]["format"]))
        assert all("\n" not in p for p in result.problems)


def test_direct_and_dev_flags(shared_dir: Path) -> None:
    corpus = shared_dir / "corpora" / "lockfiles"
    pnpm = {p.name: p for p in _parse(corpus / "npm/pnpm-lock.yaml/mixed-groups.v9.yaml", "pnpm-lock.yaml").packages}
    assert pnpm["is-number"].dev is True and pnpm["ansi-regex"].dev is False
    assert pnpm["ansi-regex"].direct is True
    pub = {p.name: p for p in _parse(corpus / "Pub/pubspec.lock/mixed-packages.lock", "pubspec.lock").packages}
    assert pub["build_runner"].dev is True and pub["shelf"].direct is False
    gomod = {p.name: p for p in _parse(corpus / "Go/go.mod/indirect-packages.mod", "go.mod").packages}
    assert gomod["github.com/BurntSushi/toml"].direct is True
    assert gomod["golang.org/x/sys"].direct is False


def test_requirements_pins_hashes_markers_comments(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text(
        "# comment\nJinja2==2.10 \\\n    --hash=sha256:abc\nPyYAML==5.3 ; python_version >= '3.6'  # why\n"
        "requests[socks]===2.20.0\nflask>=2\n-r more.txt\n-e ./local\nhttps://example.invalid/x.whl\n"
        "pkg @ https://example.invalid/pkg.tar.gz\n--index-url https://example.invalid/simple\n")
    (tmp_path / "more.txt").write_text("six==1.16.0\n")
    result = scan(tmp_path)
    got = {(p.name, p.version, p.path, p.line) for p in result.packages}
    assert got == {("Jinja2", "2.10", "requirements.txt", 2), ("PyYAML", "5.3", "requirements.txt", 4),
                   ("requests", "2.20.0", "requirements.txt", 5), ("flask", "", "requirements.txt", 6),
                   ("six", "1.16.0", "more.txt", 1)}
    assert len(result.problems) == 3  # editable, URL wheel, name @ URL
    assert all("requirements.txt:" in p for p in result.problems)


def test_walk_skips_node_modules_and_vendor(tmp_path: Path) -> None:
    for sub in ("node_modules/x", "vendor/y", "app"):
        (tmp_path / sub).mkdir(parents=True)
        (tmp_path / sub / "requirements.txt").write_text("six==1.16.0\n")
    assert {p.path for p in scan(tmp_path).packages} == {"app/requirements.txt"}
    assert len(scan(tmp_path, include_vendored=True).packages) == 3


@pytest.mark.parametrize(("name", "content", "needle"), [
    ("package-lock.json", '{"lockfileVersion": 3, "packages": {"node_modules/a": {"vers', "invalid JSON"),
    ("poetry.lock", '[[package]]\nname = "a"\nversion = "1.0\n', "invalid TOML"),
    ("pnpm-lock.yaml", "packages: [\n  - a: b: c", "invalid YAML"),
    ("pom.xml", '<!DOCTYPE x [<!ENTITY e "boom">]><project/>', "DTD"),
    ("go.mod", "module x\nbogus directive\n", "unknown directive"),
])
def test_bad_lockfiles_are_reported_by_name(tmp_path: Path, name: str, content: str, needle: str) -> None:
    (tmp_path / name).write_text(content)
    (tmp_path / "requirements.txt").write_text("six==1.16.0\n")
    result = scan(tmp_path)
    assert [p.name for p in result.packages] == ["six"], "the scan goes on with the other files"
    assert len(result.problems) == 1
    assert result.problems[0].startswith(f"{name}: ") and needle in result.problems[0]


def test_poetry_unknown_version_format(tmp_path: Path) -> None:
    (tmp_path / "poetry.lock").write_text('[[package]]\nname = "odd"\nversion = "2024.x-banana"\n'
                                          '[[package]]\nname = "num"\nversion = 1.10\n')
    got = [(p.name, p.version) for p in scan(tmp_path).packages]
    # kept for exact matching; a TOML number is no version at all (1.10 would read as 1.1)
    assert got == [("odd", "2024.x-banana"), ("num", "")]


def test_large_lockfile_parses(tmp_path: Path) -> None:
    entries = ",".join(f'"node_modules/p{i}": {{"version": "1.0.{i}", "resolved": "{"x" * 400}"}}'
                       for i in range(125_000))
    (tmp_path / "package-lock.json").write_text(f'{{"lockfileVersion": 3, "packages": {{{entries}}}}}')
    assert (tmp_path / "package-lock.json").stat().st_size > 50 * 1024 * 1024
    result = scan(tmp_path)
    assert len(result.packages) == 125_000 and not result.problems


def test_git_url_versions_with_tokens_never_surface(shared_dir: Path) -> None:
    path = shared_dir / "corpora" / "lockfiles" / "npm" / "package-lock.json" / "commits.v1.json"
    assert "dummy-token" in path.read_text()
    result = _parse(path, "package-lock.json")
    assert "dummy-token" not in repr(result.packages) + repr(result.problems)


def test_constraint_files_pin_but_install_nothing(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("-c pins.lock\nflask\n")
    (tmp_path / "pins.lock").write_text("flask==1.0.0\nnumpy==1.16.0\n")
    got = {(p.name, p.version, p.path) for p in scan(tmp_path).packages}
    assert got == {("flask", "1.0.0", "requirements.txt")}


def test_pip_compile_via_annotations_tell_direct_from_transitive(shared_dir: Path) -> None:
    path = shared_dir / "corpora" / "lockfiles" / "PyPI" / "requirements.txt" / "multiple-packages-constrained.txt"
    pkgs = {p.name: p for p in _parse(path, "requirements.txt").packages}
    assert pkgs["django"].direct is True  # via -r requirements.in (and others)
    assert pkgs["certifi"].direct is False  # via requests
    assert pkgs["boto3"].direct is True and pkgs["boto3"].dev is False
