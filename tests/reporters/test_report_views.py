"""What a reader of each format sees: non-UTF-8 names, no autolinks, named top findings,
confidence beside severity, the settings that narrowed the audit, and an HTML page that stays
small and consistent at 5,000 findings."""

from __future__ import annotations

import dataclasses
import json
import re
from html import unescape

import pytest
from markdown_it import MarkdownIt

from pulsecheck.model import (
    Confidence,
    ConfigEffect,
    FileLocation,
    Finding,
    Report,
    SafeguardStatus,
    Severity,
)
from pulsecheck.reporters import html, markdown, render, terminal
from pulsecheck.reporters.interface import TEXT_FORMATS, OutputFormat
from pulsecheck.reporters.json_format import load_report
from pulsecheck.reporters.mdtext import md

BAD_NAME = "src/bad\udcff\udcfe.py"
"""What Python hands over for a file named with the bytes ``bad\\xff\\xfe.py``."""


def _with_bad_name(report: Report) -> Report:
    f = dataclasses.replace(report.findings[0], location=FileLocation(BAD_NAME, 3), message=f"in {BAD_NAME}")
    return dataclasses.replace(report, findings=(f, *report.findings[1:]), warnings=(f"skipped {BAD_NAME}",))


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
def test_a_non_utf8_file_name_renders_escaped_in_every_format(report: Report, fmt: OutputFormat) -> None:
    text = render(_with_bad_name(report), fmt)
    text.encode("utf-8")  # what the CLI writes: no UnicodeEncodeError, never a 0-byte report
    if fmt is OutputFormat.JSON:
        paths = [f["location"].get("path") for f in load_report(text)["findings"]]
        assert "src/bad\\xff\\xfe.py" in paths
    elif fmt is OutputFormat.SARIF:
        uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                for r in json.loads(text)["runs"][0]["results"] if "physicalLocation" in r["locations"][0]]
        assert "src/bad%FF%FE.py" in uris  # the original bytes, percent-encoded
    elif fmt is OutputFormat.MARKDOWN:
        assert "src/bad\\\\xff\\\\xfe.py" in text  # a backslash, escaped for Markdown
    elif fmt is OutputFormat.DEFECTDOJO:
        assert "src/bad\\xff\\xfe.py" in [i.get("file_path") for i in json.loads(text)["findings"]]
    else:
        assert "src/bad\\xff\\xfe.py" in unescape(text)


def test_markdown_makes_no_link_of_repository_urls_or_addresses() -> None:
    hostile = "see www.evil.example and https://evil.example/x or mail admin@evil.example"
    escaped = md(hostile)
    assert not re.search(r"www\.|(?<!\\)://|(?<!\\)@", escaped)  # what GFM autolinks start from
    rendered = MarkdownIt("commonmark").render(escaped)
    assert "<a " not in rendered
    assert unescape(re.sub(r"<[^>]+>", "", rendered)).strip() == hostile  # reads the same


def _deps(advisory: str, package: str = "django", version: str = "1.2") -> Finding:
    return Finding(rule_id="deps.vulnerable-package", stage="deps", title="Dependency with a known vulnerability",
                   severity=Severity.HIGH, confidence=Confidence.HIGH, message=f"{package} {version} {advisory}",
                   location=FileLocation("requirements.txt", 3), identity=f"PyPI:{package}@{version}:{advisory}",
                   properties={"package": package, "version": version, "ecosystem": "PyPI",
                               "primary_id": advisory})


def test_terminal_top_findings_name_their_subject_and_group_advisories(report: Report) -> None:
    deps = (_deps("PYSEC-2019-1"), _deps("PYSEC-2020-2"), _deps("GHSA-aaaa"), _deps("PYSEC-1", "jinja2", "2.0"))
    text = terminal.render(dataclasses.replace(report, findings=report.findings + deps))
    top = text[text.index("Top findings:"):].splitlines()
    django = [line for line in top if "django" in line]
    assert len(django) == 1  # three advisories, one row under the package
    assert "django 1.2 (PyPI) in requirements.txt:3" in django[0]
    assert all(a in django[0] for a in ("PYSEC-2019-1", "PYSEC-2020-2", "GHSA-aaaa"))
    assert "deps: 3 advisories" in django[0]
    assert any("jinja2 2.0" in line and "PYSEC-1" in line for line in top)
    secret = next(line for line in top if "secrets.github-pat" in line)
    assert "GitHub personal access token in app/config.py:12" in secret
    assert re.search(r"CRITICAL\s+high\s+secrets\.github-pat", secret)  # confidence beside severity


def test_confidence_is_shown_wherever_severity_is(report: Report) -> None:
    assert "- **Severity:** critical · **Confidence:** high" in markdown.render(report)
    page = html.render(report)
    assert re.search(r'badge sev-high">high</b> medium</td>', page)


EFFECT = ConfigEffect(kind="disabled-rule", setting="rules.disable", value="secrets.*",
                      source="/srv/repo/pulsecheck.toml (repository)", hidden=7)


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
def test_settings_that_narrowed_the_audit_are_in_every_format(report: Report, fmt: OutputFormat) -> None:
    text = render(dataclasses.replace(report, config_effects=(EFFECT,)), fmt)
    if fmt is OutputFormat.JSON:
        assert load_report(text)["config_effects"] == [dataclasses.asdict(EFFECT)]
        return
    flat = unescape(text).replace("\\", "")
    assert "rules.disable" in flat and "secrets.*" in flat and "pulsecheck.toml (repository)" in flat
    assert "7" in flat and ("hid 7 finding(s)" in flat or "| 7 |" in flat)


def _bulk(report: Report, n: int, extra: str = "") -> Report:
    """n findings like a real large audit: PHI in many files, each in several commits."""
    findings = tuple(
        Finding(rule_id=f"phi.{kind}-in-file", stage="phi", title=f"{kind} in a file", severity=Severity.HIGH,
                confidence=Confidence.MEDIUM,
                message=f"12 occurrences of {kind} in data/exports/site-{i % 97}/patients-{i}.csv (lines 2, 3, 4 ...){extra}",
                location=FileLocation(f"data/exports/site-{i % 97}/patients-{i}.csv", 2,
                                      commit=f"{i:040x}" if i % 3 else None),
                evidence=f"{kind} x12", identity=kind, cwe=("CWE-359",), hipaa=("164.312(a)(1)", "164.312(a)(2)(iv)"),
                gdpr=("Art. 5", "Art. 25", "Art. 32", "Art. 35"),
                remediation="Remove the file, purge it from history and rotate what it exposed.")
        for i in range(n) for kind in ("ssn",))
    compliance = (SafeguardStatus("164.312(a)(1)", "Access control", "", "gap",
                                  tuple(dict.fromkeys(f.fingerprint for f in findings)), finding_count=n),)
    return dataclasses.replace(report, findings=findings, compliance=compliance)


def test_html_for_5000_findings_stays_under_2mb_with_findings_first_and_counts_agreeing(report: Report) -> None:
    page = html.render(_bulk(report, 5000))
    assert len(page.encode("utf-8")) < 2_000_000
    assert page.count('class="finding"') == 5000
    assert page.index('id="findings"') < page.index('id="compliance"')
    assert page.count('href="#f-') == 0  # compliance rows link to rule groups, not to 5,000 findings
    total = re.search(r'card total"><span class="n">(\d+)<', page)
    assert total and total.group(1) == "5000"
    assert "ssn in a file &middot; 5000 finding(s)" in page
    access = re.search(r"<code>164\.312\(a\)\(1\)</code>.*?<td class=\"num\">(\d+)</td>", page, re.S)
    assert access and access.group(1) == "5000"
    gdpr = re.search(r"<td>Art\. 32</td><td class=\"num\">(\d+)</td>", page)
    assert gdpr and gdpr.group(1) == "5000"


def test_html_stays_under_2mb_even_when_messages_are_long(report: Report) -> None:
    page = html.render(_bulk(report, 5000, extra=": " + "advisory summary text " * 20))
    assert len(page.encode("utf-8")) < 2_000_000 and page.count('class="finding"') == 5000


def test_html_shows_one_row_for_one_issue_seen_in_several_commits(report: Report) -> None:
    f = report.findings[1]  # a history finding
    again = [dataclasses.replace(f, location=dataclasses.replace(f.location, commit=c * 40)) for c in "bcd"]
    page = html.render(dataclasses.replace(report, findings=(*report.findings, *again)))
    assert page.count('class="finding"') == 6 and "in 4 commits:" in page
    assert "secrets.github-pat</code> GitHub personal access token &middot; 5 finding(s)" in page
