"""Private-key blocks: PEM (RSA, EC, DSA, PKCS#8, OpenSSH, PGP, OpenVPN) and PuTTY files.

A key is rarely on one line: it spans many lines in a file or a diff hunk, or sits in a
string with escaped ``\\n`` (JSON, env files, GCP service-account keys). The matcher reads
forward from the BEGIN line, unescapes and strips quoting, and accepts only a body that is
long, random-looking base64: ``-----BEGIN RSA PRIVATE KEY-----\\n...`` in documentation is not
a key.
"""

from __future__ import annotations

import re

from pulsecheck.stages.secrets.filters import is_placeholder
from pulsecheck.stages.secrets.validators import shannon_entropy

MAX_LINES = 120
_END = re.compile(r"-----END [A-Z0-9 ]*-----|---- END SSH2 [A-Z ]+----|-----END OpenVPN Static key V1-----")
_ESCAPES = re.compile(r"\\\\r|\\\\n|\\r|\\n|\\t|\\/")
_HEADER = re.compile(r"^[A-Za-z-]+:.*$", re.MULTILINE)
_NOT_B64 = re.compile(r"[^A-Za-z0-9+/=]")
_PUTTY_PRIVATE = re.compile(r"Private-Lines:\s*(\d+)")


def following_text(text: str, start: int, *, patch: bool) -> str:
    """Up to MAX_LINES lines from ``start``; in a patch only the run of added lines."""
    out: list[str] = []
    pos = start
    for _ in range(MAX_LINES):
        end = text.find("\n", pos)
        line = text[pos:] if end < 0 else text[pos:end]
        if patch and out:
            if not line.startswith("+"):
                break
            line = line[1:]
        out.append(line)
        if end < 0 or _END.search(line):
            break
        pos = end + 1
    return "\n".join(out)


def pem_body(block: str) -> str | None:
    """The base64 body of the first key block in ``block``, or None if it is not a real key."""
    unescaped = _ESCAPES.sub("\n", block)
    end = _END.search(unescaped)
    first_nl = unescaped.find("-----", unescaped.find("BEGIN")) + 5
    if first_nl < 5:
        first_nl = unescaped.find("----", unescaped.find("BEGIN")) + 4
    inner = unescaped[first_nl:end.start() if end else len(unescaped)]
    inner = _HEADER.sub("", inner)
    body = _NOT_B64.sub("", inner)
    if len(body) < (64 if end else 256):
        return None
    if is_placeholder(body) or shannon_entropy(body) < 4.5:
        return None
    return body


def putty_body(block: str) -> str | None:
    """The private-lines of a PuTTY key file (never a public-only file)."""
    unescaped = _ESCAPES.sub("\n", block)
    m = _PUTTY_PRIVATE.search(unescaped)
    if not m:
        return None
    lines = unescaped[m.end():].split("\n")[1:1 + int(m.group(1))]
    body = _NOT_B64.sub("", "".join(lines))
    if len(body) < 40 or is_placeholder(body) or shannon_entropy(body) < 4.0:
        return None
    return body
