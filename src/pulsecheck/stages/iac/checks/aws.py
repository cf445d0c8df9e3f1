"""AWS predicates that need more than one attribute: references between resources, policy
documents, security-group rules, listeners, environment variables."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from pulsecheck.stages.iac.checks.registry import Params, predicate
from pulsecheck.stages.iac.checks.values import SECRET_SHOWN, is_unknown, listify, number, shown, truth
from pulsecheck.stages.iac.graph import Graph
from pulsecheck.stages.iac.model import MISSING, Fail, Outcome, Ref, Resource, Unknown, Unresolved

WORLD = frozenset({"0.0.0.0/0", "::/0"})


def _norm(value: Any, depth: int = 0) -> Any:
    """Policy JSON with keys lower-cased and underscores dropped (``Statement``, ``statement``)."""
    if depth > 16:
        return value
    if isinstance(value, Mapping):
        return {str(k).replace("_", "").lower(): _norm(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_norm(v, depth + 1) for v in value]
    return value


def statements(value: Any) -> list[Mapping[str, Any]] | Unresolved:
    """The statements of a policy document (a JSON string, a resolved ``jsonencode`` object or a
    CloudFormation ``PolicyDocument``)."""
    if isinstance(value, Unresolved | Ref):
        return Unresolved(str(value))
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return Unresolved("policy")
    doc = _norm(value)
    if not isinstance(doc, Mapping):
        return Unresolved("policy")
    stmts = doc.get("statement", [])
    return [s for s in listify(stmts) if isinstance(s, Mapping)]


def _has(value: Any, want: str) -> bool:
    return any(isinstance(v, str) and v == want for v in listify(value))


def _policy_of(res: Resource) -> tuple[str, Any]:
    for attr in ("policy", "policy_document"):
        value = res.get(attr)
        if value is not MISSING:
            return attr, value
    return "policy", MISSING


def _role_policies(res: Resource) -> Iterator[tuple[str, Any]]:
    attr, value = _policy_of(res)
    if value is not MISSING:
        yield attr, value
    for i, item in enumerate(listify(res.get("policies"))):
        if isinstance(item, Mapping) and "policy_document" in item:
            yield f"policies.{i}.policy_document", item["policy_document"]


@predicate("iam_admin_wildcard")
def iam_admin_wildcard(res: Resource, params: Params, graph: Graph) -> Outcome:
    """An Allow statement with action ``*`` on resource ``*``."""
    unknown = None
    for attr, doc in _role_policies(res):
        stmts = statements(doc)
        if isinstance(stmts, Unresolved):
            unknown = Unknown(attr)
            continue
        for s in stmts:
            if s.get("effect") == "Allow" and _has(s.get("action"), "*") and _has(s.get("resource"), "*"):
                return Fail(attr, f'{attr}: Effect "Allow", Action "*", Resource "*"')
    return unknown


def _public_principal(principal: Any) -> bool:
    if principal == "*":
        return True
    return isinstance(principal, Mapping) and _has(principal.get("aws"), "*")


@predicate("policy_public")
def policy_public(res: Resource, params: Params, graph: Graph) -> Outcome:
    """An Allow statement for principal ``*`` without a condition."""
    attr, doc = _policy_of(res)
    stmts = statements(doc)
    if isinstance(stmts, Unresolved):
        return Unknown(attr) if doc is not MISSING else None
    for s in stmts:
        if s.get("effect") == "Allow" and _public_principal(s.get("principal")) and not s.get("condition"):
            return Fail(attr, f'{attr}: Effect "Allow", Principal "*", no Condition')
    return None


def _denies_insecure_transport(doc: Any) -> bool | None:
    stmts = statements(doc)
    if isinstance(stmts, Unresolved):
        return None
    for s in stmts:
        cond = s.get("condition")
        if s.get("effect") != "Deny" or not isinstance(cond, Mapping):
            continue
        flag = cond.get("bool", {}) if isinstance(cond.get("bool"), Mapping) else {}
        if any(k.replace("_", "") == "aws:securetransport" and truth(v if not isinstance(v, list) else v[0]) is False
               for k, v in flag.items()):
            return True
    return False


@predicate("s3_tls_only")
def s3_tls_only(res: Resource, params: Params, graph: Graph) -> Outcome:
    """A bucket whose policy has no Deny for ``aws:SecureTransport = false``."""
    policies = graph.referrers(res, ("aws_s3_bucket_policy", "AWS::S3::BucketPolicy"), "bucket")
    docs = [_policy_of(p)[1] for p in policies]
    if res.get("policy") is not MISSING:
        docs.append(res.get("policy"))
    verdicts = [_denies_insecure_transport(d) for d in docs]
    if any(v is True for v in verdicts):
        return None
    if any(v is None for v in verdicts):
        return Unknown("policy")
    return Fail("", "no bucket policy denies aws:SecureTransport = false")


def _check_value(res: Resource, check: str, equals: Any) -> bool | None:
    value = res.get(check)
    if is_unknown(value):
        return None
    if value is MISSING:
        return False
    if equals is None:
        return value not in (None, "", [], {})
    if isinstance(equals, bool):
        return truth(value) is equals
    return str(value).lower() == str(equals).lower()


@predicate("has_referrer")
def has_referrer(res: Resource, params: Params, graph: Graph) -> Outcome:
    """The resource is configured by a separate resource that refers to it (an S3 bucket's
    encryption/versioning/logging resource, a VPC's flow log) or by an inline attribute.

    ``referrers`` types, ``via`` the referring attribute (``bucket``), optional ``check``/``equals``
    on the referrer; ``inline`` = [{attr, check, equals}] alternatives on the resource itself."""
    for inline in params.get("inline", ()):
        value = res.get(inline["attr"])
        if value is MISSING:
            continue
        if is_unknown(value):
            return Unknown(inline["attr"])
        ok = _check_value(res, f"{inline['attr']}.{inline['check']}" if inline.get("check") else inline["attr"],
                          inline.get("equals"))
        if ok is None:
            return Unknown(inline["attr"])
        if ok:
            return None
        attr = f"{inline['attr']}.{inline['check']}" if inline.get("check") else inline["attr"]
        return Fail(attr, shown(attr, res.get(attr)))
    unknown = False
    for via in params.strings("via"):
        for ref in graph.referrers(res, params.strings("referrers"), via):
            if not params.get("check"):
                return None
            ok = _check_value(ref, params["check"], params.get("equals"))
            if ok:
                return None
            unknown = unknown or ok is None
    if unknown:
        return Unknown(params.get("check", ""))
    return Fail("", str(params.get("message", f"no {' / '.join(params.strings('referrers'))} for this resource")))


_PAB = ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")


@predicate("s3_public_access_block")
def s3_public_access_block(res: Resource, params: Params, graph: Graph) -> Outcome:
    """All four block-public-access settings on, in the separate resource or inline (CloudFormation)."""
    if res.type == "aws_s3_bucket":
        if graph.referrers(res, ("aws_s3_bucket_public_access_block",), "bucket"):
            return None  # judged on that resource
        return Fail("", "no aws_s3_bucket_public_access_block for this bucket")
    prefix = "public_access_block_configuration." if res.format == "cloudformation" else ""
    if prefix and res.get(prefix.rstrip(".")) is MISSING:
        return Fail("", "PublicAccessBlockConfiguration not set")
    for key in _PAB:
        value = res.get(prefix + key)
        if is_unknown(value):
            return Unknown(prefix + key)
        if truth(value) is not True:
            return Fail(prefix + key, shown(key, value))
    return None


def _ports(rule: Mapping[str, Any]) -> tuple[float, float] | None:
    proto = str(rule.get("protocol", rule.get("ip_protocol", "tcp"))).lower()
    if proto in ("-1", "all"):
        return (0, 65535)
    lo, hi = number(rule.get("from_port")), number(rule.get("to_port"))
    if lo is None and hi is None:
        return None
    return (lo if lo is not None else 0, hi if hi is not None else (lo or 0))


def _cidrs(rule: Mapping[str, Any]) -> list[tuple[str, Any]]:
    out = []
    for key in ("cidr_blocks", "ipv6_cidr_blocks", "cidr_ipv4", "cidr_ipv6", "cidr_ip", "cidr_block",
                "ipv6_cidr_block"):
        if key in rule:
            out.append((key, rule[key]))
    return out


def _ingress_rules(res: Resource) -> Iterator[tuple[str, Mapping[str, Any]]]:
    if res.type in ("aws_security_group", "AWS::EC2::SecurityGroup"):
        key = "ingress" if res.format != "cloudformation" else "security_group_ingress"
        for i, rule in enumerate(listify(res.get(key))):
            if isinstance(rule, Mapping):
                yield f"{key}.{i}.", rule
    elif res.type == "aws_security_group_rule":
        if res.get("type") == "ingress":
            yield "", res.attrs
    elif res.type == "aws_network_acl":
        for i, rule in enumerate(listify(res.get("ingress"))):
            if isinstance(rule, Mapping) and str(rule.get("action", "")).lower() == "allow":
                yield f"ingress.{i}.", rule
    elif res.type in ("aws_network_acl_rule", "AWS::EC2::NetworkAclEntry"):
        allow = str(res.get("rule_action", "")).lower() == "allow"
        if allow and truth(res.get("egress", False)) is not True:
            rng = res.get("port_range")
            rule = dict(res.attrs)
            if isinstance(rng, Mapping):
                rule.update(from_port=rng.get("from"), to_port=rng.get("to"))
            if str(rule.get("protocol")) == "6":
                rule["protocol"] = "tcp"
            yield "", rule
    else:  # aws_vpc_security_group_ingress_rule, AWS::EC2::SecurityGroupIngress
        yield "", res.attrs


@predicate("open_to_world")
def open_to_world(res: Resource, params: Params, graph: Graph) -> Outcome:
    """An ingress rule from 0.0.0.0/0 or ::/0 to one of ``ports`` (``all_ports``: every port)."""
    wanted = [int(p) for p in params.get("ports", ())]
    unknown: Outcome = None
    for prefix, rule in _ingress_rules(res):
        span = _ports(rule)
        if span is None:
            continue
        if params.get("all_ports"):
            hits = [p for p in (0,) if span[0] <= 0 and span[1] >= 65535]
        else:
            hits = [p for p in wanted if span[0] <= p <= span[1]]
        if not hits:
            continue
        for key, cidrs in _cidrs(rule):
            if is_unknown(cidrs):
                unknown = Unknown(prefix + key)
                continue
            if any(isinstance(c, str) and c in WORLD for c in listify(cidrs)):
                where = "all ports" if params.get("all_ports") else f"port {hits[0]}"
                return Fail(prefix + key, f"{shown(key, cidrs)} ({where})")
    return unknown


@predicate("lb_http_listener")
def lb_http_listener(res: Resource, params: Params, graph: Graph) -> Outcome:
    """A plain-HTTP listener that does not redirect to HTTPS."""
    proto = res.get("protocol")
    if is_unknown(proto):
        return Unknown("protocol")
    if str(proto).upper() != "HTTP":
        return None
    actions = listify(res.get("default_action")) or listify(res.get("default_actions"))
    if any(isinstance(a, Mapping) and str(a.get("type", "")).lower() == "redirect" for a in actions):
        return None
    return Fail("protocol", shown("protocol", proto))


_GOOD_TLS = re.compile(r"TLS13|TLS-1-2|FS-1-2|TLS12")


@predicate("lb_tls_policy")
def lb_tls_policy(res: Resource, params: Params, graph: Graph) -> Outcome:
    """An HTTPS/TLS listener whose SSL policy still allows TLS 1.0/1.1 (the default does)."""
    proto = res.get("protocol")
    if is_unknown(proto) or str(proto).upper() not in ("HTTPS", "TLS"):
        return None
    policy = res.get("ssl_policy")
    if is_unknown(policy):
        return Unknown("ssl_policy")
    if policy is MISSING or not _GOOD_TLS.search(str(policy)):
        return Fail("ssl_policy", shown("ssl_policy", policy) + (" (default allows TLS 1.0)" if policy is MISSING else ""))
    return None


def _behaviors(res: Resource) -> Iterator[tuple[str, Any]]:
    base = "distribution_config." if res.format == "cloudformation" else ""
    yield f"{base}default_cache_behavior", res.get(f"{base}default_cache_behavior")
    key = f"{base}cache_behaviors" if base else "ordered_cache_behavior"
    for i, b in enumerate(listify(res.get(key))):
        yield f"{key}.{i}", b


@predicate("cloudfront_https")
def cloudfront_https(res: Resource, params: Params, graph: Graph) -> Outcome:
    for attr, behavior in _behaviors(res):
        if isinstance(behavior, list):
            behavior = behavior[0] if behavior else None
        if not isinstance(behavior, Mapping):
            continue
        policy = behavior.get("viewer_protocol_policy")
        if is_unknown(policy):
            return Unknown(f"{attr}.viewer_protocol_policy")
        if str(policy).lower() == "allow-all":
            return Fail(f"{attr}.viewer_protocol_policy", shown("viewer_protocol_policy", policy))
    return None


@predicate("cloudfront_tls")
def cloudfront_tls(res: Resource, params: Params, graph: Graph) -> Outcome:
    base = "distribution_config.viewer_certificate" if res.format == "cloudformation" else "viewer_certificate"
    for flag in ("cloudfront_default_certificate", "cloud_front_default_certificate"):
        if truth(res.get(f"{base}.{flag}")) is True:
            return Fail(f"{base}.{flag}", shown(flag, True) + " (TLSv1 allowed)")
    version = res.get(f"{base}.minimum_protocol_version")
    if is_unknown(version):
        return Unknown(f"{base}.minimum_protocol_version")
    if version is MISSING or not str(version).startswith(("TLSv1.2", "TLSv1.3")):
        return Fail(f"{base}.minimum_protocol_version", shown("minimum_protocol_version", version))
    return None


_TLS_PARAMS = ("rds.force_ssl", "require_secure_transport")


@predicate("rds_force_ssl_off")
def rds_force_ssl_off(res: Resource, params: Params, graph: Graph) -> Outcome:
    """A parameter group that turns ``rds.force_ssl`` / ``require_secure_transport`` off."""
    items: list[tuple[str, Any, Any]] = []
    for i, p in enumerate(listify(res.get("parameter"))):
        if isinstance(p, Mapping):
            items.append((f"parameter.{i}.value", p.get("name"), p.get("value")))
    table = res.get("parameters")
    if isinstance(table, Mapping):
        items.extend((f"parameters.{k}", k, v) for k, v in table.items())
    for attr, name, value in items:
        if name in _TLS_PARAMS:
            if is_unknown(value):
                return Unknown(attr)
            if str(value).lower() in ("0", "off", "false"):
                return Fail(attr, f"{name} = {value}")
    return None


@predicate("cognito_password")
def cognito_password(res: Resource, params: Params, graph: Graph) -> Outcome:
    """Minimum length below ``min_length`` or a character class not required."""
    base = "policies.password_policy" if res.format == "cloudformation" else "password_policy"
    if res.get(base) is MISSING:
        return Fail("", f"{base.rsplit('.', 1)[-1]} not set (default minimum length 8)")
    length = res.get(f"{base}.minimum_length")
    if is_unknown(length):
        return Unknown(f"{base}.minimum_length")
    n = number(length)
    if n is None or n < float(params.get("min_length", 12)):
        return Fail(f"{base}.minimum_length", shown("minimum_length", length))
    for key in ("require_lowercase", "require_uppercase", "require_numbers", "require_symbols"):
        value = res.get(f"{base}.{key}")
        if is_unknown(value):
            return Unknown(f"{base}.{key}")
        if truth(value) is not True:
            return Fail(f"{base}.{key}", shown(key, value))
    return None


def _env_vars(res: Resource) -> Iterator[tuple[str, str, Any]]:
    """(attr path, variable name, value) of a Lambda function's or ECS task's environment."""
    variables = res.get("environment.variables")
    if isinstance(variables, Mapping):
        for name, value in variables.items():
            yield f"environment.variables.{name}", str(name), value
    defs = res.get("container_definitions")
    if isinstance(defs, str):
        try:
            defs = json.loads(defs)
        except ValueError:
            defs = None
    for c in listify(defs):
        if isinstance(c, Mapping):
            for item in listify(c.get("environment")):
                if isinstance(item, Mapping):
                    yield "container_definitions", str(item.get("name", item.get("Name", ""))), \
                        item.get("value", item.get("Value"))


_REFERENCE_NAME = re.compile(r"(?i)_(?:FILE|PATH|ARN|NAME|ID)$")
"""A variable that names where the secret is, not the secret."""


def secret_env(pairs: Iterator[tuple[str, str, Any]], params: Params) -> Outcome:
    names = re.compile(str(params["names"]), re.I)
    unless = re.compile(str(params["except"]), re.I) if params.get("except") else None
    for attr, name, value in pairs:
        if not names.search(name) or (unless and unless.search(name)) or _REFERENCE_NAME.search(name):
            continue
        if isinstance(value, str) and value.strip() and not value.startswith(("arn:", "{{resolve:", "${")):
            return Fail(attr, f"{name} = {SECRET_SHOWN} (a literal value)")
    return None


@predicate("aws_env_secret")
def aws_env_secret(res: Resource, params: Params, graph: Graph) -> Outcome:
    """A key or password written as a literal environment variable of a Lambda function or ECS task."""
    return secret_env(_env_vars(res), params)


_BEDROCK = re.compile(r"bedrock:Invoke", re.I)


@predicate("bedrock_logging")
def bedrock_logging(res: Resource, params: Params, graph: Graph) -> Outcome:
    """Bedrock is used (a Bedrock resource or a policy allowing ``bedrock:Invoke*``) and no
    model invocation logging configuration exists."""
    if graph.of_type("aws_bedrock_model_invocation_logging_configuration"):
        return None
    if not res.type.startswith(("aws_bedrock", "AWS::Bedrock")):
        used = False
        for _, doc in _role_policies(res):
            stmts = statements(doc)
            if isinstance(stmts, list):
                used = used or any(_BEDROCK.search(str(a)) for s in stmts for a in listify(s.get("action")))
        if not used:
            return None
    return Fail("", "Bedrock is used and no aws_bedrock_model_invocation_logging_configuration exists")


@predicate("always")
def always(res: Resource, params: Params, graph: Graph) -> Outcome:
    """The resource itself is the finding (``aws_iam_access_key``: a long-lived user key)."""
    return Fail("", str(params.get("message", res.type)))
