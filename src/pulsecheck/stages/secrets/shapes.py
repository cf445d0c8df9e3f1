"""What a value looks like: machine-made randomness, or something a human or a program wrote.

Generic rules (``password = "..."``, ``api_key: ...``) match on the name, so the value decides.
A real token is random; what real code assigns to such names instead is prose, words
(``REFRESH-TOKEN-A``, ``superS3cret``), keyboard mashes (``asdfkljh23490sdf``), code
(``A.credentials??``), URLs, dates, password hashes (``pbkdf2_sha256$...``) and base64 of
readable text (``YSBzZWNyZXQ=`` is "a secret"). These checks are shape-only and cheap.
"""

from __future__ import annotations

import base64
import binascii
import re

_LEET = str.maketrans({"3": "e", "0": "o", "1": "i", "4": "a", "@": "a", "$": "s", "5": "s", "7": "t", "!": "i"})
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_PARTS = re.compile(r"[^A-Za-z0-9]+")
_LOWER_WORDS = re.compile(r"[a-z]+(?:[-_ .:/][a-z0-9]+)+")
_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+")
_VOWELS = set("aeiouy")
_CONSONANT_RUN = re.compile(r"[^aeiouy]{5,}")
_HOME = set("asdfghjkl")
_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890")
_URL = re.compile(r"^(?:[a-z][a-z0-9+.\-]{1,15}://|/[\w.\-]+/|\./|\.\./|www\.|urn:[a-z0-9-]+:)", re.IGNORECASE)
_PLAIN_SEGMENT = re.compile(r"[a-z0-9_.\-]*")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}|$)|^\d{1,2}/\d{1,2}/\d{2,4}$")
_PASSWORD_HASH = re.compile(
    r"^(?:pbkdf2_sha\d+|argon2|bcrypt(?:_sha256)?|scrypt|sha1|md5|unsalted_\w+|crypt)\$|"
    r"^\$(?:2[abxy]?|argon2i?d?|[1567]|apr1|pbkdf2[\w-]*|scrypt|y|gy|sha1|md5)\$|"
    r"^\{(?:SSHA\d*|SHA\d*|SMD5|MD5|CRYPT|PBKDF2[\w-]*|ARGON2)\}",
    re.IGNORECASE,
)
_CODE_FRAGMENT = re.compile(
    r"^[,;)\]}]|[,;(\[{:]$|"  # starts or ends like a statement or argument list
    r"[A-Za-z_$][\w$]{2,}\(|\)\s*[;{}.]|\?\?|\|\||&&|=>|"  # calls, chaining, JS operators
    r"[;,]\s*[A-Za-z_$][\w$]*\s*[:=]|[A-Za-z_$][\w$]*\.[A-Za-z_$][\w$]*=|\\[nrt]"  # statements, escapes
)
_B64 = re.compile(r"[A-Za-z0-9+/]{8,}={0,2}|[A-Za-z0-9_-]{8,}={0,2}")


def split_words(value: str) -> list[str]:
    """``fooBar_baz-QUX`` -> ``["foo", "Bar", "baz", "QUX"]``."""
    return [w for part in _PARTS.split(value) for w in _CAMEL.split(part) if w]


def is_wordlike(value: str) -> bool:
    """Words, not randomness: ``same-origin``, ``AWS::Secrets::Policy``, ``__WEBPACK_REF__``.

    Every piece is a letters-only word; at most one is shorter than 3 letters (``TOKEN-A``);
    longer ones are pronounceable or short acronyms. ``EQvUIuJV`` splits into ``E Qv U Iu JV``:
    random.
    """
    core = value.strip("_@./:-!*#~+=")
    if _LOWER_WORDS.fullmatch(core):  # sk-ant-oat01-dev, aws4_request, same-origin
        return True
    words = split_words(core)
    if not words or any(not w.isalpha() for w in words) or sum(len(w) < 3 for w in words) > 1:
        return False
    return all(len(w) < 4 or _pronounceable(w) or (w.isupper() and len(w) <= 5) for w in words)


def _pronounceable(word: str) -> bool:
    low = word.lower()
    vowels = sum(c in _VOWELS for c in low)
    return len(low) >= 2 and vowels > 0 and vowels / len(low) >= 0.15 and not _CONSONANT_RUN.search(low)


def is_memorable(value: str) -> bool:
    """A few pronounceable words, leetspeak allowed, maybe a trailing number: ``superS3cret``."""
    core = re.sub(r"[\d!?#*.]+$", "", value).translate(_LEET)
    core = core.replace("\\0", "")
    words = [w for part in re.split(r"\d+", core) for w in split_words(part)]
    if not words or len(words) > 4 or any(not w.isalpha() for w in words):
        return False
    return all(_pronounceable(w) for w in words) and sum(len(w) for w in words) >= 4


def is_keyboard_mash(value: str) -> bool:
    """Typed by sliding over the home row (``lsdajfh923874``, ``sdf0o9823sjdfsdf``)."""
    if value.lower() != value:
        return False
    letters = [c for c in value if c.isalpha()]
    if len(letters) < 6:
        return False
    home = sum(c in _HOME for c in letters) / len(letters)
    return home >= 0.7 or (home >= 0.6 and any(_run(value, row) for row in _ROWS[:3]))


def _run(value: str, row: str) -> bool:
    return any(value[i:i + 3] in row or value[i:i + 3][::-1] in row for i in range(len(value) - 2))


def has_sequence(value: str, length: int = 6) -> bool:
    """A run of consecutive characters (``bcdefghij``, ``1234-5678``) after dropping separators."""
    flat = _PARTS.sub("", value).lower()
    run = 1
    for a, b in zip(flat, flat[1:], strict=False):
        run = run + 1 if ord(b) == ord(a) + 1 else 1
        if run >= length:
            return True
    return False


def is_code_fragment(value: str) -> bool:
    """Source text caught between two string literals, or an expression, not a literal value."""
    return bool(_CODE_FRAGMENT.search(value))


def is_url_or_path(value: str) -> bool:
    """URLs, URNs and paths (``access_key/20110909/us-west-2/ec2/aws4_request``), not base64."""
    if _URL.search(value):
        return True
    segments = value.split("/")
    return len(segments) >= 3 and all(_PLAIN_SEGMENT.fullmatch(s) or is_wordlike(s) for s in segments)


def is_date(value: str) -> bool:
    return bool(_DATE.search(value))


def is_password_hash(value: str) -> bool:
    """Stored password hashes (Django, bcrypt, crypt, LDAP): not a usable password."""
    return bool(_PASSWORD_HASH.search(value))


def decoded_text(value: str) -> str | None:
    """The readable text a base64 value encodes, or None (binary, or not base64)."""
    if len(value) < 8 or not _B64.fullmatch(value):
        return None
    try:
        raw = base64.b64decode(value + "=" * (-len(value) % 4), altchars=b"-_" if "-" in value or "_" in value
                               else None, validate=True)
        text = raw.decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    return text if text and all(c.isprintable() or c in "\n\t" for c in text) else None


def is_encoded_prose(value: str) -> bool:
    """Base64 of a sentence or a JSON object (``eyJmb28iOiAiYmFyIn0=``), not of key bytes."""
    text = decoded_text(value)
    return text is not None and (" " in text.strip() or text.lstrip().startswith(("{", "[")))
