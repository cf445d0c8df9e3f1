"""Advisories that end in ``last_affected: X`` (issue 11): the fix is the first later release the
database knows (from the package's other advisories), else the finding says "fixed after X"."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from pulsecheck.stages.deps.db import import_path
from pulsecheck.stages.deps.known import is_release
from pulsecheck.stages.deps.match import Matcher
from pulsecheck.stages.deps.package import Package
from pulsecheck.stages.deps.stage import to_finding


def _advisory(aid: str, name: str, events: list[dict[str, str]], versions: list[str] | None = None) -> dict:  # type: ignore[type-arg]
    return {"id": aid, "modified": "2024-01-01T00:00:00Z", "summary": f"flaw {aid}",
            "affected": [{"package": {"ecosystem": "npm", "name": name},
                          "ranges": [{"type": "SEMVER", "events": events}], "versions": versions or []}]}


def _db(tmp_path: Path, advisories: list[dict]) -> sqlite3.Connection:  # type: ignore[type-arg]
    src = tmp_path / "advisories"
    src.mkdir()
    for adv in advisories:
        (src / f"{adv['id']}.json").write_text(json.dumps(adv))
    import_path(src, tmp_path / "osv.sqlite")
    return sqlite3.connect(tmp_path / "osv.sqlite")


def test_fixed_release_from_the_packages_known_versions(tmp_path: Path) -> None:
    conn = _db(tmp_path, [
        _advisory("DEMO-1", "demo", [{"introduced": "0"}, {"last_affected": "1.2.0"}]),
        # another advisory of the package names later releases: 1.2.5-beta.1 (a pre-release), 1.3.0, 1.4.0
        _advisory("DEMO-2", "demo", [{"introduced": "1.0.0"}, {"fixed": "1.3.0"}], ["1.0.0", "1.2.5-beta.1", "1.4.0"]),
        _advisory("LONE-1", "lonely", [{"introduced": "0"}, {"last_affected": "2.0.0"}]),
    ])
    vulns = {(v.package.name, v.primary_id): v for v in Matcher(conn).match(
        [Package("npm", "demo", "1.1.0", "package.json", 3), Package("npm", "lonely", "1.5.0", "package.json", 4)])}
    demo = vulns[("demo", "DEMO-1")]
    assert (demo.fixed_version, demo.last_affected) == ("1.3.0", "1.2.0")
    finding = to_finding(demo)
    assert "Fixed after 1.2.0: 1.3.0 is the first later release known to the database." in finding.message
    assert finding.properties["fixed_version"] == "1.3.0" and finding.properties["last_affected"] == "1.2.0"
    assert vulns[("demo", "DEMO-2")].last_affected is None  # a real ``fixed`` event: "Fixed in 1.3.0"
    assert "Fixed in 1.3.0." in to_finding(vulns[("demo", "DEMO-2")]).message

    lone = vulns[("lonely", "LONE-1")]
    assert (lone.fixed_version, lone.last_affected) == (None, "2.0.0")
    finding = to_finding(lone)
    assert "Fixed after 2.0.0 (no later release is known to the database)." in finding.message
    assert "No fixed version" not in finding.message
    assert finding.properties["fixed_version"] is None and finding.properties["last_affected"] == "2.0.0"
    assert finding.remediation == "Upgrade lonely to a release after 2.0.0."


def test_a_later_release_the_advisory_still_affects_is_not_the_fix(tmp_path: Path) -> None:
    conn = _db(tmp_path, [
        _advisory("TWO-1", "two", [{"introduced": "0"}, {"last_affected": "1.0.0"},
                                   {"introduced": "2.0.0"}, {"last_affected": "2.1.0"}]),
        _advisory("TWO-2", "two", [{"introduced": "0"}, {"fixed": "3.0.0"}], ["2.0.5", "1.0.0"]),
    ])
    [vuln] = [v for v in Matcher(conn).match([Package("npm", "two", "0.9.0", "p", 1)]) if v.primary_id == "TWO-1"]
    assert vuln.fixed_version == "3.0.0"  # 2.0.0 and 2.0.5 are inside the advisory's second range


def test_real_last_affected_advisories(osv_db: Path) -> None:
    conn = sqlite3.connect(osv_db)
    got = {(v.package.name, v.primary_id): v for v in Matcher(conn).match(
        [Package("npm", "ws", "1.0.0", "p", 1), Package("npm", "marked", "0.3.5", "p", 2)])}
    conn.close()
    ws = next(v for (n, _), v in got.items() if n == "ws" and "NSWG-ECO-67" in v.ids)
    assert (ws.fixed_version, ws.last_affected) == ("1.1.0", "1.0.0")  # 1.1.0 named by NSWG-ECO-120
    marked = next(v for (n, _), v in got.items() if n == "marked" and "NSWG-ECO-101" in v.ids)
    assert (marked.fixed_version, marked.last_affected) == (None, "0.3.5")


def test_release_or_not() -> None:
    assert is_release("npm", "1.2.0") and not is_release("npm", "1.2.0-rc.1")
    assert is_release("PyPI", "2.0") and not is_release("PyPI", "2.0b1") and not is_release("PyPI", "2.0.dev1")
    assert is_release("Maven", "31.0-jre") and not is_release("Maven", "5.0.0-M1") and not is_release("Maven", "1-SNAPSHOT")
    assert is_release("Packagist", "v1.2.3") and not is_release("Packagist", "4.2.0-dev")
    assert not is_release("Packagist", "4.1.99999") and not is_release("RubyGems", "1.2.0.rc1")
