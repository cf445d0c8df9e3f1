"""Third-party processors: rows from SAST facts and profile SDKs, the vendor file, and the
finding for PHI sent to a vendor with no BAA path, wired into a real engine run."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path

import pytest

from pulsecheck import engine
from pulsecheck.agreements import RULE, agreement_findings, agreement_rows, vendor_for, vendors
from pulsecheck.model import FileLocation, Finding, Rule, Targets
from pulsecheck.settings import Settings
from pulsecheck.stages.interface import StageContext

PROFILE = {"stack": {"llm": [{"id": "openai", "name": "OpenAI SDK", "evidence": "requirements.txt"},
                             {"id": "langchain", "name": "LangChain", "evidence": "requirements.txt"}],
                     "analytics": [{"id": "sentry", "name": "Sentry", "evidence": "package.json"}],
                     "frameworks": [{"id": "fastapi", "name": "FastAPI", "evidence": "app/api.py"}]}}


def test_every_vendor_entry_is_dated_sourced_and_says_how() -> None:
    entries = vendors()
    assert len(entries) >= 20
    ids = [v.id for v in entries]
    assert len(ids) == len(set(ids))
    for v in entries:
        assert v.baa in ("yes", "partial", "no", "unknown") and v.baa_how and v.dpa in ("yes", "no", "unknown")
        assert date.fromisoformat(v.checked) <= date.today()
        assert v.sources and all(s.startswith("https://") for s in v.sources)
    owner: dict[str, str] = {}
    for v in entries:  # one name, one vendor: an alias shared by two would pick one silently
        for alias in set(v.aliases):
            assert owner.setdefault(alias, v.id) == v.id, f"{alias}: {owner[alias]} and {v.id}"
    # the names the SAST stage's processor facts use
    for service, vendor in (("google-gemini", "google-gemini-api"), ("google-vertex-ai", "google-vertex"),
                            ("aws-ses-sns", "aws-ses-sns"), ("google-cloud-storage", "gcs"), ("new-relic", "new-relic"),
                            ("azure-openai", "azure-openai"), ("aws-bedrock", "aws-bedrock"), ("postmark", "postmark")):
        assert (found := vendor_for(service)) is not None and found.id == vendor, service
    assert vendor_for("Google Analytics") is vendor_for("google_analytics") is vendor_for("ga4")
    assert vendor_for("google-analytics").baa == "no"
    assert vendor_for("AWS Bedrock").baa == "yes"
    assert vendor_for("no-such-saas") is None


def test_rows_merge_sast_processors_with_profile_sdks() -> None:
    processors = [
        {"service": "google-analytics", "category": "analytics", "locations": ["web/track.js:14", "web/track.js:30"],
         "phi": True, "pii": True, "flows": ["f1"]},
        {"service": "openai", "category": "llm", "locations": ["app/summarize.py:40"], "phi": True, "pii": False,
         "flows": ["f2"]},
        {"service": "sendgrid", "category": "email-sms", "locations": ["app/mail.py:9"], "phi": False, "pii": True,
         "flows": []},
        {"service": "acme-sms", "category": "email-sms", "locations": ["app/sms.py:3"], "phi": True, "pii": True,
         "flows": []},
    ]
    rows = {r.service: r for r in agreement_rows(processors, PROFILE)}
    ga = rows["Google Analytics"]
    assert ga.phi and ga.needs == ("BAA", "DPA") and ga.baa == "no" and ga.without_baa
    assert ga.code_paths == ("web/track.js:14", "web/track.js:30") and ga.seen_by == ("sast",)
    ai = rows["OpenAI API"]  # seen by both, one row; the SDK's manifest is not a code path
    assert ai.seen_by == ("sast", "profile") and ai.code_paths == ("app/summarize.py:40",)
    assert ai.baa == "yes" and not ai.without_baa
    assert rows["Twilio SendGrid"].needs == ("DPA",) and not rows["Twilio SendGrid"].without_baa
    unknown = rows["acme-sms"]
    assert unknown.vendor is None and unknown.baa == "unknown" and not unknown.without_baa
    sentry = rows["Sentry"]  # only the SDK: what reaches it is not known
    assert sentry.phi is None and sentry.needs == ("BAA?", "DPA?") and sentry.code_paths == ("package.json",)
    assert rows["LangChain"].vendor is None and rows["LangChain"].category == "llm"
    assert "FastAPI" not in rows
    order = [r.service for r in agreement_rows(processors, PROFILE)]
    assert order.index("Google Analytics") < order.index("Twilio SendGrid") < order.index("Sentry")

    found = agreement_findings(list(rows.values()))
    assert [f.rule_id for f in found] == [RULE.id]
    f = found[0]
    assert f.location == FileLocation("web/track.js", 14) and "Google Analytics" in f.message
    assert "1 more call site" in f.message and f.cwe == ("CWE-359",)
    assert "164.308(b)(1)" in f.hipaa and not f.identity_is_weak


def test_no_finding_without_phi_or_with_a_baa_path() -> None:
    processors = [{"service": "google-analytics", "category": "analytics", "locations": ["web/a.js:1"],
                   "phi": False, "pii": True, "flows": []},
                  {"service": "mixpanel", "category": "analytics", "locations": ["web/b.js:1"], "phi": True,
                   "pii": True, "flows": []}]
    assert agreement_findings(agreement_rows(processors, {})) == []


def test_malformed_facts_are_dropped_not_fatal() -> None:
    from pulsecheck.agreements import processors_of
    from pulsecheck.model import Completed, StageResult

    stage = StageResult("sast", Completed(findings=(), facts={"processors": [{"service": ""}, "x", {"nope": 1},
                                                                               {"service": "hotjar", "phi": True,
                                                                                "locations": ["a.js:2"]}]}), 0.1)
    got = processors_of([stage])
    assert [p["service"] for p in got] == ["hotjar"]
    assert agreement_rows(got, {"stack": "garbage"})[0].without_baa


class _FakeSast:
    """A real stage object run by the real engine: it publishes processor facts as SAST will."""

    name = "sast"
    needs = frozenset({"repo"})
    provides: frozenset[str] = frozenset()

    def __init__(self, processors: object) -> None:
        self.processors = processors

    def applies(self, targets: Targets) -> bool:
        return True

    def rules(self) -> Sequence[Rule]:
        return ()

    def run(self, ctx: StageContext) -> Iterator[Finding]:
        ctx.facts["processors"] = self.processors
        return iter(())


def test_engine_adds_the_finding_after_the_stages(tmp_path: Path) -> None:
    procs = [{"service": "google-analytics", "category": "analytics", "locations": ["web/track.js:14"],
              "phi": True, "pii": True, "flows": []}]
    settings = Settings(stages=("sast",))
    report = engine.run(Targets(path=str(tmp_path)), settings, stages={"sast": _FakeSast(procs)})
    assert [f.rule_id for f in report.findings] == [RULE.id]
    assert RULE.id in report.rules
    f = report.findings[0]
    assert "164.308(b)(1)" in f.hipaa
    gap = next(c for c in report.compliance if c.section == "164.308(b)(1)")
    assert gap.status == "gap" and f.fingerprint in gap.fingerprints
    assert engine.exit_code(report, settings) == 1


def test_engine_survives_broken_processor_facts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pulsecheck.agreements as agreements

    def boom(*_a: object) -> list[Finding]:
        raise RuntimeError("vendor file broken")

    monkeypatch.setattr(agreements, "findings_for", boom)
    report = engine.run(Targets(path=str(tmp_path)), Settings(stages=("sast",)),
                        stages={"sast": _FakeSast([{"service": "hotjar", "phi": True, "locations": ["a.js:1"]}])})
    assert report.findings == () and [s.status for s in report.stages] == ["completed"]
    assert any("third-party agreements not checked: RuntimeError: vendor file broken" in w for w in report.warnings)


def test_an_unnamed_llm_endpoint_is_one_row_to_verify() -> None:
    """As the SAST stage reports the demo clinic: PHI to an LLM endpoint read from configuration,
    while the profile saw "LLM API over HTTP" in .env: one row, BAA needed, vendor unknown."""
    processors = [{"service": "llm-api (configured endpoint)", "category": "llm", "locations": ["app/llm.py:27"],
                   "phi": True, "pii": True, "flows": ["dff60864b5a50efb7fa5f337a393fe2d"]}]
    profile = {"stack": {"llm": [{"id": "llm-http", "name": "LLM API over HTTP", "evidence": ".env"}]}}
    rows = agreement_rows(processors, profile)
    assert len(rows) == 1
    row = rows[0]
    assert row.seen_by == ("sast", "profile") and row.code_paths == ("app/llm.py:27",)
    assert row.needs == ("BAA", "DPA") and row.baa == "unknown" and row.to_verify and not row.without_baa
    assert agreement_findings(rows) == []  # no finding claims a vendor signs no BAA when it is not known
