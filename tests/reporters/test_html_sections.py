"""What each section of the HTML report says, read back from the page: the risk rating and its
method, the top risks in plain words, the data map verdict, the processors table, the findings'
flow and HTTP details, the compliance tables, checklist and history states, collapsed notes,
the command, and counts that agree between sections on a 5,000-finding audit."""

from __future__ import annotations

import dataclasses
import re
import sys
from datetime import UTC, date, datetime, timedelta
from html import unescape
from pathlib import Path
from typing import Any

from pulsecheck.model import (
    Completed,
    Confidence,
    Errored,
    FileLocation,
    Finding,
    Report,
    Severity,
    StageResult,
    Targets,
    UrlLocation,
)
from pulsecheck.reporters import html

T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)


def _finding(i: int, sev: Severity = Severity.HIGH, conf: Confidence = Confidence.HIGH, stage: str = "sast",
             **kw: Any) -> Finding:
    return Finding(rule_id=kw.pop("rule_id", f"{stage}.rule-{i % 3}"), stage=stage, title=f"Title {i % 3}",
                   severity=sev, confidence=conf, message=kw.pop("message", f"message {i}"),
                   location=kw.pop("location", FileLocation(f"src/f{i}.py", 3)), identity=str(i), **kw)


def _report(findings: tuple[Finding, ...], stages: tuple[StageResult, ...] | None = None, **kw: Any) -> Report:
    names = dict.fromkeys(f.stage for f in findings)
    stages = stages if stages is not None else tuple(
        StageResult(n, Completed(findings=tuple(f for f in findings if f.stage == n)), 0.5) for n in names)
    return Report(targets=Targets(path="/srv/repo"), started_at=T0, finished_at=T0 + timedelta(minutes=2),
                  stages=stages, findings=findings, tool_version="9.9", **kw)


def _text(page: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _section(page: str, sid: str) -> str:
    start = page.index(f'<section id="{sid}">')
    return page[start:page.index("</section>", start)]


def test_rating_is_the_worst_sure_severity_with_low_confidence_one_level_lower() -> None:
    unsure = _report((_finding(1, Severity.CRITICAL, Confidence.LOW), _finding(2, Severity.MEDIUM)))
    summary = _text(_section(html.render(unsure), "summary"))
    assert "Overall risk high 1 finding" in summary  # the only critical is low confidence: counts as high
    assert "1 finding(s) count as high (1 of them lowered from critical for low confidence)" in summary
    assert "How the rating is computed" in summary and "confidence medium or high" in summary
    sure = _report((_finding(1, Severity.CRITICAL, Confidence.MEDIUM),))
    assert "Overall risk critical 1 finding(s) count as critical." in _text(_section(html.render(sure), "summary"))
    # a stage that errored makes the rating a lower bound, said in words
    broken = _report((_finding(1, Severity.LOW),), stages=(
        StageResult("sast", Errored(reason="parser crashed", findings=(_finding(1, Severity.LOW),)), 1.0),))
    text = _text(_section(html.render(broken), "summary"))
    assert "low or worse" in text and "Not fully scanned: sast (errored)" in text
    clean = _text(_section(html.render(_report(())), "summary"))
    assert "none" in clean and "No finding." in clean


def test_top_risks_are_five_distinct_risks_in_plain_words_naming_their_places() -> None:
    keys = tuple(_finding(i, Severity.CRITICAL, stage="secrets", rule_id=f"secrets.k{i}",
                          location=FileLocation(f"deploy/{i}.env", 1)) for i in range(7))
    others = (_finding(10, Severity.HIGH, stage="deps", rule_id="deps.vulnerable-package",
                       location=FileLocation("requirements.txt", 2)),
              _finding(11, Severity.HIGH, stage="iac", rule_id="iac.s3-public", location=FileLocation("main.tf", 5)),
              _finding(12, Severity.MEDIUM, stage="phi", rule_id="phi.ssn", location=FileLocation("x.csv", 1)),
              _finding(13, Severity.MEDIUM, stage="profile", rule_id="profile.colocated",
                       location=FileLocation("m.py", 1)),
              _finding(14, Severity.LOW, stage="sast", rule_id="sast.log", location=FileLocation("a.py", 1)))
    page = html.render(_report(keys + others))
    top = re.findall(r"<li><b class=\"badge sev-(\w+)\">\w+</b> (.*?)</li>", _section(page, "summary"), re.S)
    assert [sev for sev, _ in top] == ["critical", "high", "high", "medium", "medium"]
    first = _text(top[0][1])
    assert first.startswith("A password or access key is written into the code")
    assert "deploy/0.env:1; " in first and "and 4 more" in first and "7 findings" in first
    assert "known security flaw" in top[1][1] and "door open" in top[2][1] and "Real patient data" in top[3][1]
    assert "sast" not in _text(top[4][1]) and "identities and their medical records" in top[4][1]


def test_profile_data_map_verdict_and_what_the_app_kind_implies() -> None:
    profile = {"stack": {"frameworks": [{"id": "fastapi", "name": "FastAPI", "evidence": "app/api.py"}]},
               "app_kind": {"kind": "telemedicine", "label": "Telemedicine", "evidence": ["video SDK"]},
               "data_map": {"stores": [{"id": "main", "kind": "database", "tables": ["patients", "visits"]}],
                            "tables": [
                                {"name": "patients", "store": "main", "path": "m.py", "line": 3, "fields": [
                                    {"name": "ssn", "kind": "ssn", "category": "identifier", "identity": True}]},
                                {"name": "visits", "store": "main", "path": "m.py", "line": 9, "fields": [
                                    {"name": "diagnosis", "kind": "diagnosis", "category": "medical",
                                     "identity": False}]}]}}
    text = _text(_section(html.render(_report((), profile=profile)), "profile"))
    assert "Telemedicine" in text and "the video vendor needs a BAA" in text
    assert "FastAPI (app/api.py)" in text
    assert "Identity and medical data are stored together in main" in text
    assert "patients ssn m.py:3" in text and "visits diagnosis m.py:9" in text
    tables = profile["data_map"]["tables"]  # type: ignore[index]
    apart = _report((), profile={**profile, "data_map": {
        "stores": [{"id": "main", "kind": "database", "tables": ["patients"]},
                   {"id": "clinical", "kind": "database", "tables": ["visits"]}],
        "tables": [tables[0], {**tables[1], "store": "clinical"}]}})
    assert "kept in separate stores" in _text(_section(html.render(apart), "profile"))


def test_processors_table_from_sast_facts_and_profile_sdks() -> None:
    taint = _finding(1, rule_id="sast.phi-to-analytics", location=FileLocation("web/<b>x</b>.js", 4))
    processors = [{"service": "google-analytics", "category": "analytics", "locations": ["web/<b>x</b>.js:4"],
                   "phi": True, "pii": True, "flows": [taint.fingerprint, "not-in-this-report"]},
                  {"service": "openai", "category": "llm", "locations": ["app/ai.py:9"], "phi": False, "pii": True,
                   "flows": []}]
    stages = (StageResult("sast", Completed(findings=(taint,), facts={"processors": processors}), 1.0),)
    profile = {"stack": {"analytics": [{"id": "sentry", "name": "Sentry", "evidence": "package.json"}]}}
    page = html.render(_report((taint,), stages=stages, profile=profile))
    part = _section(page, "processors")
    text = _text(part)
    assert "web/<b>x</b>.js:4" in text and "<b>x</b>" not in part  # escaped
    rows = re.findall(r"<tr class=\"[^\"]*\">(.*?)</tr>", part, re.S)
    assert len(rows) == 3
    ga, ai, sentry = (_text(r) for r in rows)
    assert ga.startswith("Google Analytics seen by sast analytics yes yes") and "BAA, DPA no Google does not" in ga
    assert 'class="cmp-gap"' in part  # PHI to a vendor without a BAA path stands out
    assert '<a href="#r-1">sast.phi-to-analytics</a> (1)' in part  # the taint path that gets it there
    assert '<tbody id="r-1" data-stage="sast" data-rule="sast.phi-to-analytics">' in page
    assert "OpenAI API" in ai and " no yes " in ai and " DPA yes " in ai
    assert "Sentry seen by profile" in sentry and "unknown unknown" in sentry and "BAA?, DPA?" in sentry
    empty = _text(_section(html.render(_report(())), "processors"))
    assert "No outside service detected" in empty and "SAST stage did not run" in empty


def test_flow_http_and_curl_are_shown_escaped_in_the_finding() -> None:
    flow = [{"path": "app/api.py", "line": 10, "column": 2, "note": "request.json['ssn'] <source>"},
            {"path": "app/log.py", "line": 4, "column": None, "note": "logger.info(...)"}]
    http = {"request": "GET /api/patients/2 HTTP/1.1\nAuthorization: [REDACTED]",
            "response": "HTTP/1.1 200 OK\n\n{\"ssn\": \"[REDACTED]\"}<script>", "curl": "curl http://127.0.0.1/x"}
    findings = (_finding(1, properties={"flow": flow}),
                _finding(2, stage="dast", location=UrlLocation("http://127.0.0.1:8000/api/patients/2"),
                         properties={"http": http}))
    page = html.render(_report(findings))
    assert "<source>" not in page and "&lt;source&gt;" in page and "<script>" not in page.split("<script>(")[0]
    assert re.search(r'<ol class="flow"><li><code>app/api.py:10</code> request.json\[&#39;ssn&#39;\] &lt;source&gt;'
                     r'</li><li><code>app/log.py:4</code>', page)
    assert "<b>Request</b><pre>GET /api/patients/2 HTTP/1.1\nAuthorization: [REDACTED]</pre>" in page
    assert "<b>Reproduce</b><pre>curl http://127.0.0.1/x</pre>" in page


def test_compliance_tables_say_why_a_safeguard_was_not_assessed_and_list_the_focus_articles() -> None:
    from pulsecheck.compliance.mapper import map_findings, safeguard_statuses

    findings = tuple(map_findings([_finding(1, stage="secrets", cwe=("CWE-798",), owasp=("A07:2021",))]))
    stages = (StageResult("secrets", Completed(findings=findings), 0.1),)
    page = html.render(_report(findings, stages=stages, compliance=safeguard_statuses(findings, list(stages))))
    hipaa = page[page.index('id="hipaa"'):page.index('id="gdpr"')]
    assert "gap found" in hipaa and "not assessed" in hipaa
    assert "not run in this audit" in hipaa and "no automated check: an organisational control" in hipaa
    gdpr = page[page.index('id="gdpr"'):page.index('id="owasp"')]
    for article in ("Art. 5", "Art. 25", "Art. 32", "Art. 33", "Art. 35"):
        assert f"<td>{article}</td>" in gdpr
    assert re.search(r'<td>Art\. 33</td><td class="num">0</td>', gdpr)
    owasp = page[page.index('id="owasp"'):page.index('id="checklist"')]
    assert owasp.count("<tr") == 11  # the head and the ten categories
    assert re.search(r"A07:2021</code> Identification and Authentication Failures</td><td class=\"num\">1</td>",
                     owasp)


def test_history_trend_chart_and_ages() -> None:
    findings = (_finding(1), _finding(2, Severity.LOW))
    base = _report(findings)
    trend = [{"run_id": f"r{i}", "finished_at": (T0 - timedelta(days=10 - i)).isoformat(),
              "counts": {"high": 3 - i % 2, "low": i}} for i in range(4)]
    first = {findings[0].fingerprint: (T0 - timedelta(days=40)).isoformat(), findings[1].fingerprint: "garbage"}
    report = dataclasses.replace(base, history={"trend": trend, "first_seen": first})
    page = html.render(report)
    part = _section(page, "history")
    assert part.count("<rect") == 7 and "last 4 audit(s)" in part  # a high bar per run, a low one where low > 0
    assert "<title>high: 3</title>" in part
    assert re.search(r"<td>1 to 3 months</td><td class=\"num\">1</td>", part)
    assert "open 40 d (since 2026-01-20)" in page
    assert "No audit history" in _text(_section(html.render(base), "history"))


def test_checklist_empty_state_and_the_repository_checklist(tmp_path: Path) -> None:
    from pulsecheck import checklist

    assert "No checklist file" in _text(_section(html.render(_report(())), "checklist"))
    # the checklist as `pulsecheck checklist init` / `record` write it, attached as the audit does
    doc = checklist.build(2)
    doc = checklist.record(doc, "ORG-1", "pass", by="ana <ana@clinic>", note="NDAs signed",
                           when=date(2026, 2, 1))
    doc = checklist.record(doc, "ORG-2", "pass", by="bo", when=date(2024, 1, 1), review_days=90)
    (tmp_path / checklist.FILENAME).write_text(checklist.dump(doc))
    leak = _finding(1, stage="secrets", rule_id="secrets.aws-access-key-id", cwe=("CWE-798",))
    report = dataclasses.replace(_report((leak,)), targets=Targets(path=str(tmp_path)))
    status = checklist.report_status(report, today=date(2026, 3, 1))
    assert status is not None
    page = html.render(dataclasses.replace(report, inputs={"checklist": status}))
    part = _section(page, "checklist")
    text = _text(part)
    rows = re.findall(r"<tr><td><code>([^<]+)</code></td>(.*?)</tr>", part, re.S)
    assert len(rows) == len(status["items"]) > 20
    row = {rid: _text(body) for rid, body in rows}
    assert "pass" in row["ORG-1"] and "ana <ana@clinic> 2026-02-01: NDAs signed" in row["ORG-1"]
    assert " due " in f" {row['ORG-2']} " and "2024-03-31" in row["ORG-2"]  # its review period has passed
    assert "1 due for review" in text and f"due: {status['counts']['due']}" in text
    failing = [i["id"] for i in status["items"] if i["state"] == "fail"]
    assert failing and all(" fail " in f" {row[i]} " and "finding(s)" in row[i] for i in failing)
    broken = _text(_section(html.render(_report((), inputs={"checklist": {"error": "x.yaml: line 3: bad"}})),
                            "checklist"))
    assert "could not be read: x.yaml: line 3: bad" in broken


def test_hundreds_of_notes_are_collapsed_and_counted() -> None:
    notes = tuple(f"skipped big{i}.bin (over the size limit)" for i in range(450))
    stages = (StageResult("phi", Completed(findings=(), notes=notes), 1.0),)
    page = html.render(_report((), stages=stages))
    part = _section(page, "stages")
    assert '<details class="notes"><summary>phi: 450 note(s)</summary>' in part
    assert part.count("<li class=\"pre\">skipped big") == 100 and "and 350 more" in part
    assert page.index('id="summary"') < page.index('id="findings"') < page.index('id="stages"')


def test_command_configuration_and_version() -> None:
    report = _report((_finding(1),))
    text = _text(_section(html.render(report), "run"))
    assert "pulsecheck audit /srv/repo --stage sast (equivalent)" in text and "9.9" in text
    given = dataclasses.replace(report, inputs={"command": ["pulsecheck", "audit", ".", "--format", "html"]},
                                settings_digest="abc123")
    text = _text(_section(html.render(given), "run"))
    assert "pulsecheck audit . --format html" in text and "(equivalent)" not in text and "abc123" in text


def test_5000_findings_20000_occurrences_stay_small_and_counts_agree() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from report_html import synthetic

    report = synthetic()
    page = html.render(report)
    assert len(page.encode("utf-8")) < 2_000_000
    assert page.count('<tr class="finding"') == 5000
    assert page.count("lines (4): 1, 2, 3, 4") == 5000  # every occurrence list, none dropped silently
    total = re.search(r'card total"><span class="n">(\d+)<', page)
    assert total and total.group(1) == "5000"
    # severity cards = severity chart = filter labels
    for sev in ("critical", "high", "medium", "low", "info"):
        card = re.search(rf'card sev-{sev}"><span class="n">(\d+)<', page)
        chart = re.search(rf'class="lbl">{sev}</text>.*?class="val">(\d+)</text>', page)
        label = re.search(rf'value="{sev}" checked> {sev} \((\d+)\)', page)
        assert card and chart and label and card.group(1) == chart.group(1) == label.group(1) == "1000"
    # stage headings add up, and match the stage chart and table
    heads = [int(n) for n in re.findall(r"Stage <b>[a-z]+</b> &middot; (\d+) finding", page)]
    assert heads == [1000] * 5
    # compliance rows link to rule groups with counts, never to single findings
    hipaa = page[page.index('id="hipaa"'):page.index('id="gdpr"')]
    access = re.search(r"<code>164\.312\(a\)\(1\)</code>.*?<td class=\"num\">(\d+)</td>(.*?)</tr>", hipaa, re.S)
    assert access and access.group(1) == "5000"
    links = re.findall(r'<a href="#r-\d+">[^<]+</a> \((\d+)\)', access.group(2))
    assert len(links) == 60 and sum(int(n) for n in links) == 5000  # 5 stages x 12 rules
    gdpr = re.search(r"<td>Art\. 32</td><td class=\"num\">(\d+)</td>", page)
    assert gdpr and gdpr.group(1) == "5000"
    notes = re.findall(r"<summary>[a-z]+: (\d+) note\(s\)</summary>", page)
    assert notes == ["300"] * 5
