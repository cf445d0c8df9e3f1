"""Every detector has a positive and a negative test, on values generated from its own format."""

from __future__ import annotations

import base64
import random

import pytest

from pulsecheck.stages.secrets import STAGE
from pulsecheck.stages.secrets.matcher import Scanner
from pulsecheck.stages.secrets.rules import SecretRule, builtin_rules

from .fakes import basic_credentials, github_token, jwt, pem_block, putty_key, sample

RULES = builtin_rules()


def planted(rule: SecretRule, seed: int = 7) -> tuple[str, str, str]:
    """(text with a fake secret, the secret, the same text with the secret made a placeholder)."""
    rng = random.Random(f"{rule.id}-{seed}")
    if rule.multiline == "putty":
        text = putty_key(rng)
        return text, "", text.split("Private-Lines: 4\n")[0] + "Private-Lines: 4\n...\n...\n"
    if rule.multiline == "pem":
        header = rule.regex.pattern.replace("\\", "")
        label = header.strip("- ").removeprefix("BEGIN ").strip()
        if label.startswith("OpenVPN"):
            body = "\n".join("".join(rng.choice("0123456789abcdef") for _ in range(32)) for _ in range(16))
        else:
            body = pem_block(label, rng).split("\n", 1)[1].rsplit("\n", 1)[0]
        footer = header.replace("BEGIN", "END")
        return f"{header}\n{body}\n{footer}", "", f"{header}\n...your key here...\n{footer}"
    text, spans = sample(rule.regex, rng)
    group = next((g for g in rule.groups if g in spans), 0)
    start, end = spans.get(group, (0, len(text)))
    if rule.validator == "github-checksum":
        replacement = github_token(text[start:start + 3], rng)
    elif rule.validator == "jwt":
        replacement = jwt(rng)
    elif rule.validator == "base64":
        replacement = basic_credentials(rng)
    elif rule.validator == "azure-sas-signature":
        replacement = base64.b64encode(rng.randbytes(32)).decode().replace("/", "%2F").replace("=", "%3D")
    else:
        replacement = text[start:end]
    text = text[:start] + replacement + text[end:]
    end = start + len(replacement)
    return text, replacement, text[:start] + "x" * (end - start) + text[end:]


def test_catalogue_size_and_metadata() -> None:
    assert len(RULES) >= 150
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))
    for rule in RULES:
        assert rule.id.startswith("secrets.") and rule.rule.title
        assert "CWE-798" in rule.rule.cwe and "A07:2021" in rule.rule.owasp
        assert rule.keywords, f"{rule.id} has no prefilter keyword"
    assert {r.id for r in STAGE.rules()} == set(ids)


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_rule_positive(rule: SecretRule) -> None:
    text, secret, _ = planted(rule)
    hits = Scanner([rule]).scan(text)
    assert hits, f"{rule.id} missed its own format: {text[:60]!r}"
    if secret:
        assert any(h.secret == secret for h in hits)


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_rule_negative_placeholder(rule: SecretRule) -> None:
    _, _, placeholder = planted(rule)
    assert Scanner([rule]).scan(placeholder) == []
