"""The detection engine: one Aho-Corasick pass for keywords, then only the rules they name.

The whole text (a file, or a batch of ``git log -p`` output) is lower-cased and searched once
for every rule keyword; each hit marks its line as a candidate for the rules owning that
keyword. Only candidate lines meet a regex, so cost grows with keyword hits, not with rules.
In patch mode a candidate must be an added line (``+``). Candidate values then pass the
false-alarm filters, the entropy floor and the rule's validator.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import ahocorasick

from pulsecheck.stages.secrets import filters, pem
from pulsecheck.stages.secrets.rules import SecretRule
from pulsecheck.stages.secrets.validators import VALIDATORS, shannon_entropy

LONG_LINE = 4096
WINDOW_BEFORE, WINDOW_AFTER = 256, 1024
_INLINE_ALLOW = ("gitleaks:allow", "pulsecheck:allow-secret")


@dataclass(frozen=True, slots=True)
class Allowlist:
    """User allowlists from config: path globs (applied by the stage), regexes and stopwords."""

    regexes: tuple[re.Pattern[str], ...] = ()
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
        for kw, idxs in owners.items():
            self._auto.add_word(kw, tuple(sorted(idxs)))
        if owners:
            self._auto.make_automaton()
        self._has_keywords = bool(owners)

    def scan(self, text: str, *, patch: bool = False) -> list[Hit]:
        """Every accepted secret in ``text``; in patch mode only on added lines."""
        lowered = text.lower()
        if len(lowered) != len(text):  # a few code points change length when lower-cased
            lowered = text.encode("ascii", "replace").decode("ascii").lower()
        cands: dict[int, set[int]] = {}
        windows: dict[int, list[int]] = {}
        if self._has_keywords:
            for end, idxs in self._auto.iter(lowered):
                ls = text.rfind("\n", 0, end) + 1
                seen = cands.get(ls)
                if seen is None:
                    cands[ls] = set(idxs)
                else:
                    seen.update(idxs)
                windows.setdefault(ls, []).append(end)
        if self._always:
            pos = 0
            while pos < len(text):
                cands.setdefault(pos, set()).update(self._always)
                nl = text.find("\n", pos)
                pos = len(text) if nl < 0 else nl + 1
        hits: list[Hit] = []
        for ls, idxs in cands.items():
            if patch and not text.startswith("+", ls):
                continue
            hits.extend(self._scan_line(text, ls, idxs, windows.get(ls, []), patch))
        return hits

    def _scan_line(self, text: str, ls: int, idxs: set[int], ends: list[int], patch: bool) -> list[Hit]:
        le = text.find("\n", ls)
        le = len(text) if le < 0 else le
        cs = ls + 1 if patch else ls
        if le - cs > LONG_LINE and ends:
            spans = _merge([(max(cs, e - WINDOW_BEFORE), min(le, e + WINDOW_AFTER)) for e in ends])
        else:
            spans = [(cs, le)]
        found: list[tuple[int, int, int, Hit]] = []  # (priority, start, end, hit)
        for s, e in spans:
            line = text[s:e]
            if any(tag in line for tag in _INLINE_ALLOW):
                return []
            for i in idxs:
                rule = self.rules[i]
                for m in rule.regex.finditer(line):
                    got = self._candidate(rule, m, text, s, patch)
                    if got is None:
                        continue
                    secret, start, quoted, verified = got
                    if not self._accept(rule, secret, quoted, line):
                        continue
                    hit = Hit(i, secret, ls, s - cs + start + 1, quoted, verified)
                    found.append((rule.priority, s + start, s + start + len(secret), hit))
        return _resolve_overlaps(found)

    def _candidate(self, rule: SecretRule, m: re.Match[str], text: str, base: int,
                   patch: bool) -> tuple[str, int, bool, bool | None] | None:
        if rule.multiline:
            block = pem.following_text(text, base + m.start(), patch=patch)
            body = pem.putty_body(block) if rule.multiline == "putty" else pem.pem_body(block)
            return None if body is None else (body, m.start(), True, True)
        for g in rule.groups or (0,):
            value = m.group(g)
            if value is not None:
                quoted = rule.kind != "generic" or g != 4
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
        if filters.is_placeholder(secret):
            return False
        if rule.kind in ("generic", "context") and filters.is_code_expression(secret):
            return False
        if rule.kind == "generic":
            if filters.is_digest_or_id(secret) or filters.char_classes(secret) < 2:
                return False
            if not quoted and filters.char_classes(secret) < 3 and not any(c.isdigit() for c in secret):
                return False
        return not self._allowlisted(rule, secret, line)

    def _allowlisted(self, rule: SecretRule, secret: str, line: str) -> bool:
        low = secret.lower()
        if any(w in low for w in rule.stopwords) or any(w in low for w in self.allowlist.stopwords):
            return True
        return (any(r.search(secret) for r in rule.allow) or any(r.search(line) for r in rule.allow_line)
                or any(r.search(secret) for r in self.allowlist.regexes))


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
