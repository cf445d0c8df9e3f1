"""False-alarm control: what a matched value must not look like to be reported.

Documented example keys, placeholders, template and environment lookups, code expressions,
hashes, digests and UUIDs are recognised here. Test and fixture paths do not hide a finding;
they only lower its confidence (a key in a fixture is often still a real key).
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from pulsecheck.stages.secrets.shapes import split_words

_PLACEHOLDER_WORDS = re.compile(
    r"example|placeholder|changeme|change[_-]?me|replace[_-]?me|your[_-]?|redacted|dummy|"
    r"\bfake|fake[_-]|sample[_-]|insert[_-]|put[_-]your|secret[_-]?here|token[_-]?here|key[_-]?here|"
    r"password[_-]?here|^password\d*$|^passw(?:or)?d$|^secret$|^pass$|^admin$|^root$|^test(?:ing)?\d*$|"
    r"^(?:none|null|nil|undefined|true|false|todo|tbd|n/?a)$|^my[_-]?(?:secret|password|token|key)",
    re.IGNORECASE,
)
_TEMPLATE = re.compile(r"\$\{|\$\(|^\$[A-Za-z_][A-Za-z0-9_]*$|\{\{|\}\}|\{%|%\(|^%[A-Za-z_]+%$|^<[^>]*>?$|^\[[^\]]*\]$|"
                       r"^\{[^}]*\}$|^#\{|^@\w+@$|\*{3,}|\.{3}|…|\{\d*\}|%[sdr]\b|%\(\w+\)|^\$\w+\$$|\[\[|\]\]")
_REPEAT = re.compile(r"(.)\1{5,}")
_SEQUENCE = re.compile(r"0123456|1234567|abcdefg|qwerty", re.IGNORECASE)
_HEX_DIGEST = re.compile(r"[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64}|[0-9a-f]{128}|[0-9A-F]{40}|[0-9A-F]{64}")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_DIGEST_PREFIX = re.compile(r"^(?:sha\d{1,3}|md5|blake2b?|sha3-\d+)[:-]", re.IGNORECASE)
_CODE_EXPR = re.compile(
    r"^[A-Za-z_$][\w$]*(?:(?:\.|::|->)[A-Za-z_$][\w$]*)+$|"  # settings.DB_PASSWORD, process.env.X
    r"^[A-Za-z_][\w]*\(|^(?:os|env|process|config|settings|secrets|ENV|System|vars?|params)\b[.\[(]|"
    r"^(?:get|read|load|fetch|lookup|resolve)[A-Z_]\w*$|^[a-z]+(?:_[a-z]+)+$|^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$|"
    r"^(?:str|string|bytes|int|bool|number|any|optional|secretstr|password|text|char|varchar)\b",
)
# Prose that introduces a sample value ("A token looks something like this: <code>sv=...").
_EXAMPLE_PROSE = re.compile(
    r"\b(?:for (?:example|instance)|e\.g\.|looks? (?:something |roughly )?like(?: this)?|such as|"
    r"example(?:s| value| usage| output| request| response)?\s*:|sample (?:value|token|key|output|request|response))",
    re.IGNORECASE,
)
EXAMPLE_WINDOW = 300
_TEST_PATH = re.compile(
    r"(?:^|/)(?:tests?|spec|specs|__tests__|testdata|test[_-]?data|fixtures?|mocks?|__mocks__|"
    r"examples?|samples?|demo|docs?|documentation)(?:/|$)|"
    r"(?:^|/)(?:test_[^/]*|[^/]*_test\.\w+|[^/]*\.(?:spec|test)\.\w+)$|"
    r"(?:^|[/._-])(?:examples?|samples?|templates?)(?:[._-][^/]*)?$|\.(?:md|mdx|rst|adoc)$",
    re.IGNORECASE,
)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_NOT_SECRET_WORDS = _words(
    "url uri urls endpoint host hostname path file filename dir name names field type len length min max regex "
    "pattern policy prompt label placeholder hint input count expires expire expiry ttl header param format "
    "version enabled required validator reset confirm strength id ids arn ref kind mode size provider method "
    "algorithm alg scheme location template attempts timeout rotation period class helper manager prefix suffix "
    "issuer audience aud scope scopes used date time at changed created updated last age chars charset alphabet "
    "flag option options style icon widget column table encoding ipv4 ipv6 env var variable "
    "description desc doc docs title message msg error errors text lifetime duration interval limit")
_SECRET_WORDS = _words("pass passwd password pwd passphrase secret token key keys auth credential credentials "
                          "apikey salt hmac bearer cookie session private signing encryption master access")
_OPAQUE_TOKEN_KINDS = _words("next continuation page pagination cursor marker client idempotency output input "
                                "sync resume csrf xsrf")


def is_non_secret_name(name: str) -> bool:
    """A variable that names, locates, describes or paginates rather than holds a secret.

    ``PASSWORD_MIN_LENGTH``, ``tokenExchangeUrl``, ``AWSAccessKeyId``, ``ID_TOKEN_ISSUER_PREFIX``:
    a describing word after the last secret word. ``NextToken``, ``ClientToken``: opaque
    pagination and idempotency tokens that APIs hand out publicly.
    """
    words = [w.lower() for w in split_words(name.strip("\"'"))]
    if not words:
        return False
    last_secret = max((i for i, w in enumerate(words) if w in _SECRET_WORDS), default=-1)
    tail = words[last_secret + 1:] if last_secret >= 0 else words[-1:]
    if any(w in _NOT_SECRET_WORDS for w in tail):
        return True
    return last_secret >= 1 and words[last_secret] == "token" and words[last_secret - 1] in _OPAQUE_TOKEN_KINDS


@cache
def documented_values() -> frozenset[str]:
    """Example credentials from RFCs and vendor docs (``documented.txt``)."""
    text = resources.files("pulsecheck.stages.secrets").joinpath("documented.txt").read_text(encoding="utf-8")
    return frozenset(ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#"))


def is_documented_example(value: str) -> bool:
    """A published sample key, or a JWT carrying a published sample signature."""
    known = documented_values()
    return value in known or value.rsplit(".", 1)[-1] in known


def is_placeholder(value: str) -> bool:
    """Documented examples, filler and template variables: never a live credential."""
    return bool(_PLACEHOLDER_WORDS.search(value) or _TEMPLATE.search(value) or _REPEAT.search(value)
                or _SEQUENCE.search(value))


def is_code_expression(value: str) -> bool:
    """A variable, attribute, call, env lookup or type name rather than a literal value."""
    return bool(_CODE_EXPR.search(value))


_DOC_WORDS = re.compile(r"password|passwd|secret|example|changeme|^(?:tiger|hunter2|letmein|foobar|s3cr3t|"
                        r"p@ssw0rd|passw0rd|qwerty\d*|admin\d*|root\d*|guest|demo\d*|test\d*|bar|baz)$", re.IGNORECASE)


def is_documentation_value(value: str) -> bool:
    """Passwords from docs and tutorials (``scott:tiger``, ``a%20secret``, ``hunter2``)."""
    return bool(_DOC_WORDS.search(value.replace("%20", " ").replace("\\0", "")))


def is_digest_or_id(value: str) -> bool:
    """Git SHAs, content digests (``sha256:...``, SRI ``sha512-...``) and UUIDs."""
    return bool(_HEX_DIGEST.fullmatch(value) or _UUID.fullmatch(value) or _DIGEST_PREFIX.search(value))


def is_test_path(path: str) -> bool:
    """Tests, fixtures, examples and documentation: a finding there gets a lower confidence."""
    return bool(_TEST_PATH.search(path))


def char_classes(value: str) -> int:
    """How many of lower, upper, digit, other the value mixes."""
    return sum((any(c.islower() for c in value), any(c.isupper() for c in value),
                any(c.isdigit() for c in value), any(not c.isalnum() for c in value)))


def is_example_context(before: str) -> bool:
    """Whether the text just before a value on its line introduces it as an example."""
    return bool(_EXAMPLE_PROSE.search(before[-EXAMPLE_WINDOW:]))
