"""Upgrade plans for ``pulsecheck deps fix --dry-run``: per manifest, the least upgrade of each
vulnerable package that leaves none of its known advisories open."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from pulsecheck.stages.deps.match import Vulnerability
from pulsecheck.stages.deps.stage import display_version
from pulsecheck.stages.deps.versions import version_key


@dataclass(frozen=True)
class Upgrade:
    name: str
    ecosystem: str
    current: str
    target: str | None
    """None when at least one advisory has no fixed release."""
    advisories: tuple[str, ...]
    line: int | None


def plan(vulns: Sequence[Vulnerability]) -> dict[str, list[Upgrade]]:
    grouped: dict[tuple[str, str, str, str], list[Vulnerability]] = defaultdict(list)
    for v in vulns:
        p = v.package
        grouped[(p.path, p.ecosystem, p.key, p.version)].append(v)
    out: dict[str, list[Upgrade]] = defaultdict(list)
    for (path, eco, _, version), items in sorted(grouped.items()):
        pkg = items[0].package
        fixes = [v.fixed_version for v in items]
        target = None if any(f is None for f in fixes) else max(
            (f for f in fixes if f is not None), key=lambda f: version_key(eco, f))
        out[path].append(Upgrade(pkg.name, eco, version, display_version(pkg, target) if target else None,
                                 tuple(v.primary_id for v in items), pkg.line))
    return dict(out)


def render(upgrades: dict[str, list[Upgrade]]) -> str:
    if not upgrades:
        return "No vulnerable packages: nothing to upgrade."
    lines = []
    for path, items in upgrades.items():
        lines.append(f"{path}:")
        for u in items:
            where = f" (line {u.line})" if u.line else ""
            target = u.target or "no fixed release: replace or remove"
            lines.append(f"  {u.name} {u.current} -> {target}{where}  [{', '.join(u.advisories)}]")
    return "\n".join(lines)
