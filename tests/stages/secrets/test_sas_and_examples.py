"""Azure SAS signatures need their query string; sample values introduced by prose rank LOW."""

from __future__ import annotations

import base64
import random

from pulsecheck.model import Confidence
from pulsecheck.stages.secrets.findings import Occurrence, build_findings
from pulsecheck.stages.secrets.matcher import Scanner
from pulsecheck.stages.secrets.rules import builtin_rules

RULES = builtin_rules()
SCANNER = Scanner(list(RULES))
SAS = "secrets.azure-sas-token"


def _sig(rng: random.Random, size: int = 32) -> str:
    return base64.b64encode(rng.randbytes(size)).decode().replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")


def _findings(text: str, path: str = "config/storage.env") -> list[tuple[str, Confidence]]:
    occs = [Occurrence(h.rule, h.secret, path, 1, h.column, quoted=h.quoted, verified=h.verified, example=h.example)
            for h in SCANNER.scan(text)]
    return [(f.rule_id, f.confidence) for f in build_findings(occs, RULES)]


def test_sas_url_with_its_parameters_is_high() -> None:
    sig = _sig(random.Random(1))
    url = (f'BLOB_URL="https://acct.blob.core.windows.net/lab-results?sv=2022-11-02&ss=b&srt=co&sp=rl'
           f'&se=2031-01-01T00:00:00Z&spr=https&sig={sig}"')
    assert _findings(url) == [(SAS, Confidence.HIGH)]
    # the signature first and the version after it is the same token
    assert _findings(f"https://acct.blob.core.windows.net/c?sig={sig}&sp=r&sv=2021-06-08&sr=c") == [(SAS, Confidence.HIGH)]


def test_sig_without_a_signed_version_or_of_the_wrong_length_is_not_a_sas() -> None:
    rng = random.Random(2)
    assert not [h for h in SCANNER.scan(f"https://cdn.example.net/img.png?w=40&sig={_sig(rng)}")
                if RULES[h.rule].id == SAS]
    short = f"https://acct.blob.core.windows.net/c?sv=2021-06-08&sp=r&sig={_sig(rng, 40)}"
    assert not [h for h in SCANNER.scan(short) if RULES[h.rule].id == SAS]


def test_sas_introduced_as_an_example_in_html_docs_is_low() -> None:
    sig = _sig(random.Random(3))
    doc = ('"documentation":"<p>A token looks something like this:</p> <p> <code>sp=r&amp;'
           f'st=2023-12-20T14:54:52Z&amp;se=2023-12-20T22:54:52Z&amp;spr=https&amp;sv=2021-06-08&amp;sr=c&amp;sig={sig}'
           '</code> </p>"')
    assert _findings(doc, "botocore/data/datasync/service-2.json") == [(SAS, Confidence.LOW)]


def test_example_prose_lowers_a_specific_token_but_plain_code_does_not() -> None:
    rng = random.Random(4)
    token = "xoxb-" + "-".join(str(rng.randrange(10**11, 10**12)) for _ in range(2)) + "-" + "".join(
        rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(24))
    plain = _findings(f'SLACK_TOKEN = "{token}"')
    assert plain and plain[0][1] == Confidence.HIGH
    prose = _findings(f"Pass the bot token, for example {token}, in the Authorization header.")
    assert prose and prose[0][0] == plain[0][0] and prose[0][1] == Confidence.LOW
