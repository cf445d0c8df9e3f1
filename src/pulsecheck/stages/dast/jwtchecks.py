"""JWT weaknesses of the tokens the identities carry: alg none, a tampered signature, a weak
HMAC key (offline guesses from a small built-in list plus words of the app's title and host:
no request per guess), no expiry or a long one, an expired token accepted (forged only when the
key was guessed). Each forged token is sent once, to the request that verified the identity."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterable, Iterator
from typing import Any

from pulsecheck.model import Finding
from pulsecheck.stages.dast.auth import Session, b64e, jwt_parts
from pulsecheck.stages.dast.authz import Principal, similar
from pulsecheck.stages.dast.client import Scanner
from pulsecheck.stages.dast.findings import finding

WEAK_KEYS = ("secret", "password", "changeme", "change-me", "changeit", "jwt", "jwtsecret", "jwt-secret",
             "jwt_secret", "secretkey", "secret-key", "secret_key", "key", "test", "dev", "development",
             "123456", "12345678", "admin", "your-256-bit-secret", "your_jwt_secret", "mysecret", "supersecret",
             "s3cr3t", "default", "token", "qwerty", "letmein", "hs256", "shhhhh", "keyboard cat", "")
_HASHES = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}


def _encode(header: dict[str, Any], claims: dict[str, Any], key: str | None) -> str:
    head = b64e(json.dumps(header, separators=(",", ":")).encode())
    body = b64e(json.dumps(claims, separators=(",", ":")).encode())
    if key is None:
        return f"{head}.{body}."
    digest = _HASHES[header["alg"]]
    sig = hmac.new(key.encode(), f"{head}.{body}".encode(), digest).digest()
    return f"{head}.{body}.{b64e(sig)}"


def guess_key(token: str, words: Iterable[str]) -> str | None:
    parts = jwt_parts(token)
    if parts is None:
        return None
    header = parts[0]
    digest = _HASHES.get(str(header.get("alg", "")).upper())
    if digest is None:
        return None
    signing_input, _, sig = token.rpartition(".")
    candidates = list(dict.fromkeys([*WEAK_KEYS, *words]))
    for key in candidates[:2000]:
        if hmac.compare_digest(b64e(hmac.new(key.encode(), signing_input.encode(), digest).digest()), sig):
            return key
    return None


def check(scanner: Scanner, principal: Principal, words: Iterable[str], *, forge: bool = True) -> Iterator[Finding]:
    """Without ``forge`` (passive scans) only what the token itself shows; no forged token is sent."""
    session = principal.session
    url = principal.verified_url
    if not isinstance(session, Session) or url is None:
        return
    token = session.bearer_token()
    parts = jwt_parts(token) if token else None
    if token is None or parts is None:
        return
    header, claims, _ = parts
    real = scanner.try_send("GET", url, identity=session, passive=False)
    if real is None or not 200 <= real.status_code < 300:
        return
    name = session.name

    def accepted(forged: str, label: str) -> Any:
        if not forge:
            return None
        r = scanner.try_send("GET", url, identity=session.with_token(forged, f"{name}-{label}"), passive=False)
        return r if r is not None and 200 <= r.status_code < 300 and similar(r, real) else None

    for alg in ("none", "None"):
        r = accepted(_encode({**header, "alg": alg}, claims, None), "alg-none")
        if r is not None:
            yield finding("dast.jwt-alg-none", r, route=_route(url), parameter="Authorization", parameter_in="header",
                          message=f"an unsigned token (alg {alg!r}) with {name}'s claims was accepted by GET {url}")
            break
    head, body, sig = token.split(".")
    tampered = f"{head}.{body}.{sig[:-4] + ('AAAA' if not sig.endswith('AAAA') else 'BBBB')}" if len(sig) > 8 else None
    if tampered:
        r = accepted(tampered, "tampered")
        if r is not None:
            yield finding("dast.jwt-signature-not-verified", r, route=_route(url), parameter="Authorization",
                          parameter_in="header", message=f"a token with a changed signature was accepted by GET {url}")
    if "exp" not in claims:
        yield finding("dast.jwt-no-expiry", real, route=_route(url), parameter="Authorization", parameter_in="header",
                      message=f"{name}'s token has no exp claim")
    elif isinstance(claims.get("exp"), int | float) and isinstance(claims.get("iat"), int | float) \
            and claims["exp"] - claims["iat"] > 86_400:
        yield finding("dast.jwt-long-lived", real, route=_route(url), parameter="Authorization", parameter_in="header",
                      message=f"{name}'s token is valid for {(claims['exp'] - claims['iat']) / 3600:.0f} h")
    key = guess_key(token, words)
    if key is not None:
        yield finding("dast.jwt-weak-hmac-key", real, route=_route(url), parameter="Authorization", parameter_in="header",
                      message=f"{name}'s {header.get('alg')} token verifies with a guessable key "
                              f"({len(key)} characters, from the built-in list or the app's own name)")
        now = int(time.time())
        expired = {**claims, "iat": now - 7200, "exp": now - 3600}
        r = accepted(_encode(header, expired, key), "expired")
        if r is not None:
            yield finding("dast.jwt-expired-accepted", r, route=_route(url), parameter="Authorization",
                          parameter_in="header", message=f"a token that expired an hour ago was accepted by GET {url}")


def _route(url: str) -> str:
    from pulsecheck.model import route_template

    return route_template(url)
