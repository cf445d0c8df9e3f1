"""Private-key blocks: PEM (RSA, EC, DSA, PKCS#8, OpenSSH, PGP, OpenVPN) and PuTTY files.

A key is rarely on one line: it spans many lines in a file or a diff hunk, or sits in a
string with escaped ``\\n`` (JSON, env files, GCP service-account keys). The matcher reads
forward from the BEGIN line, unescapes and strips quoting, and accepts only a body that is
really a key: every line between BEGIN and END is base64 (so a BEGIN marker in a comment,
a docstring or a parser followed by code is not a key), the body is long and random, and it
decodes to the structure its label promises (DER ``SEQUENCE`` for RSA/EC/DSA/PKCS#8,
``openssh-key-v1`` for OpenSSH). ``-----BEGIN RSA PRIVATE KEY-----\\n...`` in documentation
is not a key.
"""

from __future__ import annotations

import base64
import binascii
import re

from pulsecheck.stages.secrets.filters import is_placeholder
from pulsecheck.stages.secrets.validators import shannon_entropy

MAX_LINES = 120
_BEGIN = re.compile(r"-{4,5} ?BEGIN ([A-Za-z0-9 ]+?) ?-{4,5}")
_END = re.compile(r"-----END [A-Za-z0-9 ]*-----|---- END SSH2 [A-Z ]+----")
_ESCAPES = re.compile(r"\\\\r|\\\\n|\\r|\\n|\\t|\\/")
_HEADER = re.compile(r"^[A-Za-z][A-Za-z-]*:\s.*$|^[A-Za-z][A-Za-z-]*:$")
_B64_LINE = re.compile(r"[A-Za-z0-9+/]+={0,2}")
_HEX_LINE = re.compile(r"[0-9a-fA-F]+")
# Quoting and concatenation around each line of a key pasted into code or config.
# "+" and "/" are base64 too: strip them only as operators or comment marks, before a space or quote.
_LEAD = re.compile(r"""^(?:\s|[#*>|]|[+](?=[\s"'`]|$)|//(?=\s)|[bru]?["'`]|\\?["'])*\s*""")
_TRAIL = re.compile(r"""(?:\s|["'`]|\\n|\\|[,;)]|(?<=[\s"'`])[+])*$""")
_PUTTY_PRIVATE = re.compile(r"Private-Lines:\s*(\d+)")
_DER_LABELS = ("RSA PRIVATE KEY", "EC PRIVATE KEY", "DSA PRIVATE KEY", "PRIVATE KEY", "ENCRYPTED PRIVATE KEY")


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


def _body_lines(inner: str, label: str, closed: bool) -> tuple[list[str], bool] | None:
    """The base64 lines of a key body and whether it had RFC 1421 headers; None if not a key."""
    lines: list[str] = []
    headers = False
    line_re = _HEX_LINE if label.startswith("OpenVPN") else _B64_LINE
    for raw in inner.split("\n"):
        line = _TRAIL.sub("", _LEAD.sub("", raw.strip()))
        if not line:
            continue
        if _HEADER.match(line):
            headers = True
            continue
        if not line_re.fullmatch(line):
            if closed or not lines:
                return None  # code or prose between BEGIN and END: not a key
            break
        lines.append(line)
    return lines, headers


def _structure_ok(label: str, body: str, headers: bool) -> bool:
    """The decoded body starts as its label promises (legacy encrypted PEM is ciphertext)."""
    if headers or label not in _DER_LABELS and label != "OPENSSH PRIVATE KEY":
        return True
    try:
        raw = base64.b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        return False
    if label == "OPENSSH PRIVATE KEY":
        return raw.startswith(b"openssh-key-v1\x00")
    return raw[:1] == b"\x30"


def pem_body(block: str) -> str | None:
    """The base64 body of the first key block in ``block``, or None if it is not a real key."""
    unescaped = _ESCAPES.sub("\n", block)
    begin = _BEGIN.search(unescaped)
    if begin is None:
        return None
    label = begin.group(1).strip()
    end = _END.search(unescaped, begin.end())
    inner = unescaped[begin.end():end.start() if end else len(unescaped)]
    got = _body_lines(inner, label, end is not None)
    if got is None:
        return None
    lines, headers = got
    if label.startswith("PGP"):  # armor checksum line ("=AbCd") is not key material
        lines = [ln for ln in lines if not ln.startswith("=")]
    body = "".join(lines)
    if len(body) < (64 if end else 256):
        return None
    if is_placeholder(body) or shannon_entropy(body) < (3.5 if label.startswith("OpenVPN") else 4.5):
        return None
    return body if _structure_ok(label, body, headers) else None


def putty_body(block: str) -> str | None:
    """The private-lines of a PuTTY key file (never a public-only file)."""
    unescaped = _ESCAPES.sub("\n", block)
    m = _PUTTY_PRIVATE.search(unescaped)
    if not m:
        return None
    lines = unescaped[m.end():].split("\n")[1:1 + int(m.group(1))]
    body = re.sub(r"[^A-Za-z0-9+/=]", "", "".join(lines))
    if len(body) < 40 or is_placeholder(body) or shannon_entropy(body) < 4.0:
        return None
    return body
