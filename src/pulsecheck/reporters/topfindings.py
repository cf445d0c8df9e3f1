"""The short list of what matters most, each row saying what it is about.

A list of fifteen rows that all read "Dependency with a known vulnerability" tells a reader
nothing; a row must name its subject: the package, its version and the advisory ids; the file
and the kind of secret; the file and how many identifiers. Several advisories of one package
are one row under the package, and one file's findings of one rule and kind are one row
whether they were seen in the working tree, in commits of the history, or both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pulsecheck.model import Confidence, FileLocation, Finding, Severity

_MAX_IDS = 4


@dataclass(frozen=True, slots=True)
class TopRow:
    severity: Severity
    confidence: Confidence
    label: str
    """The rule id, or ``deps: N advisories`` for a package's group."""
    subject: str
    """What the row is about (not escaped: callers escape)."""
    count: int
    """How many findings the row stands for."""


def top_rows(findings: Sequence[Finding]) -> list[TopRow]:
    """Rows in the order of ``findings`` (worst first), grouped by package and by file history."""
    groups: dict[tuple[str, ...], list[Finding]] = {}
    for f in findings:
        groups.setdefault(_group_key(f), []).append(f)
    return [_row(members) for members in groups.values()]


def _group_key(f: Finding) -> tuple[str, ...]:
    package = f.properties.get("package")
    if f.stage == "deps" and package:
        return ("deps", str(package), str(f.properties.get("version", "")), _path(f))
    if isinstance(f.location, FileLocation):
        return ("file", f.rule_id, f.location.path, f.identity)
    return ("one", f.fingerprint, f.location.display())


def _row(members: list[Finding]) -> TopRow:
    first = members[0]
    severity = max((m.severity for m in members), key=lambda s: s.rank)
    confidence = max((m.confidence for m in members), key=lambda c: ("low", "medium", "high").index(c.value))
    package = first.properties.get("package")
    if first.stage == "deps" and package:
        ids = list(dict.fromkeys(str(m.properties.get("primary_id") or m.rule_id) for m in members))
        shown = ", ".join(ids[:_MAX_IDS]) + (f" (+{len(ids) - _MAX_IDS} more)" if len(ids) > _MAX_IDS else "")
        eco = first.properties.get("ecosystem")
        subject = (f"{package} {first.properties.get('version', '')}{f' ({eco})' if eco else ''} "
                   f"in {first.location.display()}: {shown}")
        label = f"deps: {len(members)} advisories" if len(members) > 1 else first.rule_id
        return TopRow(severity, confidence, label, subject, len(members))
    subject = f"{first.title} in {first.location.display()}"
    if first.stage == "phi" and first.occurrence_count > 1:
        subject = f"{first.title}: {first.occurrence_count} in {first.location.display()}"
    if len(members) > 1:
        commits = len({m.location.commit for m in members if isinstance(m.location, FileLocation) and m.location.commit})
        tree = any(isinstance(m.location, FileLocation) and not m.location.commit for m in members)
        where = f"working tree and git history, {commits} commit(s)" if tree else f"git history, {commits} commits"
        subject = f"{first.title} in {_path(first)} ({where})"
    return TopRow(severity, confidence, first.rule_id, subject, len(members))


def _path(f: Finding) -> str:
    return f.location.path if isinstance(f.location, FileLocation) else f.location.display()
