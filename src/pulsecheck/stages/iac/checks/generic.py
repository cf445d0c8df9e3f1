"""Predicates a check configures entirely from its TOML ``params``: most checks are one of these.

``attr`` names the attribute (dotted; a list of alternatives for Terraform and CloudFormation
spellings: the first one set is judged); ``missing = "fail"`` fails when none is set (the cloud's
default is the unsafe one), ``"pass"`` when the default is safe.
"""

from __future__ import annotations

from typing import Any

from pulsecheck.stages.iac.checks.registry import Params, predicate
from pulsecheck.stages.iac.checks.values import is_unknown, number, shown, truth
from pulsecheck.stages.iac.graph import Graph
from pulsecheck.stages.iac.model import MISSING, Fail, Outcome, Resource, Unknown


def first_set(res: Resource, params: Params) -> tuple[str, Any]:
    attrs = params.attrs()
    for attr in attrs:
        value = res.get(attr)
        if value is not MISSING:
            return attr, value
    return attrs[0], MISSING


def _missing(params: Params, attr: str) -> Outcome:
    return Fail(attr, shown(attr, MISSING)) if params.get("missing", "fail") == "fail" else None


@predicate("attr_true")
def attr_true(res: Resource, params: Params, graph: Graph) -> Outcome:
    """Fails unless the attribute is true."""
    return _is(res, params, True)


def _is(res: Resource, params: Params, want: bool) -> Outcome:
    attr, value = first_set(res, params)
    if value is MISSING or value is None:
        return _missing(params, attr)
    if is_unknown(value):
        return Unknown(attr)
    return None if truth(value) is want else Fail(attr, shown(attr, value))


@predicate("attr_not_true")
def attr_not_true(res: Resource, params: Params, graph: Graph) -> Outcome:
    """Fails when the attribute is true (``publicly_accessible = true``)."""
    attr, value = first_set(res, params)
    if is_unknown(value):
        return Unknown(attr)
    return Fail(attr, shown(attr, value)) if value is not MISSING and truth(value) is True else None


@predicate("attr_min")
def attr_min(res: Resource, params: Params, graph: Graph) -> Outcome:
    """Fails when the number is below ``min`` (or missing and ``missing = "fail"``)."""
    attr, value = first_set(res, params)
    if value is MISSING or value is None:
        return _missing(params, attr)
    if is_unknown(value):
        return Unknown(attr)
    n = number(value)
    return Fail(attr, shown(attr, value)) if n is None or n < float(params["min"]) else None


@predicate("attr_in")
def attr_in(res: Resource, params: Params, graph: Graph) -> Outcome:
    """Fails unless the value is one of ``allowed`` (case-insensitive)."""
    attr, value = first_set(res, params)
    if value is MISSING or value is None:
        return _missing(params, attr)
    if is_unknown(value):
        return Unknown(attr)
    allowed = {a.lower() for a in params.strings("allowed")}
    return None if str(value).lower() in allowed else Fail(attr, shown(attr, value))


@predicate("attr_not_in")
def attr_not_in(res: Resource, params: Params, graph: Graph) -> Outcome:
    """Fails when the value (or, for a list, any element) is one of ``forbidden``
    (case-insensitive); missing passes unless ``missing = "fail"``."""
    attr, value = first_set(res, params)
    if value is MISSING or value is None:
        return _missing(params, attr) if params.get("missing") == "fail" else None
    if is_unknown(value):
        return Unknown(attr)
    forbidden = {a.lower() for a in params.strings("forbidden")}
    items = value if isinstance(value, list) else [value]  # ``members = [...]``: any one of them
    if any(is_unknown(v) for v in items):
        return Unknown(attr)
    return Fail(attr, shown(attr, value)) if any(str(v).lower() in forbidden for v in items) else None


@predicate("attr_false")
def attr_false(res: Resource, params: Params, graph: Graph) -> Outcome:
    """Fails unless the attribute is false (``allow_nested_items_to_be_public``, whose default is
    true, so ``missing = "fail"``)."""
    return _is(res, params, False)


@predicate("attr_set")
def attr_set(res: Resource, params: Params, graph: Graph) -> Outcome:
    """Fails when the attribute is missing or empty (a KMS key, a log destination)."""
    attr, value = first_set(res, params)
    if is_unknown(value):
        return None  # set, to something only Terraform knows: that is set
    if value is MISSING or value in (None, "", [], {}):
        return Fail(attr, shown(attr, value))
    return None


@predicate("project")
def project(res: Resource, params: Params, graph: Graph) -> Outcome:
    """Checks judged over the whole project (``separation.py``), never per resource."""
    return None
