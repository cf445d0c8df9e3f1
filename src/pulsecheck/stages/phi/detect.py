"""Find identifiers in text: candidates by shape, kept only when a validator or context agrees.

``triggers`` first marks, in one RE2 pass over a whole chunk, the few spans that can hold a
value; the exact detectors here (one regex per family, then checksums and context words in
Python) run only there. A hit is (kind, offset, synthetic); the value itself is never kept past
validation.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import re2

from pulsecheck.stages.phi import triggers
from pulsecheck.stages.phi import validators as v

# Values are ASCII digits ([0-9], not ``\d``, which also takes Arabic-Indic and other scripts'
# digits): the RE2 triggers look for ASCII digits, and real identifiers are written in them.
_DIGITS = re.compile(r"(?<![\w.+/:-])(?:\+?1[ .-]?|\+)?\(?[0-9][0-9 ().-]{7,24}[0-9](?![\w-]|\.[0-9])")
_IBAN = re.compile(r"(?<![\w-])[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?![\w-])")
_MBI = re.compile(r"(?<![\w-])[1-9][A-Z][A-Z0-9][0-9]-?[A-Z][A-Z0-9][0-9]-?[A-Z]{2}[0-9]{2}(?![\w-])")
_DEA = re.compile(r"(?<![\w-])[A-Z][A-Z9][0-9]{7}(?![\w-])")
_EMAIL = re.compile(r"(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.([A-Za-z]{2,24})\b")
_KEYWORDS = re.compile(r"(?i)\b(?:(dob|d\.o\.b|date[ _-]?of[ _-]?birth|birth[ _-]?date|birthday|born(?: on)?)"
                       r"|(mrn|medical[ _-]?record[ _-]?(?:number|no|num|#)?|chart[ _-]?(?:no|number|#))"
                       r"|(icd(?:-?10)?(?:[ _-]?cm)?|diagnosis|dx))\b")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|[A-Z][a-z]{2,8}\.? \d{1,2},? \d{4}|"
                   r"\d{1,2} [A-Z][a-z]{2,8},? \d{4}|\d{8}")
_MRN_VALUE = re.compile(r"[\"']?\s*(?:[:=#]|is|no\.?)?\s*[\"']?\s*([A-Z0-9][A-Z0-9-]{4,19})\b", re.I)
_ICD = re.compile(r"\b[A-TV-Z]\d[0-9AB](?:\.[0-9A-TV-Z]{1,4})?\b")
# Text just before an ``@`` that makes it a URI's userinfo (``scheme://user:pass@host``) or an SSH
# login (``ssh user@host``), and just after it an scp-style remote path (``user@host:repo.git``).
_URI_USERINFO = re.compile(r"(?:[A-Za-z][A-Za-z0-9+.-]*://(?:[^\s/@?#&=\"'<>:]*:)?|\b(?:ssh|scp|sftp|rsync|mosh|git clone)\s+"
                           r"(?:-\S+\s+(?:[^-\s@]\S*\s+)?)*)$")
_REMOTE_PATH = re.compile(r":[\w~/.$-]")
_SEP = re.compile(r"[ ().-]+")
_CTX = {
    "ssn": re.compile(r"(?i)ssn|social[ _-]?sec|ss#|soc\.? ?sec|ssn_?no"),
    "npi": re.compile(r"(?i)\bnpi|us-npi|national provider"),
    "dea": re.compile(r"(?i)\bdea\b|dea[ _#-]"),
    "nhs": re.compile(r"(?i)\bnhs|nhs-number"),
    "ca_health_card": re.compile(r"(?i)ohip|health[ _-]?card|\bphn\b|\bhcn\b|personal health number"),
    "phone": re.compile(r"(?i)phone|tel\b|mobile|cell|fax|contact"),
    "card": re.compile(r"(?i)card|visa|amex|diners|\bcc\b|\bpan\b"),
    "test_card": re.compile(r"(?i)test|sandbox|stripe|braintree|adyen|example|sample|dummy|fake|demo"),
}
_CTX_ANY = re.compile("|".join(f"(?:{rx.pattern.removeprefix('(?i)')})" for rx in _CTX.values()), re.I)
_ASCII_DIGITS = frozenset("0123456789")
_DROP_SEPARATORS = str.maketrans("", "", " ().+-")
_FAKE_EMAIL_TLDS = {"png", "jpg", "jpeg", "gif", "svg", "webp", "js", "ts", "py", "css", "map", "json", "lock",
                    "md", "txt", "html", "ico", "woff", "woff2"}
_FAKE_EMAIL_LOCAL = {"git", "noreply", "no-reply", "donotreply"}
# Integer limits and their neighbours (INT_MAX, UINT_MAX, 2**53 - 1): phone- and SSN-shaped, never a person's.
_MACHINE_NUMBERS = {"2147483647", "2147483648", "4294967295", "4294967296", "9007199254740991",
                    "9007199254740992", "9223372036854775807", "18446744073709551615"}
_TEST_CARDS = {
    "4111111111111111", "4242424242424242", "4012888888881881", "4222222222222", "5555555555554444",
    "5105105105105100", "378282246310005", "371449635398431", "378734493671000", "6011111111111117",
    "6011000990139424", "30569309025904", "38520000023237", "3530111333300000", "3566002020360505",
    "4000056655665556", "5200828282828210", "2223003122003222", "6200000000000005", "4000000000000002",
    "4000000000009995", "4000002500003155", "4000000000000077", "4000000000003220", "4012000033330026",
    "5454545454545454", "4917610000000000", "6011601160116611", "4988438843884305", "3700000000000002",
    "4444333322221111", "5500000000000004", "340000000000009", "6011000000000004", "4007000000027",
}
_SYNTHETIC = re.compile(r"(?i)synthea|synthetichealth|@example\.(?:org|com|net)|\bexample\.(?:org|com|net)/|"
                        r"\b(?:fake|dummy|faker|mock|synthetic)[ _-]?(?:patient|data|person|user)|"
                        # FHIR specification and implementation-guide examples reference Patient/example,
                        # the HL7 v2 standard's example messages Adam Everyman (EVERYMAN^ADAM);
                        # Synthea names people with digits ("Elroy493 Nikolaus26")
                        r"\bPatient/example\b|\bEVERYMAN\^ADAM\b|(?-i:\b[A-Z][a-z]+[0-9]{2,3} [A-Z][a-z]+[0-9]{2,3}\b)")
_NAME = re.compile(r"(?:\b(?:name|patient|first[ _]?name|last[ _]?name|given|family|surname|full[ _]?name|FIRST|LAST)"
                   r"\b[\"']?\s*[:=,]\s*[\[\"']*\s*[A-Z][a-zà-ÿ]+|\b(?:Mr|Mrs|Ms|Miss|Dr)\.? [A-Z][a-zà-ÿ]+)")


@lru_cache(maxsize=1)
def _first_names() -> re.Pattern[str]:
    words = resources.files(__package__).joinpath("data/first_names.txt").read_text("utf-8").split()
    alt = "|".join(sorted({w.capitalize() for w in words}, key=len, reverse=True))
    return re.compile(r"\b(?:" + alt + r")\s+[A-Z][a-zà-ÿ]+")


@dataclass(frozen=True, slots=True)
class Hit:
    kind: str
    offset: int
    synthetic: bool = False


def _window(text: str, start: int, end: int, before: int = 80, after: int = 0) -> str:
    ls = text.rfind("\n", max(0, start - before), start) + 1 if before else start
    return text[max(ls, start - before):end + after]


@lru_cache(maxsize=64)
def _context_kinds(context: str) -> frozenset[str]:
    """Kinds whose context word is in ``context`` (a CSV header): true for every row of the file."""
    return frozenset(kind for kind, word in _CTX.items() if word.search(context))


def has_name(text: str, start: int, end: int, span: int = 300) -> bool:
    window = text[max(0, start - span):end + span]
    return bool(_NAME.search(window) or _first_names().search(window))


def _digit_hit(text: str, m: re.Match[str], context: str,
               ssn_context: Callable[[int], bool] | None = None) -> Hit | None:
    raw = m.group(0)
    digits = raw.translate(_DROP_SEPARATORS)  # ``_DIGITS`` matches only ASCII digits and " ().+-"
    if not 9 <= len(digits) <= 19 or digits in _TEST_CARDS or digits in _MACHINE_NUMBERS:
        return None  # every kind below needs 9 to 19 digits; test cards (13+) are only ever cards
    if raw.startswith("+") and not raw.startswith("+1"):  # E.164: the country's plan decides
        return Hit("phone", m.start()) if len(digits) <= 15 and v.intl_phone(raw) else None
    groups = [g for g in _SEP.split(raw.strip("()+ ")) if g]
    shape = [len(g) for g in groups]
    seps = set(raw) - _ASCII_DIGITS
    near_text: list[str] = []
    in_context = _context_kinds(context)

    def near(kind: str) -> bool:
        if kind in in_context:
            return True
        if not near_text:
            window = _window(text, m.start(), m.end())
            near_text.append(window if _CTX_ANY.search(window) else "")  # one search rules out all kinds
        return bool(near_text[0]) and _CTX[kind].search(near_text[0]) is not None

    if (shape == [3, 2, 4] and seps <= {"-", " "}) or (len(digits) == 9 and len(groups) == 1):
        # 3-2-4 is an SSN by shape, except in SQL (``ssn_context`` given): there, as a bare nine-digit
        # number always, it needs an SSN word near it or an SSN column in its statement.
        if ssn_context is not None:  # SQL: the word must be in the number's own cell, not another's
            if not (ssn_context(m.start()) or _CTX["ssn"].search(_cell_tail(_window(text, m.start(), m.end())))):
                return None
        elif len(groups) == 1 and not near("ssn"):
            return None
        return Hit("ssn", m.start()) if v.ssn(digits) else None
    if len(digits) == 10 and (len(groups) == 1 or shape == [3, 3, 4]):
        if near("npi") and v.npi(digits):
            return Hit("npi", m.start())
        if near("nhs") and v.nhs(digits):
            return Hit("nhs_number", m.start())
        if near("ca_health_card") and v.ca_health_card(digits):
            return Hit("ca_health_card", m.start())
    if shape in ([3, 3, 4], [1, 3, 3, 4]) and not (seps <= {" ", "."} and "(" not in raw and "." in seps
                                                    and not near("phone")):
        return Hit("phone", m.start(), synthetic=_fictional(digits)) if v.nanp_phone(digits) else None
    if len(digits) == 10 and len(groups) == 1 and near("phone") and v.nanp_phone(digits):
        return Hit("phone", m.start(), synthetic=_fictional(digits))
    card_shape = 13 <= len(digits) <= 19 and (len(groups) == 1 or all(3 <= n <= 6 for n in shape))
    if card_shape and seps <= {" ", "-"} and v.payment_card(digits) \
            and not near("test_card") and (len(groups) > 1 or len(digits) >= 15 or near("card")):
        return Hit("payment_card", m.start())
    return None


_CELL_END = re.compile(r"'\s*,")


def _cell_tail(window: str) -> str:
    """The part of an SQL text window after the last ``',`` (the end of a previous string cell)."""
    ends = list(_CELL_END.finditer(window))
    return window[ends[-1].end():] if ends else window


def _fictional(digits: str) -> bool:
    """555 area code or exchange: the range North American film and docs use."""
    return digits[-7:-4] == "555" or digits[-10:-7] == "555"


def _upper_hits(text: str, start: int, end: int, context: str, hits: list[Hit]) -> None:
    for m in _IBAN.finditer(text, start, end):
        compact = m.group(0).replace(" ", "")
        if v.iban(compact[:v.IBAN_LENGTHS.get(compact[:2], 0)]):
            hits.append(Hit("iban", m.start()))
    for m in _MBI.finditer(text, start, end):
        if m.group(0).count("-") in (0, 2) and v.mbi(m.group(0)):
            hits.append(Hit("medicare_mbi", m.start()))
    for m in _DEA.finditer(text, start, end):
        if v.dea(m.group(0)) and ("dea" in _context_kinds(context) or
                                  _CTX["dea"].search(_window(text, m.start(), m.end()))):
            hits.append(Hit("dea", m.start()))


def _email_hits(text: str, start: int, end: int, hits: list[Hit]) -> None:
    for m in _EMAIL.finditer(text, start, end):
        local = m.group(0).split("@", 1)[0].lower()
        if local.endswith(".") or ".." in local:  # not a mailbox: Ember's ``foo.@each.bar``, ``a..b@``
            continue
        if m.group(1).lower() in _FAKE_EMAIL_TLDS or local in _FAKE_EMAIL_LOCAL or _login_not_email(text, m):
            continue
        domain = m.group(0).rsplit("@", 1)[1].lower()
        hits.append(Hit("email", m.start(), synthetic=domain.startswith(("example.", "test.")) or
                        domain in ("localhost", "test.com", "example.com")))


def _login_not_email(text: str, m: re.Match[str]) -> bool:
    """``user@host`` of a connection string or SSH/git remote: a login, not a mailbox."""
    line_start = text.rfind("\n", max(0, m.start() - 200), m.start()) + 1
    return _URI_USERINFO.search(text, max(line_start, m.start() - 200), m.start()) is not None \
        or _REMOTE_PATH.match(text, m.end()) is not None


def scan(text: str, context: str = "", exhaustive: bool = False,
         ssn_context: Callable[[int], bool] | None = None) -> list[Hit]:
    """Every identifier found in ``text``; ``context`` (e.g. a CSV header) counts as nearby text.

    Only the spans ``triggers.regions`` marks are run through the exact detectors here; the
    triggers are necessary conditions of those detectors, so the result is the same as running
    them over all of ``text`` (what ``exhaustive=True`` does, for tests) at a fraction of the cost."""
    hits: list[Hit] = []
    spans = [(0, len(text), triggers.ALL)] if exhaustive else triggers.regions(text, context)
    for start, end, families in spans:
        if families & triggers.DIGITS:
            by_shape_only = not families & triggers.WORDS
            for m in _DIGITS.finditer(text, start, end):
                if by_shape_only and not triggers.SHAPE_RE.search(text, m.start(), m.end()):
                    continue  # without a context word only these shapes can be reported
                hit = _digit_hit(text, m, context, ssn_context)
                if hit:
                    hits.append(hit)
        if families & triggers.UPPER:
            _upper_hits(text, start, end, context, hits)
        if families & triggers.EMAIL:
            _email_hits(text, start, end, hits)
        if families & triggers.KEYWORDS:
            for m in _KEYWORDS.finditer(text, start, end):
                hit = _keyword_hit(text, m, context)
                if hit:
                    hits.append(hit)
    return hits


def _keyword_hit(text: str, m: re.Match[str], context: str) -> Hit | None:
    after = text[m.end():m.end() + 40]
    if m.group(1):
        date = _DATE.search(after)
        if date and after[:date.start()].strip(" \t\"':=,|>-") == "" and date.group(0).strip("0/.- ") \
                and has_name(text, m.start(), m.end()):  # 0000-00-00 is a form default, not a birthday
            return Hit("dob_with_name", m.start())
        return None
    if m.group(2):
        value = _MRN_VALUE.match(after)
        if value and sum(c.isdigit() for c in value.group(1)) >= 4:
            return Hit("mrn", m.start())
        return None
    code = _ICD.search(after)
    if code and after[:code.start()].strip(" \t\"':=,|-") in ("", "code") and has_name(text, m.start(), m.end()):
        return Hit("icd10_with_name", m.start())
    return None


def is_synthetic(text: str) -> bool:
    """Markers of generated/test data (Synthea, example.org ids, fake-patient words)."""
    return _synthetic_re2().search(text) is not None


@lru_cache(maxsize=1)
def _synthetic_re2() -> Any:
    """``_SYNTHETIC`` as an RE2 DFA: it reads up to 200 kB of every file, 30x faster than ``re``."""
    return re2.compile(_SYNTHETIC.pattern)
