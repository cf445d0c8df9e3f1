"""The HTML report in a real headless Chromium (Debian ``chromium``), driven over the DevTools
protocol: the demo's report renders with its summary and charts, the filters narrow the list,
nothing is logged to the console (CSP violations included), and a file name holding
``<script>`` renders as text. A screenshot is saved under the directory the test prints.

Skipped with a reason when Chromium is missing; under CI (``CI`` set) a missing Chromium fails.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import random
import string
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from pulsecheck import engine
from pulsecheck.model import (
    Completed,
    Confidence,
    FileLocation,
    Finding,
    Report,
    Severity,
    StageResult,
    Targets,
)
from pulsecheck.reporters import html
from pulsecheck.reporters.pdf import chromium_args, find_chromium
from pulsecheck.settings import Settings

_T = datetime(2026, 1, 1, tzinfo=UTC)
ARTIFACTS = Path(os.environ.get("PULSECHECK_TEST_ARTIFACTS", Path(__file__).resolve().parents[1] / "artifacts"))


def chromium_or_skip() -> str:
    binary = find_chromium()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed but CI is set: scripts/system-deps.sh must install it")
        pytest.skip("chromium not installed (Debian: apt-get install chromium): browser tests skipped")
    return binary


class Browser:
    """One headless Chromium with one page, spoken to over the DevTools websocket."""

    def __init__(self, binary: str, profile: Path) -> None:
        from websockets.sync.client import connect

        self.stack = contextlib.ExitStack()
        argv = [*chromium_args(binary, profile), "--remote-debugging-port=0", "--remote-allow-origins=*",
                "--window-size=1280,1700", "about:blank"]
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     stdin=subprocess.DEVNULL)
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.is_file() and port_file.read_text().count("\n") >= 1):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.close()
                raise RuntimeError("chromium did not open its DevTools port")
            time.sleep(0.05)
        port = int(port_file.read_text().splitlines()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as resp:  # noqa: S310 - loopback
            targets = json.load(resp)
        page = next(t for t in targets if t.get("type") == "page")
        self.ws = self.stack.enter_context(connect(page["webSocketDebuggerUrl"], max_size=None, open_timeout=10))
        self.next_id = 0
        self.events: list[dict[str, Any]] = []
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable")

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        my_id = self.next_id
        self.ws.send(json.dumps({"id": my_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv(timeout=60))
            if msg.get("id") == my_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                result: dict[str, Any] = msg.get("result", {})
                return result
            self.events.append(msg)

    def wait_event(self, method: str, timeout: float = 60) -> None:
        if any(e.get("method") == method for e in self.events):
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = json.loads(self.ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            self.events.append(msg)
            if msg.get("method") == method:
                return
        raise TimeoutError(method)

    def open(self, path: Path) -> None:
        self.events.clear()
        self.call("Page.navigate", url=path.as_uri())
        self.wait_event("Page.loadEventFired")
        self.eval("1")  # drain what the load logged

    def eval(self, expression: str) -> Any:
        out = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in out:
            raise RuntimeError(f"page script failed: {out['exceptionDetails'].get('text')}")
        return out["result"].get("value")

    def errors(self) -> list[str]:
        """Console errors, uncaught exceptions and browser log errors (CSP violations are these)."""
        out = []
        for e in self.events:
            method, params = e.get("method"), e.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert", "warning"):
                out.append("console: " + " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"]))
            elif method == "Runtime.exceptionThrown":
                out.append("exception: " + str(params.get("exceptionDetails", {}).get("text")))
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") in ("error", "warning"):
                out.append(f"log ({params['entry'].get('source')}): {params['entry'].get('text')}")
        return out

    def screenshot(self, target: Path) -> None:
        data = self.call("Page.captureScreenshot", format="png")["data"]
        target.parent.mkdir(parents=True, exist_ok=True)
        ignore = target.parent / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# screenshots written by the browser tests\n*\n")
        target.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        self.stack.close()
        self.proc.kill()
        self.proc.wait(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    binary = chromium_or_skip()
    with tempfile.TemporaryDirectory(prefix="pulsecheck-chromium-") as profile:
        b = Browser(binary, Path(profile))
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="module")
def demo_report() -> Report:
    chromium_or_skip()  # the demo takes seconds: not worth it when the browser tests skip anyway
    from pulsecheck.demo.runner import run_demo

    return run_demo(stages=("profile", "phi", "secrets", "deps", "iac")).report


SHOWN = "+document.getElementById('shown').dataset.count"
VISIBLE = ("Array.prototype.filter.call(document.querySelectorAll('#findings-table tr.finding'),"
           " function (r) { return r.offsetParent !== null; }).length")


def _set(browser: Browser, js: str) -> int:
    """Run ``js`` against the filter form, fire its change event, return the visible rows."""
    browser.eval(f"(function (f) {{ {js}; f.dispatchEvent(new Event('change')); }})(document.getElementById('filters'))")
    visible = int(browser.eval(VISIBLE))
    assert visible == int(browser.eval(SHOWN)), "the counter must agree with what is shown"
    return visible


def test_demo_report_renders_with_summary_charts_and_working_filters(browser: Browser, demo_report: Report,
                                                                      tmp_path: Path) -> None:
    page = tmp_path / "demo.html"
    page.write_text(html.render(demo_report), encoding="utf-8")
    browser.open(page)
    assert browser.errors() == []
    total = len(demo_report.findings)
    assert browser.eval("document.querySelectorAll('#findings-table tr.finding').length") == total
    assert int(browser.eval(VISIBLE)) == total
    # the summary comes first, with its two charts drawn (bars with a width) and the rating
    order = browser.eval("Array.prototype.map.call(document.querySelectorAll('main > section'),"
                         " function (s) { return s.id; })")
    assert order[:4] == ["summary", "profile", "processors", "findings"]
    assert order.index("findings") < order.index("compliance") < order.index("checklist") < order.index("stages")
    assert browser.eval("document.querySelectorAll('#summary svg.chart').length") == 2
    bars = browser.eval("Array.prototype.filter.call(document.querySelectorAll('#summary svg.chart rect'),"
                        " function (r) { return r.getBBox().width > 0; }).length")
    assert bars >= 5
    assert browser.eval("document.getElementById('risk-level').textContent").startswith("critical")
    assert browser.eval("document.querySelector('#summary').getBoundingClientRect().top") < 200
    assert browser.eval("document.querySelectorAll('ol.top li').length") == 5
    shot = ARTIFACTS / "html-report-demo.png"
    browser.screenshot(shot)
    print(f"\nscreenshot: {shot}")
    assert shot.stat().st_size > 20_000

    by_sev = {s: sum(1 for f in demo_report.findings if f.severity is s) for s in Severity}
    # severity: only critical
    only_crit = _set(browser, "Array.prototype.forEach.call(f.querySelectorAll('input[name=sev]'),"
                              " function (b) { b.checked = b.value === 'critical'; })")
    assert only_crit == by_sev[Severity.CRITICAL] and 0 < only_crit < total
    # hidden stage headings: only the secrets stage has critical findings in the demo
    heads = browser.eval("Array.prototype.filter.call(document.querySelectorAll('tbody.stage-head'),"
                         " function (t) { return t.offsetParent !== null; }).map(function (t) { return t.dataset.stage; })")
    assert heads == sorted({f.stage for f in demo_report.findings if f.severity is Severity.CRITICAL})
    # back to all severities, then one stage
    _set(browser, "Array.prototype.forEach.call(f.querySelectorAll('input[name=sev]'), function (b) { b.checked = true; })")
    assert _set(browser, "f.elements.stage.value = 'iac'") == sum(1 for f in demo_report.findings if f.stage == "iac")
    # one rule within the stage
    assert _set(browser, "f.elements.rule.value = 'iac.aws-s3-public-acl'") == 1
    assert _set(browser, "f.elements.rule.value = 'secrets.openai-api-key'") == 0  # other stage: nothing
    # free text over every finding
    _set(browser, "f.elements.stage.value = ''; f.elements.rule.value = ''")
    deps = sum(1 for f in demo_report.findings if "fastapi" in (f.message + f.location.display()).lower())
    assert _set(browser, "f.elements.q.value = 'FastAPI'") == deps and 0 < deps < total
    assert _set(browser, "f.elements.q.value = ''") == total
    assert browser.errors() == []


def _fake_aws_key_id() -> str:
    rng = random.Random(11)
    return "AKIA" + "".join(rng.choice(string.ascii_uppercase + "234567") for _ in range(16))


def test_script_in_a_file_name_renders_as_text(browser: Browser, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    folder = "<img src=x onerror=window.__pwned=2><script>window.__pwned=1<"
    evil = f"{folder}/script>.env"  # a '/' cannot be in a file name: the path closes the tag
    (repo / folder).mkdir()
    (repo / evil).write_text(f"AWS_ACCESS_KEY_ID={_fake_aws_key_id()}\n")
    report = engine.run(Targets(path=str(repo)), Settings(stages=("secrets",)))
    assert any(evil in getattr(f.location, "path", "") for f in report.findings)
    page = tmp_path / "hostile.html"
    page.write_text(html.render(report), encoding="utf-8")
    browser.open(page)
    assert browser.eval("typeof window.__pwned") == "undefined"
    assert browser.eval("document.querySelectorAll('script').length") == 1
    assert browser.eval("document.querySelectorAll('img').length") == 0
    text = browser.eval("document.getElementById('findings-table').innerText")
    assert "<script>window.__pwned=1</script>" in text  # shown to the reader, as written
    assert browser.errors() == []
    browser.screenshot(ARTIFACTS / "html-report-hostile.png")


def test_the_console_check_catches_a_csp_violation(browser: Browser, tmp_path: Path) -> None:
    """The harness itself: a page whose inline script is not the hashed one must log an error,
    or ``errors() == []`` above would prove nothing."""
    report = Report(targets=Targets(path="/r"), started_at=_T, finished_at=_T, stages=(), findings=())
    page = html.render(report).replace("</body>", "<script>window.__ran = 1;</script></body>")
    target = tmp_path / "tampered.html"
    target.write_text(page, encoding="utf-8")
    browser.open(target)
    assert browser.eval("typeof window.__ran") == "undefined"
    assert any("Content Security Policy" in e for e in browser.errors()), browser.errors()


def test_filters_stay_fast_enough_to_use_on_5000_findings(browser: Browser, tmp_path: Path) -> None:
    """5,000 findings render and filter in the browser (no timing assert: the filter finishes and counts)."""
    findings = tuple(
        Finding(rule_id=f"phi.r{i % 7}", stage=("phi", "secrets", "iac")[i % 3], title="t",
                severity=(Severity.HIGH, Severity.LOW)[i % 2], confidence=Confidence.MEDIUM,
                message=f"m {i}", location=FileLocation(f"data/f{i}.csv", 2), identity=str(i))
        for i in range(5000))
    stages = tuple(StageResult(s, Completed(findings=()), 0.1) for s in ("phi", "secrets", "iac"))
    report = Report(targets=Targets(path="/r"), started_at=_T, finished_at=_T, stages=stages, findings=findings)
    target = tmp_path / "big.html"
    target.write_text(html.render(report), encoding="utf-8")
    browser.open(target)
    assert _set(browser, "f.elements.q.value = 'm 4999'") == 1
    assert _set(browser, "f.elements.q.value = ''; Array.prototype.forEach.call(f.querySelectorAll("
                         "'input[name=sev]'), function (b) { b.checked = b.value === 'low'; })") == 2500
    assert browser.errors() == []

