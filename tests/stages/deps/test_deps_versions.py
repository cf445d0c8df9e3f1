"""Version ordering per ecosystem and OSV range evaluation (the table bench/deps.py reuses)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pulsecheck.stages.deps.match import package_affected
from pulsecheck.stages.deps.package import Package
from pulsecheck.stages.deps.ranges import in_range, prepare_versions
from pulsecheck.stages.deps.versions import version_key

VECTORS = json.loads((Path(__file__).parent / "fixtures" / "range_vectors.json").read_text())["vectors"]


@pytest.mark.parametrize(("eco", "version", "ranges", "versions", "expected", "why"), VECTORS,
                         ids=[v[5] for v in VECTORS])
def test_osv_range_vectors(eco: str, version: str, ranges: list, versions: list, expected: bool, why: str) -> None:
    hit, _ = package_affected(Package(eco, "x", version, "f"), ranges, prepare_versions(eco, versions))
    assert hit is expected, why


@pytest.mark.parametrize(("eco", "ordered"), [
    ("npm", ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
             "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.10.0"]),
    ("Go", ["v0.0.0-20190101000000-aaaaaaaaaaaa", "v0.0.1", "v1.2.3", "v2.0.0+incompatible", "v2.0.1"]),
    ("RubyGems", ["1.0.a", "1.0.b1", "1.0", "1.0.1", "1.1", "2"]),
    ("Maven", ["1.0-alpha1", "1.0-beta", "1.0-rc1", "1.0-SNAPSHOT", "1.0", "1.0-sp1", "1.0.1", "1.1"]),
    ("Packagist", ["1.0.0-dev", "1.0.0-alpha1", "1.0.0-beta2", "1.0.0-RC1", "1.0.0", "1.0.0-pl1", "1.0.1"]),
    ("PyPI", ["1.0.dev0", "1.0a1", "1.0b2", "1.0rc1", "1.0", "1.0.post1", "1.1", "1!0.1"]),
    ("NuGet", ["1.0.0-alpha", "1.0.0-Beta", "1.0.0", "1.0.0.1", "1.0.1"]),
    ("CRAN", ["0.9-1", "1.0-2", "1.2-3", "1.10-0", "2.0"]),
    ("Hex", ["1.0.0-rc.1", "1.0.0", "1.11.1"]),
])
def test_orderings(eco: str, ordered: list[str]) -> None:
    keys = [version_key(eco, v) for v in ordered]
    assert all(k is not None for k in keys)
    assert keys == sorted(keys), ordered
    assert len({repr(k) for k in keys}) == len(keys)


def test_equal_spellings() -> None:
    assert version_key("RubyGems", "1.0") == version_key("RubyGems", "1")
    assert version_key("Maven", "1.0.0") == version_key("Maven", "1") == version_key("Maven", "1.Final")
    assert version_key("Go", "v1.2.3+incompatible") == version_key("Go", "1.2.3")


def test_unparsable_versions_never_match_a_range() -> None:
    assert version_key("PyPI", "not a version") is None
    assert not in_range("PyPI", "not a version", "ECOSYSTEM", [["introduced", "0"]])
