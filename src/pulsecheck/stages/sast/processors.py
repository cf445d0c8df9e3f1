"""Third-party processors as facts: every outside service the code sends data to, found from
SDK imports and calls and outbound URLs, with whether PHI/PII reaches it by a taint path.

``facts["processors"]``: ``[{"service", "category", "locations": ["path:line"], "phi", "pii",
"flows": [finding fingerprints]}]`` (category: llm, analytics, error-tracking, email-sms,
storage, other)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from pulsecheck.model import FileLocation, Finding
from pulsecheck.sources.tree import FileIndex
from pulsecheck.stages.sast.python.engine import Program
from pulsecheck.stages.sast.python.index import Module

# import prefix -> (service, category)
SDKS: tuple[tuple[str, str, str], ...] = (
    ("openai", "openai", "llm"), ("anthropic", "anthropic", "llm"), ("litellm", "litellm", "llm"),
    ("langchain_openai", "openai", "llm"), ("langchain_anthropic", "anthropic", "llm"),
    ("langchain", "langchain", "llm"), ("llama_index", "llamaindex", "llm"), ("cohere", "cohere", "llm"),
    ("mistralai", "mistral", "llm"), ("google.generativeai", "google-gemini", "llm"), ("vertexai", "google-vertex-ai", "llm"),
    ("google.cloud.aiplatform", "google-vertex-ai", "llm"), ("groq", "groq", "llm"),
    ("sentry_sdk", "sentry", "error-tracking"), ("rollbar", "rollbar", "error-tracking"),
    ("bugsnag", "bugsnag", "error-tracking"), ("honeybadger", "honeybadger", "error-tracking"),
    ("analytics", "segment", "analytics"), ("segment", "segment", "analytics"), ("mixpanel", "mixpanel", "analytics"),
    ("posthog", "posthog", "analytics"), ("amplitude", "amplitude", "analytics"), ("datadog", "datadog", "analytics"),
    ("ddtrace", "datadog", "analytics"), ("newrelic", "new-relic", "analytics"),
    ("opentelemetry", "opentelemetry-collector", "analytics"),
    ("twilio", "twilio", "email-sms"), ("sendgrid", "sendgrid", "email-sms"), ("mailgun", "mailgun", "email-sms"),
    ("postmarker", "postmark", "email-sms"), ("mailchimp_transactional", "mailchimp", "email-sms"),
    ("vonage", "vonage", "email-sms"), ("google.cloud.storage", "google-cloud-storage", "storage"),
    ("azure.storage", "azure-storage", "storage"), ("dropbox", "dropbox", "storage"), ("stripe", "stripe", "other"),
)
JS_SDKS: tuple[tuple[str, str, str], ...] = (
    ("openai", "openai", "llm"), ("@anthropic-ai/sdk", "anthropic", "llm"), ("@google/generative-ai", "google-gemini", "llm"),
    ("langchain", "langchain", "llm"), ("@langchain/", "langchain", "llm"), ("@sentry/", "sentry", "error-tracking"),
    ("@segment/", "segment", "analytics"), ("analytics-node", "segment", "analytics"), ("mixpanel", "mixpanel", "analytics"),
    ("posthog", "posthog", "analytics"), ("@amplitude/", "amplitude", "analytics"), ("dd-trace", "datadog", "analytics"),
    ("@datadog/", "datadog", "analytics"), ("react-ga", "google-analytics", "analytics"),
    ("twilio", "twilio", "email-sms"), ("@sendgrid/", "sendgrid", "email-sms"), ("nodemailer", "smtp", "email-sms"),
    ("@aws-sdk/client-s3", "aws-s3", "storage"), ("@aws-sdk/client-bedrock-runtime", "aws-bedrock", "llm"),
    ("firebase", "firebase", "storage"), ("@google-cloud/storage", "google-cloud-storage", "storage"),
)
HOSTS: tuple[tuple[str, str, str], ...] = (
    ("api.openai.com", "openai", "llm"), ("openai.azure.com", "azure-openai", "llm"),
    ("api.anthropic.com", "anthropic", "llm"), ("generativelanguage.googleapis.com", "google-gemini", "llm"),
    ("aiplatform.googleapis.com", "google-vertex-ai", "llm"), ("bedrock-runtime", "aws-bedrock", "llm"),
    ("api.mistral.ai", "mistral", "llm"), ("api.cohere", "cohere", "llm"),
    ("google-analytics.com", "google-analytics", "analytics"), ("api.segment.io", "segment", "analytics"),
    ("api.mixpanel.com", "mixpanel", "analytics"), ("sentry.io", "sentry", "error-tracking"),
    ("api.twilio.com", "twilio", "email-sms"), ("api.sendgrid.com", "sendgrid", "email-sms"),
    ("s3.amazonaws.com", "aws-s3", "storage"), ("storage.googleapis.com", "google-cloud-storage", "storage"),
)
RULE_CATEGORY = {"sast.phi-to-llm": "llm", "sast.phi-to-analytics": "analytics"}
CATEGORIES_OF = {"llm": ("llm",), "analytics": ("analytics", "error-tracking")}
_JS_IMPORT = re.compile(rb"""(?:from\s+|require\(\s*|import\s*\(\s*|import\s+)['"]([^'"\n]{1,120})['"]""")
MAX_LOCATIONS = 50


def _entry(out: dict[str, dict[str, Any]], service: str, category: str, where: str) -> dict[str, Any]:
    e = out.setdefault(service, {"service": service, "category": category, "locations": [], "phi": False,
                                 "pii": False, "flows": []})
    if where not in e["locations"] and len(e["locations"]) < MAX_LOCATIONS:
        e["locations"].append(where)
    return e


def collect(prog: Program, modules: Sequence[Module], findings: Sequence[Finding], tree: FileIndex | None,
            js_files: Sequence[str]) -> list[dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for m in modules:
        for imported in m.imports.values():
            for prefix, service, cat in SDKS:
                if imported == prefix or imported.startswith(prefix + "."):
                    _entry(out, service, cat, f"{m.path}:{_import_line(m, imported)}")
                    break
        if "boto3" in m.text:
            for i, text in enumerate(m.lines, 1):
                if "bedrock-runtime" in text or "bedrock" in text and "client(" in text:
                    _entry(out, "aws-bedrock", "llm", f"{m.path}:{i}")
                elif re.search(r"""client\(\s*['"]s3['"]""", text):
                    _entry(out, "aws-s3", "storage", f"{m.path}:{i}")
                elif re.search(r"""client\(\s*['"](?:ses|sns|pinpoint)['"]""", text):
                    _entry(out, "aws-ses-sns", "email-sms", f"{m.path}:{i}")
    llm_calls: list[str] = []
    for m, line, full, url in prog.calls:
        del full
        where = f"{m.path}:{line}"
        if isinstance(url.const, str) and url.const.startswith(("http://", "https://")):
            host = (urlsplit(url.const).hostname or "").lower()
            for needle, service, cat in HOSTS:
                if needle in host:
                    _entry(out, service, cat, where)
                    break
        elif "llm-url" in url.tags:
            llm_calls.append(where)
    for where in llm_calls:
        _entry(out, "llm-api (configured endpoint)", "llm", where)
    if tree is not None:
        for path in js_files[:20_000]:
            e = tree.get(path)
            if e is None:
                continue
            head = tree.head(e, 65536)
            for match in _JS_IMPORT.finditer(head):
                spec = match.group(1).decode("utf-8", "replace")
                for prefix, service, cat in JS_SDKS:
                    if spec == prefix or spec.startswith(prefix if prefix.endswith("/") else prefix + "/") or \
                            spec == prefix.rstrip("/"):
                        line = head.count(b"\n", 0, match.start()) + 1
                        _entry(out, service, cat, f"{path}:{line}")
                        break
    for f in findings:
        category = RULE_CATEGORY.get(f.rule_id)
        if category is None or not isinstance(f.location, FileLocation):
            continue
        kind = str(f.properties.get("source_kind", "phi"))
        where = f"{f.location.path}:{f.location.line}"
        target = _by_sink(out, str(f.properties.get("sink", "")), where) or \
            _nearest(out, category, f.location.path, f.location.line or 0)
        if target is None:
            target = _entry(out, "llm-api (configured endpoint)" if category == "llm" else "analytics", category, where)
        target["phi" if kind == "phi" else "pii"] = True
        if kind == "phi":
            target["pii"] = True
        if f.fingerprint not in target["flows"]:
            target["flows"].append(f.fingerprint)
    return sorted(out.values(), key=lambda e: (e["category"], e["service"]))


def _by_sink(out: dict[str, dict[str, Any]], sink: str, where: str) -> dict[str, Any] | None:
    """The processor an SDK sink call belongs to (``sentry_sdk.set_user`` -> sentry)."""
    for prefix, service, cat in SDKS:
        if sink == prefix or sink.startswith(prefix + "."):
            return _entry(out, service, cat, where)
    return None


def _nearest(out: dict[str, dict[str, Any]], cat: str, path: str, line: int) -> dict[str, Any] | None:
    best: tuple[int, dict[str, Any]] | None = None
    for e in out.values():
        if e["category"] not in CATEGORIES_OF.get(cat, (cat,)):
            continue
        for loc in e["locations"]:
            p, _, ln = loc.rpartition(":")
            dist = abs(int(ln) - line) if p == path and ln.isdigit() else 10**6
            if best is None or dist < best[0]:
                best = (dist, e)
    return best[1] if best is not None else None


def _import_line(m: Module, target: str) -> int:
    head = target.split(".")[0]
    for i, text in enumerate(m.lines, 1):
        s = text.lstrip()
        if s.startswith(("import ", "from ")) and head in s:
            return i
    return 1
