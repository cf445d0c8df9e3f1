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
                       r"^\{[^}]*\}$|^#\{|^@\w+@$|\*{3,}|\.{3}|…|\{\d*\}|%[sdr]\b|%\(\w+\)|^\$\w+\$$|\[\[|\]\]|"
                       r"^%[A-Za-z_][\w.]{2,}%(?:/|$)")
_REPEAT = re.compile(r"(.)\1{5,}")
_SEQUENCE = re.compile(r"0123456|1234567|abcdefg|qwerty", re.IGNORECASE)
# Digests, also as Java's BigInteger.toString(16) prints them: one or two leading zeros dropped.
_HEX_DIGEST = re.compile(r"[0-9a-f]{30,32}|[0-9a-f]{38,40}|[0-9a-f]{62,64}|[0-9a-f]{126,128}|[0-9A-F]{40}|[0-9A-F]{64}")
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
    "description desc doc docs title message msg error errors text lifetime duration interval limit page rule rules "
    "validation validator validators")
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


# Laravel / Symfony / CodeIgniter / Rails-ish validation vocabulary: 'required|min:8|confirmed'.
_RULE_WORDS = _words(
    "required nullable sometimes present filled confirmed string numeric integer int boolean bool email alpha "
    "alpha_num alpha_dash ascii min max between size same different regex not_regex in not_in unique exists "
    "digits digits_between password current_password lowercase uppercase letters mixedcase mixed_case numbers "
    "symbols uncompromised trim trim_strings bail array json date url uuid accepted declined prohibited "
    "required_with required_without required_if required_unless gt gte lt lte starts_with ends_with "
    "min_length max_length minlength maxlength not_blank notblank length valid_email matches")


def is_validation_rule(value: str) -> bool:
    """A form-validation rule string (``required|min:6``, ``string|max:255``, ``confirmed``).

    Each ``|``-separated part names a rule of the vocabulary (arguments after ``:`` or ``,``)."""
    parts = [p.split(":", 1)[0].split(",", 1)[0].strip().lower() for p in value.split("|")]
    return bool(parts) and all(p in _RULE_WORDS for p in parts)


_ESCAPED = re.compile(r"\\u([0-9a-fA-F]{4})")
_PROSE_AFTER = re.compile(r"^[ \t]+(?:[^\W\d_]|\\u[0-9a-fA-F]{4})+[.,!?;:]?(?:\s|$)")


def is_natural_text(value: str, after: str = "") -> bool:
    """A sentence in some language, not a password: letters of a non-Latin-1 script or escaped
    letters (``Contrase\\u00f1a``), or an unquoted value that runs on into more words
    (``password = Contraseña incorrecta``)."""
    if any(chr(int(m.group(1), 16)).isalpha() and int(m.group(1), 16) > 0x7F for m in _ESCAPED.finditer(value)):
        return True
    if any(ord(c) > 0xFF and c.isalpha() for c in value):
        return True
    letters = sum(c.isalpha() for c in value)
    return letters * 5 >= len(value) * 4 and bool(_PROSE_AFTER.match(after))


_CHANGE_ME_COMMENT = re.compile(
    r"(?:#|//|;|--|/\*|<!--)\s*(?:todo:?\s*|fixme:?\s*)?(?:change|replace|use\s+your|your|"
    r"example|sample|dummy|placeholder)\b", re.IGNORECASE)


def marks_as_placeholder(after: str) -> bool:
    """A trailing comment asks for the value to be changed (``'...'   #Change``)."""
    return bool(_CHANGE_ME_COMMENT.search(after[:200]))


_PROSE_COMMENT = re.compile(r"^\s*(?:#|//|\*|;|--|<!--|/\*|rem\b)\s*(?:[A-Za-z]{2,}[,.]?\s+){3,}", re.IGNORECASE)


def in_prose_comment(before: str) -> bool:
    """The name stands in a sentence of a comment (``# the file needs this password: ...``):
    documentation describing a value, not configuration that sets one."""
    return bool(_PROSE_COMMENT.match(before))


_COMMENTED_MEMBER = re.compile(r"^\s*(?:#|//|/?\*+|--|;|<!--)\s*\"$")


def in_commented_document(before: str) -> bool:
    """The name is a JSON member key (``"password":``) on a comment line: a request or response
    body quoted in a comment to document it (``# {"email": ..., "password": ...}``), not a
    value the program reads. A commented-out assignment (``# PASSWORD = "..."``) is not one."""
    return bool(_COMMENTED_MEMBER.match(before))


def is_interpolation_default(before: str) -> bool:
    """The name is an environment variable inside ``${NAME:-default}`` (compose, shell)."""
    return before.endswith("${")


def equals_name(name: str, value: str) -> bool:
    """``db_password: db_password``, ``PASSWORD=password_here``: the value restates the key."""
    norm = re.sub(r"[^a-z0-9]", "", value.lower())
    words = [w.lower() for w in split_words(name.strip("\"'"))]
    return bool(norm) and (norm == "".join(words) or norm == (words[-1] if words else ""))
