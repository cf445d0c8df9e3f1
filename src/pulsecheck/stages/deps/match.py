"""Matching packages against the local OSV database.

Advisories that describe the same flaw (one lists the other in ``aliases``: PYSEC/GHSA/CVE,
GO/GHSA, RUSTSEC/GHSA) are merged into one :class:`Vulnerability` per package, so one flaw
is one finding. The upgrade suggested is the smallest ``fixed`` version above the installed one;
for ranges that end in ``last_affected``, the first later release the database knows
(:mod:`.known`), else none, and the vulnerability says what it was fixed after.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pulsecheck.model import Severity
from pulsecheck.stages.deps.known import first_release_after, seen_versions
from pulsecheck.stages.deps.package import Package
from pulsecheck.stages.deps.ranges import fixed_above, in_range, last_affected_at_or_above, listed
from pulsecheck.stages.deps.versions import version_key


@dataclass(frozen=True, slots=True)
class Advisory:
    id: str
    summary: str
    aliases: tuple[str, ...]
    score: float | None
    vector: str | None
    severity: Severity | None
    informational: str | None


@dataclass(frozen=True, slots=True)
class Vulnerability:
    package: Package
    advisories: tuple[Advisory, ...]
    fixed_version: str | None
    last_affected: str | None = None
    """When the fix is only known as "after X" (OSV ``last_affected: X``): X. ``fixed_version`` is
    then the first later release the database knows, or None when it knows none."""

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(a.id for a in self.advisories)

    @property
    def aliases(self) -> tuple[str, ...]:
        own = set(self.ids)
        return tuple(sorted({al for a in self.advisories for al in a.aliases} - own))

    @property
    def primary_id(self) -> str:
        """A CVE when one is known (stable across databases), else the smallest advisory id."""
        every = set(self.ids) | set(self.aliases)
        cves = sorted(i for i in every if i.startswith("CVE-"))
        return cves[0] if cves else min(self.ids)

    @property
    def severity(self) -> Severity | None:
        rated = [a.severity for a in self.advisories if a.severity is not None]
        return max(rated, key=lambda s: s.rank) if rated else None

    @property
    def informational(self) -> str | None:
        kinds = {a.informational for a in self.advisories}
        return next(iter(kinds)) if len(kinds) == 1 and None not in kinds else None


def package_affected(pkg: Package, ranges: Sequence[Any], versions: Sequence[str]) -> tuple[bool, list[str]]:
    """(affected?, fixed versions above the installed one in the ranges that matched)."""
    hit, fixes, _ = _affected_by(pkg, ranges, versions)
    return hit, fixes


def _affected_by(pkg: Package, ranges: Sequence[Any], versions: Sequence[str]
                 ) -> tuple[bool, list[str], list[str]]:
    """(affected?, fixed versions above it, ``last_affected`` bounds of the matching ranges
    that have no ``fixed`` event above it)."""
    hit = listed(pkg.ecosystem, pkg.version, versions)
    fixes: list[str] = []
    bounds: list[str] = []
    for range_type, events in ranges:
        if in_range(pkg.ecosystem, pkg.version, range_type, events):
            hit = True
            above = fixed_above(pkg.ecosystem, pkg.version, range_type, events)
            fixes += above
            if not above:
                bounds += last_affected_at_or_above(pkg.ecosystem, pkg.version, range_type, events)
    return hit, fixes, bounds


class Matcher:
    """Looks packages up in an open database; one instance per audit (it caches advisories)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._advisories: dict[str, Advisory] = {}
        self._rows: dict[tuple[str, str], list[tuple[str, Any, list[str]]]] = {}
        self._versions: dict[tuple[str, str], set[str]] = {}

    def ecosystems(self) -> set[str]:
        return {row[0] for row in self.conn.execute("SELECT ecosystem FROM sources")}

    def match(self, packages: Iterable[Package]) -> list[Vulnerability]:
        out: list[Vulnerability] = []
        for pkg in packages:
            if not pkg.version:
                continue
            rows = self._affected(pkg.ecosystem, pkg.key)
            if not rows:
                continue
            hits: dict[str, list[str]] = {}
            bounds: dict[str, tuple[str, str | None]] = {}
            for advisory_id, ranges, versions in rows:
                hit, fixes, last = _affected_by(pkg, ranges, versions)
                if hit:
                    hits.setdefault(advisory_id, []).extend(fixes)
                    if last and not fixes:
                        # fixed after X: the first release after X the database knows, if any
                        after = first_release_after(pkg.ecosystem, max(last, key=_sort_key(pkg)),
                                                    self._seen(pkg.ecosystem, pkg.key), ranges, versions)
                        hits[advisory_id] += [after] if after else []
                        bounds[advisory_id] = (max(last, key=_sort_key(pkg)), after)
            if hits:
                out += self._group(pkg, hits, bounds)
        return out

    def _affected(self, ecosystem: str, name: str) -> list[tuple[str, Any, list[str]]]:
        if (ecosystem, name) not in self._rows:
            self._rows[(ecosystem, name)] = [
                (advisory_id, json.loads(ranges), json.loads(versions)) for advisory_id, ranges, versions in
                self.conn.execute("SELECT advisory_id, ranges, versions FROM affected "
                                  "WHERE ecosystem = ? AND name = ?", (ecosystem, name))]
        return self._rows[(ecosystem, name)]

    def _seen(self, ecosystem: str, name: str) -> set[str]:
        if (ecosystem, name) not in self._versions:
            self._versions[(ecosystem, name)] = seen_versions(self._affected(ecosystem, name))
        return self._versions[(ecosystem, name)]

    def _advisory(self, advisory_id: str) -> Advisory | None:
        if advisory_id not in self._advisories:
            row = self.conn.execute(
                "SELECT summary, aliases, score, vector, severity, withdrawn, informational "
                "FROM advisories WHERE id = ?", (advisory_id,)).fetchone()
            if row is None or row[5]:
                return None  # withdrawn advisories are not reported
            self._advisories[advisory_id] = Advisory(
                advisory_id, row[0] or "", tuple(json.loads(row[1] or "[]")), row[2], row[3],
                Severity(row[4]) if row[4] else None, row[6])
        return self._advisories[advisory_id]

    def _group(self, pkg: Package, hits: dict[str, list[str]], bounds: dict[str, tuple[str, str | None]]
               ) -> list[Vulnerability]:
        advisories = [a for a in (self._advisory(i) for i in sorted(hits)) if a is not None]
        groups: list[tuple[set[str], list[Advisory]]] = []
        for adv in advisories:
            names = {adv.id, *adv.aliases}
            joined = [g for g in groups if g[0] & names]
            merged: tuple[set[str], list[Advisory]] = (names, [adv])
            for g in joined:
                merged[0].update(g[0])
                merged[1].extend(g[1])
                groups.remove(g)
            groups.append(merged)
        out = []
        for _, members in groups:
            fixes = [f for a in members for f in hits[a.id]]
            fixed = min(fixes, key=_sort_key(pkg)) if fixes else None
            # "fixed after X" when the fix chosen is the release after a last_affected bound
            last = [bound for bound, after in (bounds[a.id] for a in members if a.id in bounds) if after == fixed]
            out.append(Vulnerability(pkg, tuple(sorted(members, key=lambda a: a.id)), fixed,
                                     max(last, key=_sort_key(pkg)) if last else None))
        return sorted(out, key=lambda v: v.primary_id)


def _sort_key(pkg: Package) -> Any:
    return lambda v: version_key(pkg.ecosystem, v)
