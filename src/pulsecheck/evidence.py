"""What a finding shows as proof: a small typed union, redacted by construction.

A report travels further than the code it describes (CI logs, tickets, an auditor's inbox), so
evidence must never carry a whole secret or a patient's data. Stages already redact what they
know is secret; each type here adds a net they cannot forget: every excerpt is cut to a
bounded size and scrubbed of e-mail addresses, SSN-shaped and long numbers, bearer tokens and
JWTs, HTTP headers that carry credentials (Authorization, Cookie, Set-Cookie, API keys) keep
only their name, and JSON fields that name a person's data keep only their key.

``TextEvidence`` is a ``str`` so code that treated ``Finding.evidence`` as text keeps working.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import ClassVar, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

REDACTED = "…REDACTED"
MAX_TEXT = 1000
MAX_BODY = 1024
MAX_SNIPPET_LINES = 20
MAX_SNIPPET_CHARS = 2000
MAX_HEADERS = 40

_SCRUB: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"), "eyJ" + REDACTED),
    (re.compile(r"(?i)\b(bearer|basic|token)(\s+)[A-Za-z0-9._~+/=-]{8,}"), r"\1\2" + REDACTED),
    (re.compile(r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}\b"),
     "<email>"),
    # A served config file or a code line: NAME=value where the name says credential.
    (re.compile(r"(?i)\b([A-Za-z0-9_.-]{0,40}(?:secret|passw|pwd|token|api[_-]?key|access[_-]?key"
                r"|private[_-]?key|credential|client[_-]?id)[A-Za-z0-9_.-]{0,40})(\s{0,8}[=:]\s{0,8})([\"']?)"
                r"[^\s\"'&,;<>…]{4,}(?![^\s\"'&,;<>…])(?!…)"), r"\1\2\3" + REDACTED),
    # Vendor key formats that need no name beside them.
    (re.compile(r"\b(sk-(?:proj-|ant-(?:api\d\d-)?)?|AKIA|ASIA|ghp_|gho_|ghs_|github_pat_|xox[abpr]-|glpat-|AIza)"
                r"[A-Za-z0-9_-]{12,}(?![A-Za-z0-9_-])(?!…)"), r"\1" + REDACTED),
    (re.compile(r"\b\d{3}-\d{2}-\d{4}\b"), "***-**-****"),
    (re.compile(r"\d{9,}"), "<number>"),
)
_SENSITIVE_NAME = re.compile(
    r"(?i)^(authorization|proxy-authorization|cookie|set-cookie)$|token|secret|passw|session|api[-_]?key"
    r"|auth|credential|signature")
_PERSONAL_KEY = re.compile(
    r"(?i)name|ssn|social|birth|dob|address|street|zip|postal|phone|mobile|email|mrn|medical|diagnos"
    r"|condition|insurance|member|patient|passw|token|secret")
_JSON_STRING_FIELD = re.compile(r'"([A-Za-z0-9_. -]{1,60})"(\s*:\s*)"(?:[^"\\]|\\.){0,400}"')


def scrub(text: str) -> str:
    """``text`` with personal and credential-shaped values masked (linear-time patterns)."""
    for pattern, replacement in _SCRUB:
        text = pattern.sub(replacement, text)
    return text


def clip(text: str, limit: int) -> str:
    """At most ``limit`` characters, marked when cut."""
    return text if len(text) <= limit else text[: max(0, limit - 14)] + " …[truncated]"


class TextEvidence(str):
    """A short redacted excerpt (what ``evidence: str`` always was)."""

    __slots__ = ()
    kind: ClassVar[Literal["text"]] = "text"

    def __new__(cls, excerpt: str = "") -> TextEvidence:
        return super().__new__(cls, scrub(clip(str(excerpt), MAX_TEXT)))

    @property
    def excerpt(self) -> str:
        return str(self)

    def summary(self) -> str:
        return str(self)

    def identity(self) -> str:
        return ""


@dataclass(frozen=True, slots=True)
class CodeRegion:
    """Lines of source code; its identity (enclosing symbol + normalised snippet) tells two
    findings of one rule in one file apart and survives the code moving within the file."""

    path: str
    start_line: int
    end_line: int | None = None
    snippet: str = ""
    symbol: str = ""
    """The enclosing function or class (``views.get_patient``), when the stage knows it."""
    kind: Literal["code"] = "code"

    def __post_init__(self) -> None:
        lines = self.snippet.splitlines()[:MAX_SNIPPET_LINES]
        object.__setattr__(self, "snippet", scrub(clip("\n".join(lines), MAX_SNIPPET_CHARS)))

    def summary(self) -> str:
        first = next((ln.strip() for ln in self.snippet.splitlines() if ln.strip()), "")
        span = f"{self.start_line}-{self.end_line}" if self.end_line and self.end_line != self.start_line \
            else str(self.start_line)
        return clip(f"{self.path}:{span}{' in ' + self.symbol if self.symbol else ''}: {first}", 300)

    def identity(self) -> str:
        normalized = " ".join(self.snippet.split())
        if not normalized and not self.symbol:
            return ""
        digest = hashlib.sha256(normalized.encode("utf-8", "surrogateescape")).hexdigest()[:16]
        return f"code:{self.symbol}:{digest}"


def redact_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """Header pairs with credential values replaced; cookie names kept, their values never."""
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    out: list[tuple[str, str]] = []
    for name, value in list(pairs)[:MAX_HEADERS]:
        name, value = str(name), str(value)
        lower = name.lower()
        if lower in ("cookie", "set-cookie"):
            value = _redact_cookies(value, lower == "set-cookie")
        elif lower in ("authorization", "proxy-authorization"):
            scheme = value.split(" ", 1)[0] if " " in value else ""
            value = f"{scheme} {REDACTED}".strip()
        elif _SENSITIVE_NAME.search(lower):
            value = REDACTED
        else:
            value = scrub(clip(value, 300))
        out.append((name, value))
    return tuple(out)


def _redact_cookies(value: str, set_cookie: bool) -> str:
    parts = [p.strip() for p in value.split(";")]
    if set_cookie:  # name=value; then attributes (Path, HttpOnly...), which are kept
        name = parts[0].split("=", 1)[0]
        return "; ".join([f"{name}={REDACTED}", *(p for p in parts[1:] if p)])
    return "; ".join(f"{p.split('=', 1)[0]}={REDACTED}" for p in parts if p)


def redact_url(url: str) -> str:
    """The URL without a password and with credential-like query values replaced."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        netloc = f"{userinfo.split(':', 1)[0]}:{REDACTED}@{host}" if ":" in userinfo else netloc
    query = urlencode([(k, REDACTED if _SENSITIVE_NAME.search(k) else v)
                       for k, v in parse_qsl(parts.query, keep_blank_values=True)], safe="/:,{}…")
    return scrub(clip(urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment)), 2000))


def redact_body(body: str | bytes) -> str:
    """A body excerpt: cut, JSON fields naming personal data or credentials masked, scrubbed."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    text = clip(text, MAX_BODY)

    def mask(match: re.Match[str]) -> str:
        if _PERSONAL_KEY.search(match.group(1)):
            return f'"{match.group(1)}"{match.group(2)}"{REDACTED}"'
        return match.group(0)

    return scrub(_JSON_STRING_FIELD.sub(mask, text))


@dataclass(frozen=True, slots=True)
class HttpRequestExcerpt:
    method: str
    url: str
    headers: tuple[tuple[str, str], ...] = ()
    body: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "method", self.method.upper())
        object.__setattr__(self, "url", redact_url(self.url))
        object.__setattr__(self, "headers", redact_headers(self.headers))
        object.__setattr__(self, "body", redact_body(self.body))


@dataclass(frozen=True, slots=True)
class HttpResponseExcerpt:
    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "headers", redact_headers(self.headers))
        object.__setattr__(self, "body", redact_body(self.body))


@dataclass(frozen=True, slots=True)
class HttpExchange:
    """One request and the response it got (SARIF ``webRequest``/``webResponse``)."""

    request: HttpRequestExcerpt
    response: HttpResponseExcerpt | None = None
    kind: Literal["http"] = "http"

    def summary(self) -> str:
        got = f" -> {self.response.status}" if self.response is not None else " -> no response"
        return clip(f"{self.request.method} {self.request.url}{got}", 300)

    def identity(self) -> str:
        return ""


@dataclass(frozen=True, slots=True)
class TlsObservation:
    """What a TLS handshake showed (protocol, cipher, certificate)."""

    host: str
    port: int
    protocol: str = ""
    cipher: str = ""
    certificate_subject: str = ""
    not_after: str = ""
    detail: str = ""
    kind: Literal["tls"] = "tls"

    def __post_init__(self) -> None:
        object.__setattr__(self, "detail", scrub(clip(self.detail, 500)))

    def summary(self) -> str:
        parts = [p for p in (self.protocol, self.cipher, self.certificate_subject and
                             f"subject {self.certificate_subject}", self.not_after and
                             f"expires {self.not_after}", self.detail) if p]
        return clip(f"{self.host}:{self.port} " + ", ".join(parts), 300)

    def identity(self) -> str:
        return ""


@dataclass(frozen=True, slots=True)
class PortObservation:
    """An open port and what answered on it (the banner cut and scrubbed)."""

    host: str
    port: int
    protocol: str = "tcp"
    service: str = ""
    banner: str = ""
    kind: Literal["port"] = "port"

    def __post_init__(self) -> None:
        object.__setattr__(self, "banner", scrub(clip(self.banner, 200)))

    def summary(self) -> str:
        what = " ".join(p for p in (self.service, self.banner and repr(self.banner)) if p)
        return clip(f"{self.host}:{self.port}/{self.protocol} open{' ' + what if what else ''}", 300)

    def identity(self) -> str:
        return ""


Evidence = TextEvidence | CodeRegion | HttpExchange | TlsObservation | PortObservation

NO_EVIDENCE = TextEvidence("")


def as_evidence(value: Evidence | str | None) -> Evidence:
    """A plain ``str`` (what stages passed before the union existed) becomes TextEvidence."""
    if value is None:
        return NO_EVIDENCE
    if isinstance(value, TextEvidence | CodeRegion | HttpExchange | TlsObservation | PortObservation):
        return value
    return TextEvidence(value)


__all__ = ["NO_EVIDENCE", "REDACTED", "CodeRegion", "Evidence", "HttpExchange", "HttpRequestExcerpt",
           "HttpResponseExcerpt", "PortObservation", "TextEvidence", "TlsObservation", "as_evidence"]
