"""Structural checks a candidate secret must pass: checksums, decodable JWTs, entropy.

A validator returns True (format verified), False (cannot be a real token: drop or lower the
confidence, per rule) or None (nothing to verify). None of them sends anything anywhere:
pulsecheck never tries a found credential against a live service.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import string
from collections import Counter
from collections.abc import Callable
from urllib.parse import unquote

_BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase


def shannon_entropy(value: str) -> float:
    """Bits per character of ``value`` (0 for an empty string)."""
    if not value:
        return 0.0
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in Counter(value).values())


def _base62(n: int, width: int) -> str:
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = _BASE62[r] + out
    return out.rjust(width, "0")


def _crc32_base62_tail(token: str, prefix_len: int) -> bool:
    """GitHub/npm style: the last 6 chars are base62(CRC32(body)) of the 30 chars before."""
    body, check = token[prefix_len:-6], token[-6:]
    return _base62(binascii.crc32(body.encode()) & 0xFFFFFFFF, 6) == check


def github_checksum(token: str) -> bool | None:
    """ghp_/gho_/ghu_/ghs_/ghr_ tokens: 4-char prefix, 30 random chars, 6-char CRC32."""
    if len(token) != 40:
        return None
    return _crc32_base62_tail(token, 4)


def npm_checksum(token: str) -> bool | None:
    """npm_ tokens follow GitHub's scheme (npm is GitHub's)."""
    if len(token) != 40:
        return None
    return _crc32_base62_tail(token, 4)


def _b64url_json(part: str) -> object:
    padded = part + "=" * (-len(part) % 4)
    return json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))


def jwt_structure(token: str) -> bool | None:
    """A JWT whose header decodes to a JSON object naming an ``alg`` and whose payload is JSON."""
    parts = token.split(".")
    if len(parts) != 3:
        return False
    try:
        header = _b64url_json(parts[0])
        payload = _b64url_json(parts[1])
    except (ValueError, UnicodeDecodeError, binascii.Error):
        return False
    if not isinstance(header, dict) or not isinstance(payload, dict):
        return False
    return "alg" in header and str(header.get("alg")).lower() != "none"


def base64_decodes(value: str) -> bool | None:
    """The value is valid (standard or URL-safe) base64."""
    try:
        base64.b64decode(value + "=" * (-len(value) % 4), altchars=b"-_" if "-" in value or "_" in value
                         else None, validate=True)
    except (ValueError, binascii.Error):
        return False
    return True


def azure_sas_signature(value: str) -> bool | None:
    """An Azure SAS ``sig=`` is base64 of an HMAC-SHA256: exactly 32 bytes once URL-decoded."""
    try:
        raw = base64.b64decode(unquote(value), validate=True)
    except (ValueError, binascii.Error):
        return False
    return len(raw) == 32


VALIDATORS: dict[str, Callable[[str], bool | None]] = {
    "github-checksum": github_checksum,
    "npm-checksum": npm_checksum,
    "jwt": jwt_structure,
    "base64": base64_decodes,
    "azure-sas-signature": azure_sas_signature,
}
