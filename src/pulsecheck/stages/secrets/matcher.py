"""The detection engine: one multi-pattern pass for keywords, then only the rules they name.

The whole text (a file, or a batch of ``git log -p`` output) is searched once for every rule
keyword, case-insensitively, by Hyperscan when it is installed (x86-64 Linux wheels; about 25x
faster here) or else by a pyahocorasick automaton on the lower-cased text. Each hit marks its
line as a candidate for the rules owning that keyword. Only candidate lines meet a regex, so cost grows with keyword hits, not with rules.
In patch mode a candidate must be an added line (``+``). Candidate values then pass the
false-alarm filters, the entropy floor and the rule's validator.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import ahocorasick

try:  # optional accelerator: same results, much faster prefilter
    import hyperscan
except ImportError:  # pragma: no cover - platforms without wheels
    hyperscan = None  # type: ignore[assignment]

from pulsecheck.stages.secrets import filters, pem, shapes
from pulsecheck.stages.secrets.derived import derived_texts
from pulsecheck.stages.secrets.rules import SecretRule
from pulsecheck.stages.secrets.validators import VALIDATORS, shannon_entropy

LONG_LINE = 4096
WINDOW_BEFORE, WINDOW_AFTER = 256, 1024
_INLINE_ALLOW = ("gitleaks:allow", "pulsecheck:allow-secret")
# RFC 2606 / 6761 names reserved for documentation: credentials in URLs to them are examples.
_RESERVED_HOST = re.compile(r"(?:^|\.)(?:example\.(?:com|net|org)|example|invalid|test)$", re.IGNORECASE)


class Searcher(Protocol):
    """A compiled regex: RE2 for patterns from configuration (linear time), ``re`` for built-ins."""

    def search(self, text: str, /) -> object: ...


@dataclass(frozen=True, slots=True)
class Allowlist:
    """User allowlists from config: path globs (applied by the stage), regexes and stopwords."""

    regexes: tuple[Searcher, ...] = ()
    stopwords: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    path_regexes: tuple[re.Pattern[str], ...] = ()


@dataclass(frozen=True, slots=True)
class Hit:
    rule: int
    secret: str
    line_start: int
    column: int
    quoted: bool = True
    verified: bool | None = None
    example: bool = False  # prose before it on the line introduces it as a sample value
    commented: bool = False  # a member of a document quoted in a comment (a sample payload)


class Scanner:
    """Compiled rules plus their keyword automaton; cheap to pickle by rebuilding."""

    def __init__(self, rules: Sequence[SecretRule], allowlist: Allowlist | None = None) -> None:
        self.rules = tuple(rules)
        self.allowlist = allowlist or Allowlist()
        self._auto = ahocorasick.Automaton()
        owners: dict[str, set[int]] = {}
        self._always: list[int] = []
        for i, rule in enumerate(self.rules):
            if not rule.keywords:
                self._always.append(i)
            for kw in rule.keywords:
                owners.setdefault(kw, set()).add(i)
        self._owners = [tuple(sorted(idxs)) for idxs in owners.values()]
        for kw, idxs in zip(owners, self._owners, strict=True):
            self._auto.add_word(kw, idxs)
        if owners:
            self._auto.make_automaton()
        self._has_keywords = bool(owners)
        self._hs: Any = _hyperscan_db(list(owners)) if owners else None
        # A Hyperscan scratch space serves one scan at a time: one per thread, because the
        # stage scans the working tree and the history concurrently with one Scanner.
        self._local = threading.local()

    def _scratch(self) -> Any:
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self._local.scratch = hyperscan.Scratch(self._hs)
        return scratch

    def _keyword_hits(self, text: str) -> list[tuple[int, tuple[int, ...]]]:
        """(end offset, rule indexes) of every keyword occurrence, in text order."""
        if self._hs is not None:
            probe = text.encode("ascii", "replace")  # one byte per code point: offsets stay valid
            found: list[tuple[int, int]] = []

            def on_match(kw: int, _start: int, end: int, _flags: int, _ctx: object) -> None:
                found.append((end - 1, kw))

            self._hs.scan(probe, match_event_handler=on_match, scratch=self._scratch())
            found.sort()
            return [(end, self._owners[kw]) for end, kw in found]
        lowered = text.lower()
        if len(lowered) != len(text):  # a few code points change length when lower-cased
            lowered = text.encode("ascii", "replace").decode("ascii").lower()
        return list(self._auto.iter(lowered))

    def scan(self, text: str, *, patch: bool = False) -> list[Hit]:
        """Every accepted secret in ``text``; in patch mode only on added lines."""
        cands: dict[int, set[int]] = {}
        windows: dict[int, list[tuple[int, tuple[int, ...]]]] = {}
        if self._has_keywords:
            line_end = -1
            current: set[int] | None = None
            ends: list[tuple[int, tuple[int, ...]]] | None = None
            for end, idxs in self._keyword_hits(text):
                if end >= line_end:  # first hit on a new line
                    ls = text.rfind("\n", 0, end) + 1
                    line_end = text.find("\n", end)
                    if line_end < 0:
                        line_end = len(text)
                    if patch and not text.startswith("+", ls):
                        current = None
                        continue
                    current = cands[ls] = set(idxs)
                    ends = None
                    if line_end - ls > LONG_LINE:
                        ends = windows[ls] = [(end, idxs)]
                elif current is not None:
                    current.update(idxs)
                    if ends is not None:
                        ends.append((end, idxs))
        if self._always:
            pos = 0
            while pos < len(text):
                cands.setdefault(pos, set()).update(self._always)
                nl = text.find("\n", pos)
                pos = len(text) if nl < 0 else nl + 1
        hits: list[Hit] = []
        for ls, rule_idxs in cands.items():
            if patch and not text.startswith("+", ls):
                continue
            hits.extend(self._scan_line(text, ls, rule_idxs, windows.get(ls, []), patch))
        return self._with_derived(text, hits)

    def _with_derived(self, text: str, hits: list[Hit]) -> list[Hit]:
        """Add what decoded Kubernetes Secret data and Terraform variable defaults hold."""
        derived = list(derived_texts(text))
        if not derived:
            return hits
        replaced = {d.line_start for d in derived if d.replaces_line}
        out = [h for h in hits if h.line_start not in replaced]
        for d in derived:
            out.extend(Hit(h.rule, h.secret, d.line_start, d.column, h.quoted, h.verified, h.example,
                           h.commented) for h in self.scan(d.text))
        return out

    def _rule_spans(self, text: str, ls: int, idxs: set[int],
                    ends: list[tuple[int, tuple[int, ...]]], patch: bool) -> list[tuple[int, int, int]]:
        """(rule, start, end) to search: the whole line, or on a long (minified) line only the
        windows around each rule's own keyword hits, so dense keywords never make every rule
        read the whole line."""
        le = text.find("\n", ls)
        le = len(text) if le < 0 else le
        cs = ls + 1 if patch else ls
        if le - cs <= LONG_LINE or not ends:
            return [(i, cs, le) for i in idxs]
        per_rule: dict[int, list[tuple[int, int]]] = {}
        for e, owners in ends:
            window = (max(cs, e - WINDOW_BEFORE), min(le, e + WINDOW_AFTER))
            for i in owners:
                per_rule.setdefault(i, []).append(window)
        return [(i, s, e) for i in idxs for s, e in _merge(per_rule.get(i, [(cs, le)]))]

    def _scan_line(self, text: str, ls: int, idxs: set[int], ends: list[tuple[int, tuple[int, ...]]],
                   patch: bool) -> list[Hit]:
        cs = ls + 1 if patch else ls
        found: list[tuple[int, int, int, Hit]] = []  # (priority, start, end, hit)
        vetoed: list[tuple[int, int]] = []  # values a specific rule recognised and rejected
        allowed: dict[tuple[int, int], bool] = {}
        for i, s, e in self._rule_spans(text, ls, idxs, ends, patch):
            line = text[s:e]
            if allowed.setdefault((s, e), any(tag in line for tag in _INLINE_ALLOW)):
                if e - s <= LONG_LINE:
                    return []
                continue
            rule = self.rules[i]
            for m in rule.regex.finditer(line):
                got = self._candidate(rule, m, text, s, patch)
                if got is None:
                    if rule.kind == "specific" and m.lastindex:
                        vetoed.append((s + m.start(m.lastindex), s + m.end(m.lastindex)))
                    continue
                secret, start, quoted, verified = got
                if not self._accept(rule, secret, quoted, line):
                    continue
                commented = False
                if rule.kind == "generic":
                    named = m.re.groups >= 2 and m.start(1) >= 0
                    verdict = _generic_context(m.group(1) if named else "", secret, line[start + len(secret):],
                                               line[:m.start(1) if named else m.start()])
                    if verdict is None:
                        continue
                    example = verdict
                    commented = filters.in_commented_document(line[:m.start(1) if named else m.start()])
                elif rule.kind == "uri":
                    example = _uri_user(m.group(0)).lower() == secret.lower()  # postgres:postgres@, a default
                else:
                    example = rule.kind == "specific" and filters.is_example_context(
                        text[max(cs, s + start - filters.EXAMPLE_WINDOW):s + start])
                hit = Hit(i, secret, ls, s - cs + start + 1, quoted, verified, example, commented)
                found.append((rule.priority, s + start, s + start + len(secret), hit))
        if vetoed:
            found = [f for f in found if not any(f[1] < ve and vs < f[2] for vs, ve in vetoed)]
        return _resolve_overlaps(found)

    def _candidate(self, rule: SecretRule, m: re.Match[str], text: str, base: int,
                   patch: bool) -> tuple[str, int, bool, bool | None] | None:
        if rule.multiline:
            block = pem.following_text(text, base + m.start(), patch=patch)
            body = pem.putty_body(block) if rule.multiline == "putty" else pem.pem_body(block)
            return None if body is None else (body, m.start(), True, True)
        if rule.kind == "generic" and m.lastindex and m.re.groups >= 2 and filters.is_non_secret_name(m.group(1) or ""):
            return None
        if rule.kind == "uri" and _RESERVED_HOST.search(_uri_host(m.group(0))):
            return None
        for g in rule.groups or (0,):
            value = m.group(g)
            if value is not None:
                quoted = _quoted(rule, g, text, base + m.start(g))
                verified = None
                if rule.validator:
                    verified = VALIDATORS[rule.validator](value)
                    if verified is False and rule.on_invalid == "drop":
                        return None
                return value, m.start(g), quoted, verified
        return None

    def _accept(self, rule: SecretRule, secret: str, quoted: bool, line: str) -> bool:
        if rule.multiline:
            return not self._allowlisted(rule, secret, line)
        if len(secret) < rule.min_length or shannon_entropy(secret) < rule.entropy:
            return False
        if filters.is_placeholder(secret) or filters.is_documented_example(secret):
            return False
        if rule.validator == "base64" and not _plausible_basic(secret):
            return False
        if rule.kind == "generic" and not _plausible_generic(rule, secret, quoted):
            return False
        if rule.kind in ("generic", "uri") and filters.is_documentation_value(secret):
            return False
        return not self._allowlisted(rule, secret, line)

    def _allowlisted(self, rule: SecretRule, secret: str, line: str) -> bool:
        low = secret.lower()
        if any(w in low for w in rule.stopwords) or any(w in low for w in self.allowlist.stopwords):
            return True
        return (any(r.search(secret) for r in rule.allow) or any(r.search(line) for r in rule.allow_line)
                or any(r.search(secret) for r in self.allowlist.regexes))


def _generic_context(name: str, secret: str, after: str, before: str) -> bool | None:
    """What the line around a name-matched value says: None when it is no secret at all (a
    sentence, the key's own name), True when it is a sample or default (``${PASSWORD:-admin1}``,
    ``'...'  # change``, a comment's sentence about it), False otherwise."""
    if filters.is_natural_text(secret, after) or filters.equals_name(name, secret):
        return None
    return (filters.is_interpolation_default(before) or filters.marks_as_placeholder(after)
            or filters.in_prose_comment(before))


def _quoted(rule: SecretRule, group: int, text: str, pos: int) -> bool:
    """Whether a generic value is a string literal (unquoted in code, it is an identifier)."""
    if rule.kind != "generic":
        return True
    if rule.assigned:
        return pos > 0 and text[pos - 1] in "\"'`"
    return group != 4  # the assignment rules' unquoted alternative; other regexes imply a literal


def _plausible_generic(rule: SecretRule, secret: str, quoted: bool) -> bool:
    """A value matched only by its name must look like a credential, not code, words or data."""
    if (filters.is_code_expression(secret) or filters.is_digest_or_id(secret) or shapes.is_wordlike(secret)
            or filters.is_validation_rule(secret)):
        return False
    if filters.char_classes(secret) < 2 or (not quoted and filters.char_classes(secret) < 3
                                            and not any(c.isdigit() for c in secret)):
        return False
    if (shapes.is_code_fragment(secret) or shapes.is_url_or_path(secret) or shapes.is_date(secret)
            or shapes.is_password_hash(secret) or shapes.is_encoded_prose(secret) or shapes.has_sequence(secret)):
        return False
    return rule.human or not (shapes.is_memorable(secret) or shapes.is_keyboard_mash(secret))


def _plausible_basic(secret: str) -> bool:
    """``Basic dXNlcm5hbWU6cGFzc3dvcmQ=`` is "username:password": a documentation value."""
    text = shapes.decoded_text(secret)
    if text is None or ":" not in text:
        return True
    user, _, password = text.partition(":")
    return not (filters.is_placeholder(password) or filters.is_documentation_value(password)
                or filters.is_placeholder(user) or len(password) < 3)


def _uri_user(uri: str) -> str:
    """The user name of ``scheme://user:password@host`` ("" without one)."""
    auth = uri.split("://", 1)[-1].rsplit("@", 1)[0]
    return auth.split(":", 1)[0] if ":" in auth else ""


def _uri_host(uri: str) -> str:
    return uri.rsplit("@", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0].strip("[]")


def _hyperscan_db(keywords: list[str]) -> Any:
    if hyperscan is None:
        return None
    try:
        db = hyperscan.Database()
        db.compile(expressions=[re.escape(k).encode("ascii") for k in keywords], ids=list(range(len(keywords))),
                   flags=[hyperscan.HS_FLAG_CASELESS] * len(keywords))
    except (hyperscan.error, UnicodeEncodeError):  # e.g. a non-ASCII keyword from a gitleaks config
        return None
    return db


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def _resolve_overlaps(found: list[tuple[int, int, int, Hit]]) -> list[Hit]:
    """Where two rules claim overlapping text, the higher-priority (more specific) one wins."""
    kept: list[tuple[int, int, int, Hit]] = []
    for item in sorted(found, key=lambda t: (-t[0], t[1])):
        _, s, e, _hit = item
        if any(s < ke and ks < e for _, ks, ke, _ in kept):
            continue
        kept.append(item)
    return [h for *_, h in sorted(kept, key=lambda t: t[1])]
