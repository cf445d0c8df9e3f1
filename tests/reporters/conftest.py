"""Reports built by hand for the reporter tests: every location kind, every stage status,
and a hostile variant whose repo-derived strings carry markup, pipes, newlines and
terminal escape sequences."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pulsecheck.model import (
    Completed,
    Confidence,
    Errored,
    FileLocation,
    Finding,
    HostLocation,
    Report,
    Rule,
    SafeguardStatus,
    Severity,
    Skipped,
    StageResult,
    Targets,
    UrlLocation,
)

HOSTILE = 'evil<script>alert(1)</script>"|pipe\nnewline\x1b[31mred\x1b]0;title\x07'
"""A string that tries to break out of every format at once."""

SECRET_RULE = Rule(
    id="secrets.github-pat", stage="secrets", title="GitHub personal access token",
    severity=Severity.CRITICAL, cwe=("CWE-798",), owasp=("A07:2021",),
    description="A GitHub token committed to the repository grants access to its owner's code.",
    remediation="Revoke the token, then purge it from history.",
    references=("https://docs.github.com/en/authentication",),
)


def build_report(text: str = "app/config.py", message: str = "token found") -> Report:
    """A report with every location kind and stage status; ``text`` and ``message`` are
    placed in every repo-derived field (paths, messages, evidence, reasons, profile)."""
    secret = Finding.from_rule(
        SECRET_RULE, message=message, location=FileLocation(path=text, line=12, end_line=13, column=5),
        evidence="ghp_...REDACTED", hipaa=("164.312(a)(1)",), gdpr=("Art. 32",), identity="h1",
    )
    historic = Finding.from_rule(
        SECRET_RULE, message=message, location=FileLocation(path=f"old/{text}", commit="a" * 40),
        evidence="ghp_...REDACTED", hipaa=("164.312(a)(1)",), identity="h2",
    )
    dast = Finding(
        rule_id="dast.sql-injection", stage="dast", title=f"SQL injection in {text}",
        severity=Severity.HIGH, confidence=Confidence.MEDIUM, message=message,
        location=UrlLocation(url=f"http://127.0.0.1:8000/api/patients?q={text}", method="post", parameter=text),
        cwe=("CWE-89",), owasp=("A03:2021",), hipaa=("164.312(c)(1)",), gdpr=("Art. 32", "Art. 5"),
        remediation=f"Use bound parameters ({text}).", evidence=text,
    )
    recon = Finding(
        rule_id="recon.open-database", stage="recon", title="Database port reachable",
        severity=Severity.MEDIUM, confidence=Confidence.HIGH, message=message,
        location=HostLocation(host="127.0.0.1", port=5432), cwe=("CWE-668",),
    )
    low = Finding(
        rule_id="sast.debug-enabled", stage="sast", title="Debug mode", severity=Severity.LOW,
        confidence=Confidence.LOW, message=message, location=FileLocation(path=text),
    )
    info = Finding(
        rule_id="sast.todo-auth", stage="sast", title="Auth TODO", severity=Severity.INFO,
        confidence=Confidence.LOW, message=message, location=FileLocation(path="README.md", line=1),
        properties={"note": text},
    )
    findings = (secret, historic, dast, recon, low, info)
    stages = (
        StageResult("profile", Completed(findings=(), facts={}), 0.25),
        StageResult("secrets", Completed(findings=(secret, historic), gaps=(f"git log failed for {text}",),
                                         notes=(f"skipped binary {text}",)), 1.5),
        StageResult("dast", Completed(findings=(dast,)), 3.0),
        StageResult("recon", Completed(findings=(recon,)), 0.5),
        StageResult("sast", Errored(reason=f"parser crashed on {text}", traceback="Traceback...",
                                    findings=(low, info)), 0.75),
        StageResult("iac", Skipped(reason=f"no IaC files under {text}"), 0.0),
    )
    compliance = (
        SafeguardStatus("164.312(a)(1)", "Access control", "", "gap",
                        (secret.fingerprint, historic.fingerprint)),
        SafeguardStatus("164.312(b)", "Audit controls", "", "no-finding"),
        SafeguardStatus("164.308(a)(5)(ii)(D)", "Security awareness and training", "Password management",
                        "not-assessed"),
    )
    profile = {
        "stack": ["python", "fastapi"], "app_kind": "api", "name": text,
        "data_map": [{"field": text, "category": "PHI", "file": "app/models.py", "line": 3},
                     {"field": "email", "category": "PII", "file": "app/models.py", "line": 4}],
        "frameworks": {"web": "fastapi", "orm": {"name": "sqlalchemy", "versions": [2, 0]}},
    }
    return Report(
        targets=Targets(path="/srv/repo", urls=("http://127.0.0.1:8000",), hosts=("127.0.0.1",)),
        started_at=datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
        finished_at=datetime(2025, 1, 2, 3, 4, 11, tzinfo=UTC),
        stages=stages, findings=findings, suppressed=2, profile=profile, compliance=compliance,
        tool_version="0.1.0", warnings=(f"config names unknown stage {text}",),
        rules={SECRET_RULE.id: SECRET_RULE},
    )


@pytest.fixture
def report() -> Report:
    return build_report()


@pytest.fixture
def hostile_report() -> Report:
    return build_report(text=HOSTILE, message=f"found in {HOSTILE}")
