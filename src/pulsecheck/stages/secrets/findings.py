"""Turn raw occurrences into findings: one per distinct secret, redacted, with its history.

The secret value exists only in memory during the scan. What leaves this module is the rule,
the places, at most the first four characters (``evidence``) and a salted HMAC of the value
(``identity``), which lets a baseline recognise the same secret without storing it.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from pulsecheck.model import MAX_OCCURRENCES, Confidence, FileLocation, Finding, Severity
from pulsecheck.model import Occurrence as Place
from pulsecheck.stages.secrets import context, shapes
from pulsecheck.stages.secrets.filters import is_test_path
from pulsecheck.stages.secrets.rules import SecretRule

DEFAULT_SALT = "pulsecheck-secrets-v1"
MAX_LISTED = 50
_CODE_EXT = (".py", ".pyi", ".pyx", ".js", ".jsx", ".ts", ".tsx", ".mjs", ".cjs", ".map", ".java", ".kt", ".go", ".rb", ".php",
             ".cs", ".c", ".cc", ".cpp", ".h", ".hpp", ".swift", ".scala", ".rs", ".dart", ".vue", ".svelte")
_LOWER = {Confidence.HIGH: Confidence.MEDIUM, Confidence.MEDIUM: Confidence.LOW, Confidence.LOW: Confidence.LOW}


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One place a secret was seen: the working tree (commit None) or a commit's added line."""

    rule: int
    secret: str
    path: str
    line: int
    column: int
    commit: str | None = None
    author: str = ""
    date: str = ""
    quoted: bool = True
    verified: bool | None = None
    example: bool = False
    commented: bool = False  # a member of a document quoted in a comment (:func:`.filters.in_commented_document`)


def display_path(path: str) -> str:
    """A file name safe to print and to encode: undecodable bytes shown as ``\\xNN``."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def redact(secret: str) -> str:
    """At most the first 4 characters (fewer for short values), then a fixed marker."""
    keep = min(4, len(secret) // 4)
    return f"{secret[:keep]}…REDACTED"


def secret_hash(secret: str, salt: str = DEFAULT_SALT) -> str:
    return hmac.new(salt.encode(), secret.encode("utf-8", "surrogateescape"), hashlib.sha256).hexdigest()[:32]


def plausible(occ: Occurrence, rule: SecretRule) -> bool:
    """Checks that need the path: an unquoted generic value in source code is an identifier, a
    memorable password in tests or documentation is an example, and a translation catalogue's
    values are sentences."""
    if rule.kind == "generic" and not occ.quoted and occ.path.lower().endswith(_CODE_EXT):
        return False
    if rule.kind == "generic" and rule.human and is_test_path(occ.path) and (
            shapes.is_memorable(occ.secret) or shapes.is_keyboard_mash(occ.secret)):
        return False  # "superS3cret" in docs or a test is an example, not a leaked password
    if rule.kind == "generic" and context.is_catalogue(occ.path) and not _machine_made(occ.secret):
        return False  # a translation: "Contraseña incorrecta", "Admin123" in a welcome message
    return rule.path is None or bool(rule.path.search(occ.path))


def _machine_made(value: str) -> bool:
    """Long, ASCII and not memorable: a generated key, even in a translation catalogue."""
    return (len(value) >= 20 and value.isascii() and "\\u" not in value
            and not shapes.is_memorable(value) and not shapes.is_wordlike(value))


def _when(date: str) -> datetime:
    try:
        when = datetime.fromisoformat(date)
        return when if when.tzinfo else when.replace(tzinfo=UTC)
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)


def build_findings(occurrences: Iterable[Occurrence], rules: Sequence[SecretRule], *,
                   salt: str = DEFAULT_SALT, third_party: frozenset[str] = frozenset()) -> list[Finding]:
    """One finding per distinct secret; ``third_party`` are directories of third-party code
    the path alone does not reveal (:func:`.context.third_party_dirs`)."""
    groups: dict[str, list[Occurrence]] = {}
    for occ in occurrences:
        groups.setdefault(occ.secret, []).append(occ)
    out = [_finding(occs, rules, salt, third_party) for occs in groups.values()]
    out.sort(key=lambda f: (f.location.display(), f.rule_id))
    return out


def _finding(occs: list[Occurrence], rules: Sequence[SecretRule], salt: str, third_party: frozenset[str]) -> Finding:
    rule = max((rules[o.rule] for o in occs), key=lambda r: r.priority)
    tree = sorted((o for o in occs if o.commit is None), key=lambda o: (o.path, o.line))
    # Oldest first: the commit that introduced the secret is where the exposure began (a later
    # diff may show the same line re-added when nearby lines move).
    history = sorted((o for o in occs if o.commit is not None), key=lambda o: _when(o.date))
    primary = tree[0] if tree else history[0]
    secret = primary.secret
    confidence = rule.rule.confidence
    verified = [o.verified for o in occs if o.verified is not None]
    if verified and not any(verified):
        confidence = Confidence.LOW
    example = all(o.example for o in occs)
    if example:  # introduced by prose as a sample ("looks like this: ..."): likely documentation
        confidence = Confidence.LOW
    in_tests = all(is_test_path(o.path) for o in occs)
    if in_tests:
        confidence = _LOWER[confidence]
    severity = rule.rule.severity
    chosen = rule.kind in ("generic", "uri")  # a value people pick, not a vendor's key format
    copies = context.vendored_copies([o.path for o in occs], third_party)
    ceiling = context.loudest(context.placement(o.path, generic=chosen, confidence=confidence, third_party=third_party,
                                                copy_of_vendored=o.path in copies)
                              for o in occs)
    if chosen and all(o.commented for o in occs) and (ceiling is None or ceiling.severity > Severity.MEDIUM):
        ceiling = context.Placement(Severity.MEDIUM, min(confidence, Confidence.MEDIUM),
                                    "in a document quoted in a comment (a sample payload, not configuration)")
    if example:
        ceiling = context.Placement(Severity.LOW, Confidence.LOW, "introduced as an example or a default")
    if ceiling is not None and ceiling.severity < severity:
        severity, confidence = ceiling.severity, min(confidence, ceiling.confidence)
    else:
        ceiling = None
    where = "in the working tree" if tree else (
        f"in git history only (added in commit {primary.commit[:10] if primary.commit else '?'}"
        f"{' by ' + primary.author if primary.author else ''}{', ' + primary.date if primary.date else ''}; "
        "deleting the file does not revoke it)")
    commits = {o.commit for o in history}
    extra = f"; seen in {len(occs)} places across {len(commits)} commit(s)" if len(occs) > 1 else ""
    if ceiling is not None:
        extra += f"; {ceiling.why}, so reported at {severity} severity"
    listed = (tree + history)[:MAX_LISTED]
    props = {
        "occurrences": [{"path": display_path(o.path), "line": o.line, "commit": o.commit, "author": o.author or None,
                         "date": o.date or None} for o in listed],
        "occurrence_count": len(occs),
        "in_worktree": bool(tree),
        "category": rule.rule.tags[0] if rule.rule.tags else "secret",
        "test_path": in_tests,
        "format_verified": (all(verified) if verified else None),
        "example_context": example,
        "placement": ceiling.why if ceiling else None,
        "entropy_floor": rule.entropy,
    }
    if primary.commit:
        props.update(commit=primary.commit, author=primary.author, date=primary.date)
    return Finding.from_rule(
        rule.rule,
        message=f"{rule.rule.title} {where}{extra}.",
        location=FileLocation(path=display_path(primary.path), line=primary.line, end_line=primary.line,
                              commit=primary.commit, column=primary.column),
        severity=severity,
        confidence=confidence,
        evidence=redact(secret),
        identity=secret_hash(secret, salt),
        properties=props,
        occurrences=[Place(line=o.line, path=display_path(o.path), commit=o.commit)
                     for o in (tree + history)[:MAX_OCCURRENCES]],
        occurrence_count=len(occs),
    )
