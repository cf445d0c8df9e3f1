"""The IaC stage: read every IaC file once from the index, build the resource graph, run the
checks of the catalog on each resource, then the project-wide separation advice."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pulsecheck.model import FileLocation, Finding, Rule, Targets
from pulsecheck.sources.tree import FileIndex
from pulsecheck.sources.workspace import tree_for
from pulsecheck.stages.iac import separation
from pulsecheck.stages.iac.checks.registry import Check, by_type, catalog
from pulsecheck.stages.iac.graph import Graph
from pulsecheck.stages.iac.load import Inventory, load
from pulsecheck.stages.iac.model import MISSING, Fail, Resource, Unknown
from pulsecheck.stages.iac.options import IacOptions
from pulsecheck.stages.interface import StageContext, StageSkip

MAX_UNRESOLVED_NOTES = 50


def finding(check: Check, res: Resource, fail: Fail) -> Finding:
    line = res.line_of(fail.attr)
    message = f"{check.title}: {res.address} ({fail.evidence})"
    return Finding.from_rule(check.rule, message=message, location=FileLocation(res.path, line, line),
                             evidence=fail.evidence, identity=res.address, hipaa=check.hipaa,
                             properties={"resource": res.address, "resource_type": res.type,
                                         "attribute": fail.attr or None, "hipaa_sections": list(check.hipaa),
                                         "format": res.format})


def evaluate(inv: Inventory, profile: Mapping[str, Any], disabled: frozenset[str] = frozenset(),
             unresolved: list[str] | None = None, judged: set[str] | None = None) -> Iterator[Finding]:
    """Every finding of every enabled check on ``inv`` (``unresolved`` collects what was not
    judged; ``judged`` the ids of the checks that gave a verdict on at least one resource)."""
    graph = Graph(inv.resources)
    checks = by_type()
    seen: set[str] = set() if judged is None else judged
    for res in graph.resources:
        for check in checks.get(res.type, ()):
            if check.id in disabled:
                continue
            outcome = check.evaluate(res, graph)
            if isinstance(outcome, Unknown):
                if unresolved is not None:
                    unresolved.append(f"unresolved: {outcome.attr or 'value'} of {res.address} ({check.id})")
                continue
            seen.add(check.id)
            if isinstance(outcome, Fail):
                yield finding(check, res, outcome)
    yield from _separation(inv, graph, profile, disabled, seen)


def assessed(judged: set[str]) -> dict[str, list[str]]:
    """Check id -> the HIPAA sections it assessed, for the checks that judged something: the
    compliance table's "assessed by" (a safeguard is never "no finding" because of a check that
    had no resource to look at)."""
    return {c.id: list(c.hipaa) for c in catalog() if c.id in judged}


def _check(cid: str) -> Check:
    return next(c for c in catalog() if c.id == cid)


def _separation(inv: Inventory, graph: Graph, profile: Mapping[str, Any], disabled: frozenset[str],
                judged: set[str]) -> Iterator[Finding]:
    shared = _check("iac.separation-shared-environment")
    if shared.id not in disabled:
        if graph.of_type(*separation.SHARED_TYPES) or inv.tfvars:
            judged.add(shared.id)
        for res, users in separation.shared_resources(graph):
            yield finding(shared, res, Fail("", f"used by {users[0].address} (staging) and {users[1].address} (production)"))
        for key, files, path in separation.shared_tfvars(inv.tfvars):
            text = inv.texts.get(path, "")
            m = re.search(rf"(?m)^\s*{re.escape(key)}\s*=", text)
            line = text.count("\n", 0, m.start()) + 1 if m else 1
            yield Finding.from_rule(shared.rule, message=f"{shared.title}: {key} is the same in {files}",
                                    location=FileLocation(path, line, line), evidence=f"{key} = <same value>",
                                    identity=f"tfvars:{key}")
    yield from _shared_scopes(graph, disabled, judged)
    one = _check("iac.separation-identity-medical-one-instance")
    if one.id not in disabled:
        if separation.colocation_judgeable(graph, profile):
            judged.add(one.id)
        linked = separation.single_instance_colocation(graph, profile)
        if linked is not None:
            res, what = linked
            yield finding(one, res, Fail("", f"{what} in this one instance"))


SCOPE_CHECKS = {"gcp": "iac.gcp-separation-shared-project", "azure": "iac.azure-separation-shared-resource-group"}


def _shared_scopes(graph: Graph, disabled: frozenset[str], judged: set[str]) -> Iterator[Finding]:
    for provider, cid in SCOPE_CHECKS.items():
        check = _check(cid)
        attr, prefixes, _ = separation.SCOPES[provider]
        if cid in disabled:
            continue
        if any(r.type.startswith(prefixes) and r.get(attr) not in (None, MISSING) for r in graph.resources):
            judged.add(cid)
        for where, at, scope, (stg, prod) in separation.shared_scopes(graph, provider):
            yield finding(check, where, Fail(at, f"{scope} holds {stg.address} (staging) and {prod.address} (production)"))


class IacStage:
    name = "iac"
    Options = IacOptions
    needs = frozenset({"repo", "tree", "profile"})
    provides: frozenset[str] = frozenset()

    def applies(self, targets: Targets) -> bool:
        return targets.path is not None

    def rules(self) -> Sequence[Rule]:
        return [c.rule for c in catalog()]

    def run(self, ctx: StageContext) -> Iterator[Finding]:
        root = ctx.repo
        if root is None:
            return
        opts = IacOptions.model_validate(ctx.options.model_dump()) if ctx.options is not None else IacOptions()
        tree: FileIndex = tree_for(ctx.workspace, root, tuple(ctx.settings.exclude))
        inv = load(tree, ctx.note, opts.include_vendored)
        if not inv.resources:
            raise StageSkip("no Terraform, CloudFormation, Kubernetes, Dockerfile or compose file found")
        ctx.facts["files"] = sorted(set(inv.files))
        ctx.facts["resources"] = len(inv.resources)
        unresolved: list[str] = []
        judged: set[str] = set()
        for f in evaluate(inv, ctx.profile, frozenset(opts.disable), unresolved, judged):
            if ctx.cancel.is_set():
                return
            yield f
        ctx.facts["assessed"] = assessed(judged)
        for line in unresolved[:MAX_UNRESOLVED_NOTES]:
            ctx.note(line)
        if len(unresolved) > MAX_UNRESOLVED_NOTES:
            ctx.note(f"unresolved: {len(unresolved) - MAX_UNRESOLVED_NOTES} more values not judged")


STAGE = IacStage()
