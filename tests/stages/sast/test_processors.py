"""Third-party processors from SDK imports, calls and outbound URLs, with PHI/PII by taint."""

from __future__ import annotations

from pathlib import Path

from pulsecheck import engine
from pulsecheck.model import Targets
from pulsecheck.settings import Settings


def test_processors_from_python_sdks_urls_and_js_imports(tmp_path: Path) -> None:
    (tmp_path / "track.py").write_text(
        "import sentry_sdk\nimport requests\n\n"
        "def on_login(patient):\n    sentry_sdk.set_user({'email': patient.email})\n\n"
        "def ping():\n    requests.post('https://api.segment.io/v1/track', json={'event': 'x'}, timeout=5)\n",
        encoding="utf-8")
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "chat.ts").write_text('import OpenAI from "openai";\nexport const c = new OpenAI();\n',
                                              encoding="utf-8")
    report = engine.run(Targets(path=str(tmp_path)), Settings(stages=("sast",)))
    (sast,) = [r for r in report.stages if r.name == "sast"]
    procs = {p["service"]: p for p in sast.outcome.facts["processors"]}
    sentry = procs["sentry"]
    assert sentry["category"] == "error-tracking" and sentry["pii"] and sentry["flows"]
    assert "track.py:1" in sentry["locations"]
    flagged = {f.fingerprint for f in report.findings if f.rule_id == "sast.phi-to-analytics"}
    assert set(sentry["flows"]) <= flagged and flagged
    assert procs["segment"]["category"] == "analytics" and not procs["segment"]["pii"]
    assert procs["openai"]["category"] == "llm" and procs["openai"]["locations"] == ["web/chat.ts:1"]
