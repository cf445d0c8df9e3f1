"""Serverless Framework predicates: literal secrets in ``environment`` (provider-wide or per
function) and IAM role statements allowing ``*`` on ``*``."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulsecheck.stages.iac.checks.aws import secret_env, statements
from pulsecheck.stages.iac.checks.registry import Params, predicate
from pulsecheck.stages.iac.checks.values import listify
from pulsecheck.stages.iac.graph import Graph
from pulsecheck.stages.iac.model import MISSING, Fail, Outcome, Resource, Unresolved


def _environment(res: Resource) -> Iterator[tuple[str, str, Any]]:
    env = res.get("environment")
    if isinstance(env, Mapping):
        for name, value in env.items():
            yield f"environment.{name}", str(name), value


@predicate("serverless_env_secret")
def serverless_env_secret(res: Resource, params: Params, graph: Graph) -> Outcome:
    """A key or password written as a literal in ``environment`` (not ``${ssm:...}``)."""
    return secret_env(_environment(res), params)


_STATEMENT_PATHS = ("iamRoleStatements", "iam.role.statements")


@predicate("serverless_iam_wildcard")
def serverless_iam_wildcard(res: Resource, params: Params, graph: Graph) -> Outcome:
    """``provider.iamRoleStatements`` (v1/v2) or ``provider.iam.role.statements`` (v3) allowing
    action ``*`` on resource ``*``."""
    for path in _STATEMENT_PATHS:
        value = res.get(path)
        if value is MISSING:
            continue
        stmts = statements({"Statement": listify(value)})
        if isinstance(stmts, Unresolved):
            continue
        for i, s in enumerate(stmts):
            actions, targets = listify(s.get("action")), listify(s.get("resource"))
            if s.get("effect") == "Allow" and "*" in actions and "*" in targets:
                return Fail(f"{path}.{i}", f'{path}: Effect "Allow", Action "*", Resource "*"')
    return None
