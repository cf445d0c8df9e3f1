"""End to end: the demo finds every planted issue of every available stage, and the fixed twin none."""

from __future__ import annotations

import ipaddress
import json
import os
from typing import Any
from urllib.parse import urlsplit

from pulsecheck.demo import truth
from pulsecheck.demo.runner import DemoResult, ground_truth_file
from pulsecheck.model import Severity
from pulsecheck.stages.registry import available_stages


def _describe(entries: Any) -> str:
    return "\n".join(f"{e.id} [{e.stage}] {e.location} expected rule ~ {'/'.join(e.classes)}: {e.what}"
                     for e in entries)


def test_every_planted_issue_of_every_available_stage_is_reported(vulnerable_run: tuple[DemoResult, Any]) -> None:
    result, _ = vulnerable_run
    planted, _ = truth.load(ground_truth_file())
    available = set(available_stages())
    ran = {r.name: r.status for r in result.report.stages}
    for name in available:
        assert ran.get(name) in ("completed", "partial"), f"stage {name} did not run cleanly: {ran.get(name)}"
    conditions = ("tls10",) if result.tls10 else ()
    check = truth.check_vulnerable(result.report.findings, planted, available, result.ports, conditions)
    assert not check.missed, "planted issues not reported:\n" + _describe(check.missed)
    expected = [e for e in planted if e.stage in available and (not e.when or e.when in conditions)]
    assert len(check.found) == len(expected) > 0
    assert result.exit_code == 0


def test_fixed_twin_reports_nothing_above_low_unless_explained(fixed_run: tuple[DemoResult, Any]) -> None:
    result, _ = fixed_run
    _, allowed = truth.load(ground_truth_file())
    check = truth.check_fixed(result.report.findings, allowed, result.ports)
    assert not check.unexpected, "\n".join(f"{f.severity.value} {f.rule_id} at {f.location.display()}"
                                          for f in check.unexpected)
    assert not any(f.severity > Severity.LOW for f in result.report.findings
                   if f.stage in ("sast", "secrets", "deps", "phi"))
    assert not result.tls10
    assert result.exit_code in (0, 2)


def test_reports_are_written_in_every_format(vulnerable_run: tuple[DemoResult, Any]) -> None:
    result, _ = vulnerable_run
    by_suffix = {p.suffix: p for p in result.written}
    assert set(by_suffix) == {".html", ".json", ".sarif"}, result.problems
    data = json.loads(by_suffix[".json"].read_text(encoding="utf-8"))
    assert len(data["findings"]) == len(result.report.findings) > 0
    sarif = json.loads(by_suffix[".sarif"].read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0"
    assert "<html" in by_suffix[".html"].read_text(encoding="utf-8").lower()


def test_generated_secrets_never_appear_in_reports(vulnerable_run: tuple[DemoResult, Any]) -> None:
    from pulsecheck.demo.fakes import generate

    result, _ = vulnerable_run
    values = generate()
    for path in result.written:
        text = path.read_text(encoding="utf-8")
        for value in (values.aws_secret_access_key, values.db_password, values.openai_api_key):
            assert value not in text, f"{path.name} contains a planted secret in clear"


def test_demo_only_talks_to_loopback(vulnerable_run: tuple[DemoResult, Any],
                                     fixed_run: tuple[DemoResult, Any]) -> None:
    for result, seen in (vulnerable_run, fixed_run):
        assert seen, "the guard saw no connection at all: it is not wired in"
        for address in seen:
            if isinstance(address, tuple):
                assert ipaddress.ip_address(address[0]).is_loopback, address
        for url in result.urls:
            assert urlsplit(url).hostname == "127.0.0.1"
        for host in result.hosts:
            assert host.rsplit(":", 1)[0] == "127.0.0.1"
        assert set(result.report.targets.urls) == set(result.urls)


def test_no_server_process_is_left(vulnerable_run: tuple[DemoResult, Any], fixed_run: tuple[DemoResult, Any]) -> None:
    for result, _ in (vulnerable_run, fixed_run):
        assert len(result.server_pids) == 2
        for pid in result.server_pids:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                continue
            raise AssertionError(f"demo server process {pid} is still alive")
