"""GCP and Azure predicates that need more than one attribute: firewall and NSG rules (ports
and sources together), Cloud SQL authorized networks, database firewall ranges, server
configuration resources, storage network rules and project audit configuration."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulsecheck.stages.iac.checks.aws import WORLD
from pulsecheck.stages.iac.checks.registry import Params, predicate
from pulsecheck.stages.iac.checks.values import is_unknown, listify, number, shown, truth
from pulsecheck.stages.iac.graph import Graph
from pulsecheck.stages.iac.model import MISSING, Fail, Outcome, Resource, Unknown

ANY_V4 = "0.0.0.0"  # noqa: S104 - an address a rule names, not one we bind
AZURE_ANY_SOURCE = frozenset({"*", ANY_V4, "0.0.0.0/0", "::/0", "internet", "any"})


def _span(text: Any) -> tuple[float, float] | None:
    """``"22"``, ``"1000-2000"``, ``"*"`` as an inclusive port range; None when not a port."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        return (float(text), float(text))
    if not isinstance(text, str):
        return None
    text = text.strip()
    if text == "*":
        return (0, 65535)
    lo, _, hi = text.partition("-")
    a, b = number(lo), number(hi) if hi else number(lo)
    return (a, b) if a is not None and b is not None else None


def _hits(spans: list[tuple[float, float]], params: Params) -> list[int]:
    wanted = [int(p) for p in params.get("ports", ())]
    return [p for p in wanted if any(lo <= p <= hi for lo, hi in spans)]


def _gcp_spans(res: Resource) -> list[tuple[float, float]]:
    spans: list[tuple[float, float]] = []
    for rule in listify(res.get("allow")):
        if not isinstance(rule, Mapping):
            continue
        if str(rule.get("protocol", "")).lower() not in ("tcp", "all", "6"):
            continue
        ports = listify(rule.get("ports"))
        if not ports:
            spans.append((0, 65535))
        spans.extend(s for s in (_span(p) for p in ports) if s is not None)
    return spans


@predicate("gcp_firewall_open")
def gcp_firewall_open(res: Resource, params: Params, graph: Graph) -> Outcome:
    """An enabled ingress ``google_compute_firewall`` allowing one of ``ports`` from 0.0.0.0/0."""
    if str(res.get("direction", "INGRESS")).upper() != "INGRESS" or truth(res.get("disabled", False)) is True:
        return None
    hits = _hits(_gcp_spans(res), params)
    if not hits:
        return None
    ranges = res.get("source_ranges")
    if is_unknown(ranges):
        return Unknown("source_ranges")
    if any(isinstance(c, str) and c in WORLD for c in listify(ranges)):
        return Fail("source_ranges", f"{shown('source_ranges', ranges)} (port {hits[0]})")
    return None


def _nsg_rules(res: Resource) -> Iterator[tuple[str, Mapping[str, Any]]]:
    if res.type == "azurerm_network_security_rule":
        yield "", res.attrs
        return
    for i, rule in enumerate(listify(res.get("security_rule"))):
        if isinstance(rule, Mapping):
            yield f"security_rule.{i}.", rule


def _nsg_spans(rule: Mapping[str, Any]) -> list[tuple[float, float]]:
    values = listify(rule.get("destination_port_range")) + listify(rule.get("destination_port_ranges"))
    return [s for s in (_span(v) for v in values) if s is not None]


@predicate("azure_nsg_open")
def azure_nsg_open(res: Resource, params: Params, graph: Graph) -> Outcome:
    """An inbound Allow NSG rule from any source (``*``, ``Internet``, 0.0.0.0/0) to one of ``ports``."""
    unknown: Outcome = None
    for prefix, rule in _nsg_rules(res):
        if str(rule.get("direction", "")).lower() != "inbound" or str(rule.get("access", "")).lower() != "allow":
            continue
        if str(rule.get("protocol", "*")).lower() not in ("tcp", "*"):
            continue
        hits = _hits(_nsg_spans(rule), params)
        if not hits:
            continue
        for key in ("source_address_prefix", "source_address_prefixes"):
            value = rule.get(key)
            if is_unknown(value):
                unknown = Unknown(prefix + key)
                continue
            if any(isinstance(v, str) and v.lower() in AZURE_ANY_SOURCE for v in listify(value)):
                return Fail(prefix + key, f"{shown(key, value)} (port {hits[0]})")
    return unknown


@predicate("sql_authorized_world")
def sql_authorized_world(res: Resource, params: Params, graph: Graph) -> Outcome:
    """A Cloud SQL instance whose public IP accepts connections from 0.0.0.0/0."""
    base = "settings.ip_configuration"
    if truth(res.get(f"{base}.ipv4_enabled", True)) is False:
        return None
    networks = res.get(f"{base}.authorized_networks")
    if is_unknown(networks):
        return Unknown(f"{base}.authorized_networks")
    for i, net in enumerate(listify(networks)):
        value = net.get("value") if isinstance(net, Mapping) else None
        if is_unknown(value):
            return Unknown(f"{base}.authorized_networks.{i}.value")
        if isinstance(value, str) and value in WORLD | {ANY_V4}:
            return Fail(f"{base}.authorized_networks.{i}.value", shown("value", value))
    return None


@predicate("ip_range_world")
def ip_range_world(res: Resource, params: Params, graph: Graph) -> Outcome:
    """A database firewall rule from 0.0.0.0 to 255.255.255.255 (every address on the internet)."""
    start, end = res.get("start_ip_address"), res.get("end_ip_address")
    if is_unknown(start) or is_unknown(end):
        return Unknown("start_ip_address")
    if start == ANY_V4 and end == "255.255.255.255":
        return Fail("end_ip_address", f"{shown('start_ip_address', start)}, {shown('end_ip_address', end)}")
    return None


@predicate("named_setting_off")
def named_setting_off(res: Resource, params: Params, graph: Graph) -> Outcome:
    """A server configuration resource (``name``/``value``) turning one of ``names`` off."""
    name = res.get("name")
    if not isinstance(name, str) or name.lower() not in {n.lower() for n in params.strings("names")}:
        return None
    value = res.get("value")
    if is_unknown(value):
        return Unknown("value")
    if str(value).lower() in ("off", "0", "false", "disabled"):
        return Fail("value", f"{name} = {value}")
    return None


@predicate("azure_storage_network_open")
def azure_storage_network_open(res: Resource, params: Params, graph: Graph) -> Outcome:
    """A storage account reachable from every network: public network access on (the default)
    and no network rule (inline or ``azurerm_storage_account_network_rules``) denying by default."""
    public = res.get("public_network_access_enabled")
    if is_unknown(public):
        return Unknown("public_network_access_enabled")
    if public is not MISSING and truth(public) is False:
        return None
    rules = [("network_rules.default_action", res)] + [
        ("default_action", r) for r in graph.referrers(res, ("azurerm_storage_account_network_rules",),
                                                          "storage_account_id")]
    for attr, owner in rules:
        action = owner.get(attr)
        if is_unknown(action):
            return Unknown(attr)
        if isinstance(action, str) and action.lower() == "deny":
            return None
    attr = "public_network_access_enabled" if public is not MISSING else ""
    return Fail(attr, shown("public_network_access_enabled", public) + ", no network rule denies by default")


_DATA_LOGS = ("DATA_READ", "DATA_WRITE")


@predicate("gcp_audit_config")
def gcp_audit_config(res: Resource, params: Params, graph: Graph) -> Outcome:
    """A project audit config that exempts members or leaves data access (read/write) unlogged."""
    configs = res.get("audit_log_config")
    if is_unknown(configs):
        return Unknown("audit_log_config")
    kinds: set[str] = set()
    for i, cfg in enumerate(listify(configs)):
        if not isinstance(cfg, Mapping):
            continue
        if is_unknown(cfg.get("log_type")) or is_unknown(cfg.get("exempted_members")):
            return Unknown(f"audit_log_config.{i}")
        kinds.add(str(cfg.get("log_type", "")).upper())
        if listify(cfg.get("exempted_members")):
            return Fail(f"audit_log_config.{i}.exempted_members", "exempted_members set (their access is not logged)")
    missing = [k for k in _DATA_LOGS if k not in kinds]
    if missing:
        return Fail("audit_log_config", f"no audit_log_config for {', '.join(missing)}")
    return None
