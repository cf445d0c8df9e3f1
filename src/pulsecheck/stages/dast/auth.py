"""Identities the scan acts as: static headers/cookies, or a login recipe with refresh.

Sources, in order: the target's typed identities (``UrlTarget.identities``), then the options
``auth``/``login`` (identity A) and ``auth_b``/``login_b`` (identity B). Values are
:class:`~pulsecheck.targets.Credential` objects; they are only revealed to build a request.

A login recipe is a TOML file::

    url = "https://staging.example/api/auth/login"   # must be in scope
    kind = "json"              # or "form"
    token_path = "access_token"  # dotted path of the token in the JSON answer (or)
    cookie = "session"         # the cookie the answer sets
    header = "Authorization"   # where the token goes (scheme "Bearer")
    [fields]
    email = "APP_USER"                       # an environment variable's name
    password = { env = "APP_PASSWORD" }      # the same, spelled out
    # password = { file = "/run/secrets/pw" }  # or a file holding the value

A 401 on an identity with a recipe re-runs the login once (see ``Scanner.send``).
"""

from __future__ import annotations

import base64
import json
import os
import threading
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pulsecheck.stages.dast.client import Identity, Refused
from pulsecheck.targets import Credential, LoginRecipe
from pulsecheck.targets import Identity as TargetIdentity

if TYPE_CHECKING:
    from pulsecheck.stages.dast.client import Scanner


class AuthError(ValueError):
    """A recipe or an ``auth`` value that cannot be used (one line, no secret in it)."""


class Session(Identity):
    def __init__(self, name: str, headers: tuple[tuple[str, Credential], ...] = (),
                 cookies: tuple[tuple[str, Credential], ...] = (), login: LoginRecipe | None = None,
                 field_values: dict[str, Credential] | None = None) -> None:
        self.name = name
        self.headers = list(headers)
        self.cookies = list(cookies)
        self.login = login
        self.field_values = field_values or {}
        self._lock = threading.Lock()
        self.logins = 0

    @property
    def anonymous(self) -> bool:
        return not self.headers and not self.cookies and self.login is None

    def apply(self, headers: dict[str, str]) -> None:
        with self._lock:
            for k, v in self.headers:
                headers[k] = v.reveal()
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{k}={v.reveal()}" for k, v in self.cookies)

    def bearer_token(self) -> str | None:
        """The raw bearer token this identity sends, when it sends one (JWT checks)."""
        for k, v in self.headers:
            value = v.reveal()
            if k.lower() == "authorization" and value.lower().startswith("bearer "):
                return value[7:].strip()
        for _, v in self.cookies:
            if v.reveal().count(".") == 2 and v.reveal().startswith("eyJ"):
                return v.reveal()
        return None

    def with_token(self, token: str, name: str) -> Session:
        """A copy sending ``token`` where this identity sends its bearer token."""
        headers = tuple((k, Credential(f"Bearer {token}") if k.lower() == "authorization" else v)
                        for k, v in self.headers)
        cookies = tuple((k, Credential(token) if v.reveal().startswith("eyJ") else v) for k, v in self.cookies)
        return Session(name, headers, cookies)

    def refresh(self, scanner: Scanner) -> bool:
        if self.login is None:
            return False
        return self.do_login(scanner)

    def do_login(self, scanner: Scanner) -> bool:
        recipe = self.login
        if recipe is None:
            return False
        values = {f: self.field_values[f].reveal() for f, _ in recipe.fields if f in self.field_values}
        url = scanner.base_url.rstrip("/") + recipe.url if recipe.url.startswith("/") else recipe.url
        try:
            if recipe.kind == "form":
                r = scanner.send("POST", url, data=values, retry_auth=False, login=True)
            else:
                r = scanner.send("POST", url, json=values, retry_auth=False, login=True)
        except Refused:
            return False
        if not 200 <= r.status_code < 300:
            return False
        with self._lock:
            self.logins += 1
            if recipe.cookie:
                value = r.cookies.get(recipe.cookie)
                if value:
                    self.cookies = [(k, v) for k, v in self.cookies if k != recipe.cookie]
                    self.cookies.append((recipe.cookie, Credential(value)))
                    return True
            if recipe.token_path:
                try:
                    node: Any = r.json()
                    for part in recipe.token_path.split("."):
                        node = node[int(part)] if isinstance(node, list) else node[part]
                except (ValueError, KeyError, IndexError, TypeError):
                    return False
                if isinstance(node, str) and node:
                    prefix = f"{recipe.scheme} " if recipe.scheme else ""
                    self.headers = [(k, v) for k, v in self.headers if k.lower() != recipe.header.lower()]
                    self.headers.append((recipe.header, Credential(prefix + node)))
                    return True
        return False


def from_target(identity: TargetIdentity) -> Session:
    return Session(identity.name, identity.headers, identity.cookies, identity.login,
                   _field_values(identity.login) if identity.login else None)


def from_auth_strings(name: str, values: tuple[str, ...]) -> Session:
    """``'Authorization: Bearer x'`` headers and ``'Cookie: a=b; c=d'`` cookies."""
    headers: list[tuple[str, Credential]] = []
    cookies: list[tuple[str, Credential]] = []
    for i, raw in enumerate(values, start=1):
        key, sep, value = raw.partition(":")
        key, value = key.strip(), value.strip()
        if not sep or not key or not value or any(c in key for c in " \r\n") or "\n" in value or "\r" in value:
            raise AuthError(f"auth value #{i} of {name}: expected 'Header: value' or 'Cookie: name=value'")
        if key.lower() == "cookie":
            for part in value.split(";"):
                ck, eq, cv = part.strip().partition("=")
                if eq and ck:
                    cookies.append((ck, Credential(cv)))
        else:
            headers.append((key, Credential(value)))
    return Session(name, tuple(headers), tuple(cookies))


def load_recipe(path: str, name: str) -> Session:
    """Read a login recipe file; values come from the environment or files, never the recipe."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise AuthError(f"{path}: login recipe unreadable ({type(exc).__name__})") from None
    url = data.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://", "/")):
        raise AuthError(f"{path}: login recipe needs url = \"https://...\" (or a path of the target)")
    kind = data.get("kind", "json")
    if kind not in ("json", "form"):
        raise AuthError(f"{path}: kind must be \"json\" or \"form\"")
    fields_raw = data.get("fields", {})
    if not isinstance(fields_raw, dict) or not fields_raw:
        raise AuthError(f"{path}: login recipe needs a [fields] table")
    values: dict[str, Credential] = {}
    fields: list[tuple[str, str]] = []
    for field_name, source in fields_raw.items():
        value = _resolve(source, f"{path}: fields.{field_name}", Path(path).parent)
        values[field_name] = Credential(value)
        fields.append((field_name, source if isinstance(source, str) else "…"))
    recipe = LoginRecipe(url=url, fields=tuple(fields), kind=kind,
                         token_path=data.get("token_path", None if data.get("cookie") else "access_token"),
                         cookie=data.get("cookie"), header=str(data.get("header", "Authorization")),
                         scheme=str(data.get("scheme", "Bearer")))
    return Session(name, login=recipe, field_values=values)


def _resolve(source: Any, where: str, base: Path) -> str:
    if isinstance(source, str):
        source = {"env": source}
    if not isinstance(source, dict) or len(source) != 1:
        raise AuthError(f"{where}: expected an environment variable name, {{ env = ... }} or {{ file = ... }}")
    (kind, ref), = source.items()
    if kind == "env":
        value = os.environ.get(str(ref))
        if value is None:
            raise AuthError(f"{where}: environment variable {ref} is not set")
        return value
    if kind == "file":
        try:
            return (base / str(ref)).read_text(encoding="utf-8").strip()
        except OSError:
            raise AuthError(f"{where}: cannot read {ref}") from None
    raise AuthError(f"{where}: unknown source {kind!r} (env or file)")


def _field_values(recipe: LoginRecipe) -> dict[str, Credential]:
    out = {}
    for field_name, env in recipe.fields:
        value = os.environ.get(env)
        if value is not None:
            out[field_name] = Credential(value)
    return out


def jwt_parts(token: str) -> tuple[dict[str, Any], dict[str, Any], str] | None:
    """(header, claims, signature) of a compact JWS, or None when it is not one."""
    parts = token.split(".")
    if len(parts) != 3 or len(token) > 16_384:
        return None
    try:
        header = json.loads(_b64d(parts[0]))
        claims = json.loads(_b64d(parts[1]))
    except ValueError:
        return None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        return None
    return header, claims, parts[2]


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")
