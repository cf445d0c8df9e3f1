"""The deps stage: find lockfiles, match them against the local OSV database, report.

Nothing here may turn "could not check" into "clean": a missing database or an ecosystem the
database lacks becomes a coverage gap (the audit ends partial), and so does a manifest's
dependency range that no lockfile resolves; unreadable lockfiles become notes naming the file.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence

from pulsecheck.model import Confidence, FileLocation, Finding, Rule, Targets
from pulsecheck.sources.workspace import tree_for
from pulsecheck.stages.deps import db as osvdb
from pulsecheck.stages.deps import eol, outdated
from pulsecheck.stages.deps.match import Matcher, Vulnerability
from pulsecheck.stages.deps.options import DepsOptions
from pulsecheck.stages.deps.package import Package
from pulsecheck.stages.deps.parsers import declares_ranges, scan
from pulsecheck.stages.deps.rules import ALL_RULES, UNMAINTAINED, VULNERABLE
from pulsecheck.stages.deps.versions import version_key
from pulsecheck.stages.interface import StageContext, StageError, StageSkip
from pulsecheck.textsafe import one_line

STALE_DAYS = 7


def _names(pkgs: Sequence[Package], limit: int = 8) -> str:
    names = sorted({f"{p.name}{'@' + p.version if p.version else ''}" for p in pkgs})
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def display_version(pkg: Package, version: str) -> str:
    """Go module versions are written with a ``v`` in go.mod; OSV stores them without."""
    if pkg.ecosystem == "Go" and pkg.name != "stdlib" and not version.startswith("v"):
        return f"v{version}"
    return version


def _fix_sentence(fixed: str | None, after: str | None) -> str:
    """OSV ``last_affected: X`` says only "fixed after X": the release named is the first later
    one the database knows, which may not be the very next."""
    if fixed and after:
        return f"Fixed after {after}: {fixed} is the first later release known to the database."
    if fixed:
        return f"Fixed in {fixed}."
    if after:
        return f"Fixed after {after} (no later release is known to the database)."
    return "No fixed version is published."


def to_finding(vuln: Vulnerability) -> Finding:
    pkg = vuln.package
    rule: Rule = UNMAINTAINED if vuln.informational else VULNERABLE
    others = [i for i in (*vuln.ids, *vuln.aliases) if i != vuln.primary_id]
    fixed = display_version(pkg, vuln.fixed_version) if vuln.fixed_version else None
    summary = "; ".join(dict.fromkeys(a.summary for a in vuln.advisories if a.summary)) or "no summary"
    after = display_version(pkg, vuln.last_affected) if vuln.last_affected else None
    message = (f"{pkg.name} {pkg.version} ({pkg.ecosystem}) is affected by {vuln.primary_id}"
               f"{' (' + ', '.join(others) + ')' if others else ''}: {one_line(summary)[:300].rstrip('.')}. "
               + _fix_sentence(fixed, after))
    severity = vuln.severity or rule.severity
    if vuln.informational:
        severity = rule.severity
    return Finding.from_rule(
        rule, message=message, location=FileLocation(pkg.path, pkg.line, pkg.line),
        severity=severity,
        confidence=Confidence.MEDIUM if pkg.path.endswith("pom.xml") else Confidence.HIGH,
        evidence=f"{pkg.name}=={pkg.version}",
        remediation=(f"Upgrade {pkg.name} to {fixed} or later." if fixed else
                     f"Upgrade {pkg.name} to a release after {after}." if after else rule.remediation),
        identity=f"{pkg.ecosystem}:{pkg.key}@{pkg.version}:{vuln.primary_id}",
        properties={
            "package": pkg.name, "version": pkg.version, "ecosystem": pkg.ecosystem, "purl": pkg.purl,
            "advisory_ids": list(vuln.ids), "aliases": list(vuln.aliases), "primary_id": vuln.primary_id,
            "fixed_version": fixed, "direct": pkg.direct, "dev": pkg.dev,
            "scope": "dev" if pkg.dev else ("runtime" if pkg.dev is False else "unknown"),
            "dependency": "direct" if pkg.direct else ("transitive" if pkg.direct is False else "unknown"),
            "cvss_score": max((a.score for a in vuln.advisories if a.score is not None), default=None),
            "cvss_vector": next((a.vector for a in vuln.advisories if a.vector), None),
            "informational": vuln.informational, "last_affected": after,
        },
    )


def _report_unpinned(ctx: StageContext, unpinned: dict[str, list[Package]]) -> None:
    """Ranges in manifests are unchecked, so a gap (the audit cannot pass them); lockfile entries
    without a usable version (a marker excluded them when locking, a git source) only a note."""
    for path, pkgs in unpinned.items():
        if declares_ranges(path):
            ctx.facts.setdefault("unchecked", []).extend(f"{p.ecosystem}:{p.name} ({p.path})" for p in pkgs)
            ctx.gap(f"{path}: {len(pkgs)} dependency range(s) not resolved by a lockfile: {_names(pkgs)} "
                    "(add a lockfile, or pin exact versions)")
        else:
            ctx.note(f"{path}: {len(pkgs)} requirement(s) without an exact pin not checked: {_names(pkgs)}")


class DepsStage:
    name = "deps"
    needs = frozenset({"repo", "tree"})

    def applies(self, targets: Targets) -> bool:
        return targets.path is not None

    def rules(self) -> Sequence[Rule]:
        return ALL_RULES

    def run(self, ctx: StageContext) -> Iterator[Finding]:
        root = ctx.repo
        if root is None:
            return
        opts: DepsOptions = ctx.options
        tree = tree_for(ctx.workspace, root, tuple(ctx.settings.exclude))  # applies the top-level exclude
        result = scan(root, include_vendored=opts.include_vendored, tree=tree)
        if not result.files:
            raise StageSkip("no lockfile or dependency manifest found")
        gaps = set(result.gaps)  # unreadable or unparsable manifests: their packages go unchecked
        for problem in result.problems:
            (ctx.gap if problem in gaps else ctx.note)(problem)
        packages = result.packages
        ctx.facts["manifests"] = result.files
        ctx.facts["packages"] = len(packages)
        unpinned: dict[str, list[Package]] = defaultdict(list)
        odd: dict[str, list[Package]] = defaultdict(list)
        checkable: list[Package] = []
        for pkg in packages:
            if not pkg.version:
                unpinned[pkg.path].append(pkg)
            elif version_key(pkg.ecosystem, pkg.version) is None:
                odd[pkg.path].append(pkg)
            else:
                checkable.append(pkg)
        _report_unpinned(ctx, unpinned)
        for path, pkgs in odd.items():
            ctx.note(f"{path}: version format not recognised, checked by exact version only: {_names(pkgs)}")
        checkable += [p for pkgs in odd.values() for p in pkgs]
        if opts.eol:
            yield from eol.findings(packages, root)
        if opts.outdated:
            yield from self._outdated(ctx, [p for p in packages if p.version])
        if not checkable:
            return
        yield from self._match(ctx, checkable)

    def _outdated(self, ctx: StageContext, packages: list[Package]) -> Iterator[Finding]:
        opts: DepsOptions = ctx.options
        bases = {eco: url for eco, url in (("PyPI", opts.pypi_url), ("npm", opts.npm_url)) if url}
        cache = osvdb.default_path(opts.db).parent / "latest-versions.json"
        lookup = outdated.LatestVersions(cache, bases)
        if ctx.runtime is None:
            raise StageError("the outdated check needs the engine's runtime (scoped HTTP)")
        with ctx.runtime.http(lookup.origins(), timeout=5.0) as client:
            latest, failed = lookup.lookup(packages, client)
        if failed:
            ctx.note(f"outdated check: latest version unknown (registry unreachable, nothing cached) for "
                     f"{len(failed)} package(s): {', '.join(failed[:8])}{' ...' if len(failed) > 8 else ''}")
        yield from outdated.findings(packages, latest)

    def _match(self, ctx: StageContext, packages: list[Package]) -> Iterator[Finding]:
        db_path = osvdb.default_path(ctx.options.db)
        try:
            statuses = {s.ecosystem: s for s in osvdb.status(db_path)}
            conn = osvdb.connect(db_path)
        except osvdb.DatabaseError as exc:
            by_file: dict[str, list[Package]] = defaultdict(list)
            for pkg in packages:
                by_file[pkg.path].append(pkg)
            ctx.facts["unchecked"] = [f"{p.ecosystem}:{p.name}@{p.version} ({p.path})" for p in packages]
            for path, pkgs in sorted(by_file.items()):
                ctx.gap(f"{path}: {len(pkgs)} package(s) unchecked, {one_line(str(exc))}: {_names(pkgs)}")
            return
        try:
            used = sorted({p.ecosystem for p in packages})
            covered = [p for p in packages if p.ecosystem in statuses]
            for eco in used:
                if eco not in statuses:
                    missing = [p for p in packages if p.ecosystem == eco]
                    ctx.facts.setdefault("unchecked", []).extend(
                        f"{p.ecosystem}:{p.name}@{p.version} ({p.path})" for p in missing)
                    ctx.gap(f"{len(missing)} {eco} package(s) unchecked: the vulnerability database has no "
                            f"{eco} advisories (run 'pulsecheck db update --ecosystem {eco}'): {_names(missing)}")
                elif statuses[eco].age_days() > STALE_DAYS:
                    ctx.note(f"vulnerability database for {eco} is {statuses[eco].age_days():.0f} days old "
                             f"(run 'pulsecheck db update')")
            ctx.facts["database"] = {e: s.advisories for e, s in statuses.items()}
            for vuln in Matcher(conn).match(covered):
                if ctx.cancel.is_set():
                    return
                yield to_finding(vuln)
        finally:
            conn.close()
