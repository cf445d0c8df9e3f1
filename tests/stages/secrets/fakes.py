"""Format-valid fake secrets for tests: built from each rule's own regex, never real keys.

``sample(regex, rng)`` walks the parsed regex and emits a string it matches, recording where
each capture group landed, so a test can plant the value and also swap the secret part for a
placeholder. Lengths follow the pattern's bounds (lazy repeats take their minimum). Formats
with checksums or structure (GitHub tokens, JWTs, PEM keys) have their own builders.
"""

from __future__ import annotations

import base64
import binascii
import json
import random
import re
import string
from re import _constants as C  # type: ignore[attr-defined]
from re import _parser as P  # type: ignore[attr-defined]

POOL = string.ascii_letters + string.digits
SAFE_PUNCT = "!#%&*+-=?@^_."
B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
_CATEGORY = {C.CATEGORY_DIGIT: string.digits, C.CATEGORY_WORD: POOL + "_", C.CATEGORY_SPACE: " ",
             C.CATEGORY_NOT_SPACE: POOL, C.CATEGORY_NOT_DIGIT: string.ascii_letters,
             C.CATEGORY_NOT_WORD: "-"}


def _class_chars(items: list[tuple[object, object]]) -> tuple[str, bool]:
    chars: list[str] = []
    negate = False
    for op, av in items:
        if op is C.NEGATE:
            negate = True
        elif op is C.LITERAL:
            chars.append(chr(av))  # type: ignore[arg-type]
        elif op is C.RANGE:
            lo, hi = av  # type: ignore[misc]
            chars.extend(chr(c) for c in range(lo, hi + 1))
        elif op is C.CATEGORY:
            chars.extend(_CATEGORY[av])
    return "".join(chars), negate


def _gen(items: P.SubPattern, rng: random.Random, out: list[str], spans: dict[int, tuple[int, int]]) -> None:
    for op, av in items:
        if op is C.LITERAL:
            out.append(chr(av))
        elif op is C.NOT_LITERAL:
            out.append(rng.choice([c for c in POOL if c != chr(av)]))
        elif op is C.ANY:
            out.append(rng.choice(POOL))
        elif op is C.IN:
            chars, negate = _class_chars(av)
            if negate:
                chars = "".join(c for c in POOL + SAFE_PUNCT if c not in chars)
            out.append(rng.choice(chars))
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
            lo, hi, sub = av
            if op is C.MIN_REPEAT:
                n = lo
            else:
                hi = lo + 40 if hi == C.MAXREPEAT else hi
                n = min(hi, max(lo, 24)) if lo != hi else lo
            for _ in range(n):
                _gen(sub, rng, out, spans)
        elif op is C.SUBPATTERN:
            group, _add, _del, sub = av
            start = len("".join(out))
            _gen(sub, rng, out, spans)
            if group:
                spans[group] = (start, len("".join(out)))
        elif op is C.BRANCH:
            _gen(av[1][0], rng, out, spans)
        elif op is C.GROUPREF:
            s, e = spans[av]
            out.append("".join(out)[s:e])
        # AT (anchors), ASSERT and ASSERT_NOT (lookarounds) emit nothing


def sample(regex: re.Pattern[str], rng: random.Random) -> tuple[str, dict[int, tuple[int, int]]]:
    """A string matched by ``regex`` and the span of each capture group in it."""
    out: list[str] = []
    spans: dict[int, tuple[int, int]] = {}
    _gen(P.parse(regex.pattern, regex.flags), rng, out, spans)
    return "".join(out), spans


def github_token(prefix: str, rng: random.Random) -> str:
    body = "".join(rng.choice(POOL) for _ in range(30))
    n, check = binascii.crc32(body.encode()) & 0xFFFFFFFF, ""
    while n:
        n, r = divmod(n, 62)
        check = B62[r] + check
    return f"{prefix}_{body}{check.rjust(6, '0')}"


def jwt(rng: random.Random) -> str:
    def enc(obj: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    sig = "".join(rng.choice(POOL + "-_") for _ in range(43))
    return f"{enc({'alg': 'HS256', 'typ': 'JWT'})}.{enc({'sub': str(rng.randint(1, 10**6)), 'role': 'nurse'})}.{sig}"


def pem_block(label: str, rng: random.Random, lines: int = 12) -> str:
    """A key block whose body decodes as its label promises (DER or openssh-key-v1), random after that."""
    head = b"openssh-key-v1\x00" if label == "OPENSSH PRIVATE KEY" else b"\x30\x82\x04\xa4\x02\x01\x00"
    size = 48 * lines - len(head)
    body = base64.b64encode(head + bytes(rng.randrange(256) for _ in range(size))).decode()
    rows = "\n".join(body[i:i + 64] for i in range(0, len(body), 64))
    return f"-----BEGIN {label}-----\n{rows}\n-----END {label}-----"


def putty_key(rng: random.Random) -> str:
    pub = "".join(rng.choice(POOL + "+/") for _ in range(64))
    priv = ["".join(rng.choice(POOL + "+/") for _ in range(64)) for _ in range(4)]
    return ("PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: ops\nPublic-Lines: 1\n"
            f"{pub}\nPrivate-Lines: 4\n" + "\n".join(priv) + "\nPrivate-MAC: " + "ab" * 32)


def basic_credentials(rng: random.Random) -> str:
    raw = f"svc-{rng.randint(100, 999)}:" + "".join(rng.choice(POOL) for _ in range(18))
    return base64.b64encode(raw.encode()).decode()
