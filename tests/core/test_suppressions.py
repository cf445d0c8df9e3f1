"""Baseline round trip, inline suppressions in many comment syntaxes, fingerprint stability."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pulsecheck.config import ConfigError
from pulsecheck.model import (
    Confidence,
    FileLocation,
    Finding,
    HostLocation,
    Report,
    Severity,
    Targets,
    UrlLocation,
)
from pulsecheck.suppress import apply_suppressions, parse_directives, write_baseline

SECRET = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"


def finding(path: str, line: int, rule: str = "secrets.github-pat", **kw: object) -> Finding:
    return Finding(rule_id=rule, stage=rule.split(".")[0], title="t", severity=Severity.HIGH,
                   confidence=Confidence.HIGH, message="m",
                   location=FileLocation(path=path, line=line, end_line=line), **kw)


def report_of(*findings: Finding) -> Report:
    now = datetime.now(UTC)
    return Report(targets=Targets(path="."), started_at=now, finished_at=now, stages=(), findings=findings)


def test_fingerprint_survives_a_move_of_ten_lines() -> None:
    before = finding("app/config.py", 12, identity="salted-hash-1")
    after = replace(before, location=FileLocation(path="app/config.py", line=22, end_line=22))
    assert before.fingerprint == after.fingerprint
    assert before.fingerprint != replace(before, identity="salted-hash-2").fingerprint
    assert before.fingerprint != finding("app/other.py", 12, identity="salted-hash-1").fingerprint


def test_baseline_round_trip_drops_only_accepted_findings(tmp_path: Path) -> None:
    old = [finding("a.py", 3, evidence="ghp_…REDACTED", identity=SECRET[-6:]),
           Finding(rule_id="dast.missing-hsts", stage="dast", title="t", severity=Severity.MEDIUM,
                   confidence=Confidence.HIGH, message="m", location=UrlLocation(url="https://h/x")),
           Finding(rule_id="recon.open-db", stage="recon", title="t", severity=Severity.HIGH,
                   confidence=Confidence.HIGH, message="m", location=HostLocation(host="10.0.0.5", port=5432))]
    path = tmp_path / "baseline.json"
    write_baseline(report_of(*old), path, reason="accepted in review #12")
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["schema_version"] == 1 and doc["created_at"]
    assert {e["rule_id"] for e in doc["entries"]} == {"secrets.github-pat", "dast.missing-hsts", "recon.open-db"}
    assert all(e["reason"] == "accepted in review #12" for e in doc["entries"])
    file_entry = next(e for e in doc["entries"] if e["rule_id"] == "secrets.github-pat")
    assert file_entry["location"] == {"path": "a.py", "commit": None}  # no line number
    text = path.read_text(encoding="utf-8")
    assert "REDACTED" not in text and SECRET[-6:] not in text  # no evidence, no identity material

    moved = replace(old[0], location=FileLocation(path="a.py", line=40, end_line=40))
    new = finding("b.py", 1, rule="sast.sql-injection")
    kept, suppressed, extra = apply_suppressions([moved, old[1], old[2], new], None, str(path))
    assert kept == [new]
    assert suppressed == 3
    assert extra == []


def test_rewriting_a_baseline_keeps_reasons_written_by_hand(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    f1, f2 = finding("a.py", 1), finding("b.py", 1)
    write_baseline(report_of(f1), path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["entries"][0]["reason"] = "test fixture"
    path.write_text(json.dumps(doc), encoding="utf-8")
    write_baseline(report_of(f1, f2), path)
    reasons = {e["fingerprint"]: e["reason"] for e in json.loads(path.read_text(encoding="utf-8"))["entries"]}
    assert reasons == {f1.fingerprint: "test fixture", f2.fingerprint: ""}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[1, 2]", "must be a JSON object"),
        ('{"entries": []}', "not a pulsecheck baseline"),
        ('{"schema_version": 99, "entries": []}', "schema_version: 99 is not supported"),
        ('{"schema_version": 1, "entries": [{"fingerprint": "<script>"}]}', "entries[0].fingerprint"),
        ('{"schema_version": 1, "entries": {}}', "entries: must be a list"),
        ("\n\n{oops", "line 3: baseline is not valid JSON"),
    ],
)
def test_malformed_baseline_is_a_clear_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "base.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        apply_suppressions([finding("a.py", 1)], None, str(path))
    assert str(info.value).startswith(f"{path}: ")
    assert message in str(info.value)


def test_a_json_report_can_serve_as_baseline(tmp_path: Path) -> None:
    f = finding("a.py", 1)
    path = tmp_path / "report.json"
    path.write_text(json.dumps({"schema_version": "1.0", "findings": [f.to_json()]}), encoding="utf-8")
    assert apply_suppressions([f], None, str(path))[:2] == ([], 1)


SYNTAXES = [
    ("app.py", "token = '{s}'  # pulsecheck: ignore[secrets.github-pat] test fixture, revoked\n"),
    ("app.js", "const t = '{s}'; // pulsecheck: ignore[secrets.github-pat] revoked in 2023\n"),
    ("q.sql", "SELECT '{s}'; -- pulsecheck: ignore[secrets.github-pat] sample data\n"),
    ("a.c", "char *t = \"{s}\"; /* pulsecheck: ignore[secrets.github-pat] documented example */\n"),
    ("b.c", "use(\"{s}\" /* pulsecheck: ignore[secrets.github-pat] doc sample */, 1);\n"),
    ("x.jsx", "<div>\n  {{/* pulsecheck: ignore[secrets.github-pat] storybook */}}\n  <A k=\"{s}\" />\n"),
    ("p.html", "<p>{s}</p> <!-- pulsecheck: ignore[secrets.github-pat] docs placeholder -->\n"),
    ("c.ini", "token={s} ; pulsecheck: ignore[secrets.github-pat] dummy\n"),
    ("m.tex", "{s} % pulsecheck: ignore[*] paper example\n"),
    ("run.bat", "REM pulsecheck: ignore[secrets.github-pat] CI dummy\nset T={s}\n"),
    ("lone.py", "# pulsecheck: ignore[secrets.github-pat,sast.x] rotated, kept for tests\nT = '{s}'\n"),
    ("lone.yaml", "  # pulsecheck: ignore[secrets.*] fake key\n  # pulsecheck: ignore[deps.x] unrelated\n"
                  "  key: {s}\n"),
]


@pytest.mark.parametrize(("name", "template"), SYNTAXES)
def test_inline_suppression_with_reason_in_many_comment_syntaxes(tmp_path: Path, name: str, template: str) -> None:
    text = template.format(s=SECRET)
    (tmp_path / name).write_text(text, encoding="utf-8")
    line = next(i for i, row in enumerate(text.splitlines(), 1) if SECRET in row)
    kept, suppressed, extra = apply_suppressions([finding(name, line)], tmp_path, None)
    assert (kept, suppressed, extra) == ([], 1, [])


def test_suppression_is_scoped_to_its_rules_and_its_line(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(
        "x = 1  # pulsecheck: ignore[sast.eval] trusted input only\n"
        "y = 2\n"
        "# pulsecheck: ignore[sast.eval] reviewed\n"
        "\n"
        "z = 3\n", encoding="utf-8")
    other_rule = finding("a.py", 1, rule="sast.sql-injection")
    next_line = finding("a.py", 2, rule="sast.eval")
    blank_gap = finding("a.py", 5, rule="sast.eval")  # the lone comment covers line 4 only
    in_history = replace(finding("a.py", 1, rule="sast.eval"),
                         location=FileLocation(path="a.py", line=1, commit="abc123"))
    findings = [other_rule, next_line, blank_gap, in_history]
    kept, suppressed, extra = apply_suppressions(findings, tmp_path, None)
    assert kept == findings and suppressed == 0 and extra == []


@pytest.mark.parametrize(
    "comment",
    ["# pulsecheck: ignore[secrets.github-pat]", "// pulsecheck: ignore[secrets.github-pat]   ",
     "/* pulsecheck: ignore[secrets.github-pat] */", "<!-- pulsecheck: ignore[*] -->",
     "-- pulsecheck: ignore[secrets.github-pat] --", "/* pulsecheck: ignore[secrets.github-pat] */ f();"],
)
def test_suppression_without_reason_does_not_suppress_and_is_reported(tmp_path: Path, comment: str) -> None:
    (tmp_path / "cfg").write_text(f"intro\nT = {SECRET} {comment}\n", encoding="utf-8")
    f = finding("cfg", 2)
    kept, suppressed, extra = apply_suppressions([f], tmp_path, None)
    assert kept == [f] and suppressed == 0
    assert [(e.rule_id, e.severity, e.location) for e in extra] == [
        ("core.suppression-without-reason", Severity.LOW, FileLocation(path="cfg", line=2, end_line=2))]
    assert SECRET not in extra[0].message + extra[0].evidence


def test_unreadable_binary_and_escaping_files_are_harmless(tmp_path: Path) -> None:
    (tmp_path / "bin.dat").write_bytes(b"\x00\x01pulsecheck: ignore[*] x\n" * 3)
    (tmp_path / "latin.txt").write_bytes(b"caf\xe9 # pulsecheck: ignore[r.x] legacy encoding\n")
    outside = tmp_path.parent / f"{tmp_path.name}-outside.py"
    outside.write_text("# pulsecheck: ignore[*] from outside\nx\n", encoding="utf-8")
    (tmp_path / "adir").mkdir()
    findings = [finding("bin.dat", 1, rule="r.x"), finding("missing.py", 1, rule="r.x"),
                finding(f"../{outside.name}", 2, rule="r.x"), finding("latin.txt", 1, rule="r.x"),
                finding("adir", 1, rule="r.x")]
    kept, suppressed, _ = apply_suppressions(findings, tmp_path, None)
    assert kept == findings[:3] + findings[4:]
    assert suppressed == 1


def test_parse_directives_reads_rules_reason_and_target() -> None:
    text = "a  # pulsecheck: ignore[ r.one , r.two ] because: vendor code\n# PulseCheck: IGNORE[*]\nb\n"
    first, second = parse_directives(text)
    assert (first.line, first.target, first.rules, first.reason) == (1, 1, ("r.one", "r.two"), "because: vendor code")
    assert (second.line, second.target, second.rules, second.reason) == (2, 3, ("*",), "")
