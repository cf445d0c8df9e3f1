"""Terminal, Markdown and HTML show every stage status, every location kind, the
compliance status and the profile; long finding lists are cut in the terminal only."""

from __future__ import annotations

import dataclasses
import re
from html import unescape

from pulsecheck.model import Confidence, FileLocation, Finding, Report, Severity
from pulsecheck.reporters import html, markdown, terminal


def _many(report: Report, n: int) -> Report:
    extra = tuple(
        Finding(rule_id="sast.weak-hash", stage="sast", title="Weak hash", severity=Severity.MEDIUM,
                confidence=Confidence.HIGH, message="md5", location=FileLocation(path=f"src/m{i}.py", line=i))
        for i in range(n)
    )
    return dataclasses.replace(report, findings=report.findings + extra)


def test_terminal_summary(report: Report) -> None:
    text = terminal.render(report)
    assert "Findings: 6 (critical 2, high 1, medium 1, low 1, info 1)" in text
    assert "Suppressed: 2" in text
    assert re.search(r"sast\s+errored\s+0\.75s", text) and "error: parser crashed on app/config.py" in text
    assert re.search(r"secrets\s+partial", text) and "gap: git log failed for app/config.py" in text
    assert re.search(r"iac\s+skipped", text) and "reason: no IaC files under app/config.py" in text
    assert re.search(r"profile\s+completed", text)
    for where in ("app/config.py:12", "old/app/config.py@aaaaaaaaaa", "POST http://127.0.0.1:8000/api",
                  "127.0.0.1:5432/tcp"):
        assert where in text
    assert "164.312(a)(1)  Access control: 2 finding(s)" in text
    assert "164.312(b)" not in text  # only safeguards with gaps are listed
    assert "config names unknown stage app/config.py" in text
    lines = text.splitlines()
    assert lines.index("Top findings:") < next(i for i, line in enumerate(lines) if "CRITICAL" in line)


def test_terminal_cuts_long_lists(report: Report) -> None:
    text = terminal.render(_many(report, 30))
    assert "... and 21 more" in text
    # 15 listed: 2 critical, 1 high, then mediums in stable order (1 recon + 11 weak-hash)
    assert len([line for line in text.splitlines() if "Weak hash" in line]) == 11


def test_terminal_empty_report(report: Report) -> None:
    empty = dataclasses.replace(report, findings=(), stages=(), compliance=(), warnings=())
    text = terminal.render(empty)
    assert "Findings: 0" in text and "(no stage ran)" in text and "Top findings" not in text


def test_markdown_sections(report: Report) -> None:
    text = markdown.render(report)
    assert "| Critical | 2 |" in text and "| **Total** | **6** |" in text
    assert "| sast | errored | 0.75 s | 2 | Error: parser crashed on app/config.py |" in text
    assert "| iac | skipped | 0.00 s | 0 | Skipped: no IaC files under app/config.py |" in text
    assert "| secrets | partial |" in text and "Gap: git log failed" in text
    assert "| 164.312(a)(1) | Access control |  | Gap found | 2 |" in text
    assert "| 164.312(b) | Audit controls |  | No finding | 0 |" in text
    assert "Not assessed" in text and "| Art. 32 | 2 |" in text
    assert text.index("### Critical (2)") < text.index("### High (1)") < text.index("### Info (1)")
    # URLs and @ are escaped so GFM makes no autolink of them (they render unchanged)
    for where in ("app/config.py:12", "\\@aaaaaaaaaa", "POST http\\://127.0.0.1:8000/api/patients",
                  "127.0.0.1:5432/tcp"):
        assert where in text
    assert "- **Remediation:** Revoke the token, then purge it from history." in text
    assert "- **CWE:** CWE-798" in text and "- **GDPR:** Art. 32" in text
    assert "- **Evidence:** ghp\\_...REDACTED" in text
    # profile: data map rendered generically as a table, nested dicts as fields
    assert "| field | category | file | line |" in text
    assert "| app/config.py | PHI | app/models.py | 3 |" in text
    assert "- **versions:** 2, 0" in text


def test_html_content(report: Report) -> None:
    page = html.render(report)
    assert page.startswith("<!DOCTYPE html>")
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert csp
    policy = unescape(csp.group(1))
    assert "default-src 'none'" in policy and "script-src 'sha256-" in policy
    assert not re.search(r'(src|href)="(https?:)?//', page)  # nothing loaded from outside
    for status in ("completed", "partial", "skipped", "errored"):
        assert f"st-{status}" in page
    for where in ("app/config.py:12", "@aaaaaaaaaa", "POST http://127.0.0.1:8000/api/patients",
                  "127.0.0.1:5432/tcp"):
        assert where in page
    assert page.count('class="finding"') == 6
    assert page.index('id="findings"') < page.index('id="compliance"')  # findings first
    assert 'data-severity="critical"' in page and 'data-stage="dast"' in page
    assert "gap found" in page and "not assessed" in page and "no finding" in page
    assert "Revoke the token" in page and "<th>category</th>" in page


def test_html_csp_hashes_match_inline_code(report: Report) -> None:
    import base64
    import hashlib

    page = html.render(report)
    csp = re.search(r'Content-Security-Policy" content="([^"]+)"', page)
    assert csp
    for tag in ("style", "script"):
        body = re.search(rf"<{tag}>(.*?)</{tag}>", page, re.S)
        assert body
        digest = base64.b64encode(hashlib.sha256(body.group(1).encode()).digest()).decode()
        assert f"'sha256-{digest}'" in unescape(csp.group(1))


def test_profile_rendered_generically(report: Report) -> None:
    from pulsecheck.reporters.profile_view import profile_blocks

    profile = {"stack": {"languages": [{"name": "Python", "share": 0.9}], "analytics": []},
               "tags": {"b", "a"}, "app_kind": None}
    blocks = profile_blocks(profile)
    assert [b.title for b in blocks] == ["Overview", "stack", "stack / languages"]
    assert blocks[0].fields == [("tags", "a, b"), ("app kind", "")]
    assert blocks[1].fields == [("analytics", "none")]
    assert blocks[2].columns == ["name", "share"] and blocks[2].rows == [["Python", "0.9"]]
    page = html.render(dataclasses.replace(report, profile=profile))
    assert "<h3>stack / languages</h3>" in page
