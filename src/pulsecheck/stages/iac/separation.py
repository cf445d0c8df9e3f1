"""The architecture advice no scanner checks: staging and production apart, and patient
identity apart from medical data.

* Shared environment: a VPC, database or subnet group that resources of both staging and
  production refer to (environment from the ``Environment``/``env``/``stage`` tag or the name),
  or a ``*.tfvars`` per environment that sets the same VPC, account, project, subscription,
  resource group or database for both. The same for GCP networks and Cloud SQL, Azure virtual
  networks and database servers.
* Shared scope: a GCP project or an Azure resource group holding resources of both
  environments (``labels``/``tags``/names), by literal name or by reference.
* One instance: the profile's data map knows a database store holding identity tables and
  medical tables, and the IaC declares exactly one database instance (no count/for_each), so
  the store is that instance. Without such a link there is no finding.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from pulsecheck.knowledge.datamap import DataMap
from pulsecheck.stages.iac.graph import Graph
from pulsecheck.stages.iac.model import Ref, Resource

_STAGING = re.compile(r"(?i)(?:^|[^a-z])(staging|stage|stg|preprod|uat)(?:$|[^a-z])")
_PROD = re.compile(r"(?i)(?:^|[^a-z])(production|prod|prd|live)(?:$|[^a-z])")
SHARED_TYPES = ("aws_vpc", "aws_db_instance", "aws_rds_cluster", "aws_db_subnet_group", "AWS::EC2::VPC",
                "AWS::RDS::DBInstance", "AWS::RDS::DBCluster",
                "google_compute_network", "google_compute_subnetwork", "google_sql_database_instance",
                "google_alloydb_cluster", "azurerm_virtual_network", "azurerm_subnet", "azurerm_mssql_server",
                "azurerm_postgresql_flexible_server", "azurerm_mysql_flexible_server", "azurerm_cosmosdb_account")
SCOPES = {"gcp": ("project", ("google_",), ("google_project", "project_id")),
          "azure": ("resource_group_name", ("azurerm_",), ("azurerm_resource_group", "name"))}
"""Provider -> (the attribute naming a resource's project / resource group, type prefixes, the
resource that declares one and its name attribute)."""
DB_TYPES = ("aws_db_instance", "aws_rds_cluster", "AWS::RDS::DBInstance", "AWS::RDS::DBCluster")
_SHARED_VARS = re.compile(r"(?i)^(vpc_id|vpc|account_id|aws_account_id|db_instance|database_host|db_host|"
                          r"network|subnet_ids|db_cluster|project|project_id|gcp_project|network_name|"
                          r"subscription_id|resource_group|resource_group_name|vnet_id|vnet_name|"
                          r"sql_server_name|database_server)$")


def environment(res: Resource) -> str | None:
    """``staging``, ``production`` or None, from tags then names."""
    texts: list[str] = []
    for key in ("tags", "labels", "user_labels"):
        tags = res.get(key)
        if isinstance(tags, Mapping):
            texts += [str(v) for k, v in tags.items() if str(k).lower() in ("environment", "env", "stage")]
    tags = res.get("tags")
    if isinstance(tags, list):  # CloudFormation [{Key, Value}]
        texts += [str(t.get("value")) for t in tags if isinstance(t, Mapping)
                  and str(t.get("key", "")).lower() in ("environment", "env", "stage")]
    for key in ("name", "identifier", "bucket", "cluster_identifier"):
        value = res.get(key)
        if isinstance(value, str):
            texts.append(value)
    for text in texts:
        if _STAGING.search(text):
            return "staging"
        if _PROD.search(text):
            return "production"
    return None


def shared_resources(graph: Graph) -> Iterator[tuple[Resource, list[Resource]]]:
    """Shared resources referred to by both staging and production resources (two hops)."""
    for res in graph.of_type(*SHARED_TYPES):
        users = graph.referrers(res, [r.type for r in graph.resources])
        second = [u2 for u in users for u2 in graph.referrers(u, [r.type for r in graph.resources])]
        envs = {environment(u): u for u in [*users, *second] if environment(u)}
        if {"staging", "production"} <= set(envs):
            yield res, [envs["staging"], envs["production"]]


def shared_scopes(graph: Graph, provider: str) -> Iterator[tuple[Resource, str, str, list[Resource]]]:
    """(where to report, attribute, scope, [staging user, production user]) for each GCP project
    or Azure resource group that holds resources of both environments. The scope is a literal
    name or a reference to the declaring resource (``azurerm_resource_group.main.name``); the
    finding points at the declaring resource when the project declares it, else at the
    production resource's attribute."""
    attr, prefixes, (decl_type, decl_name) = SCOPES[provider]
    declared: dict[str, Resource] = {}
    for res in graph.of_type(decl_type):
        declared[res.address] = res
        name = res.get(decl_name)
        if isinstance(name, str):
            declared.setdefault(name, res)
    users: dict[str, dict[str, Resource]] = {}
    for res in graph.resources:
        scope = res.get(attr)
        env = environment(res)
        if env is None or not res.type.startswith(prefixes):
            continue
        key = scope.address if isinstance(scope, Ref) else scope if isinstance(scope, str) and scope else None
        if key is not None:
            users.setdefault(key, {}).setdefault(env, res)
    for key, envs in users.items():
        if {"staging", "production"} <= set(envs):
            pair = [envs["staging"], envs["production"]]
            decl = declared.get(key)
            where = decl or pair[1]
            shown = decl.get(decl_name) if decl is not None and isinstance(decl.get(decl_name), str) else key
            yield where, "" if decl else attr, str(shown), pair


def shared_tfvars(tfvars: Mapping[str, Mapping[str, Any]]) -> Iterator[tuple[str, str, Any]]:
    """(variable, files, value) set to the same value in a staging and a production tfvars file."""
    staging = {p: v for p, v in tfvars.items() if _STAGING.search(p.rsplit("/", 1)[-1])}
    prod = {p: v for p, v in tfvars.items() if _PROD.search(p.rsplit("/", 1)[-1])}
    for sp, svals in staging.items():
        for pp, pvals in prod.items():
            for key, value in svals.items():
                if _SHARED_VARS.match(key) and key in pvals and pvals[key] == value and value not in ("", None):
                    yield key, f"{sp} and {pp}", sp


def _data_map(profile: Mapping[str, Any]) -> DataMap | None:
    data = profile.get("data_map")
    if not isinstance(data, Mapping):
        return None
    try:
        return DataMap.from_json(data)
    except (KeyError, TypeError, ValueError):
        return None


def colocation_judgeable(graph: Graph, profile: Mapping[str, Any]) -> bool:
    """Whether the one-instance advice can be judged: one database store in the data map and
    one (single) database instance in the IaC, so the store is that instance."""
    dm = _data_map(profile)
    instances = graph.of_type(*DB_TYPES)
    return (dm is not None and len(dm.stores("database")) == 1 and len(instances) == 1
            and not instances[0].many)


def single_instance_colocation(graph: Graph, profile: Mapping[str, Any]) -> tuple[Resource, str] | None:
    """The one database instance holding a store with identity and medical tables, if linkable."""
    dm = _data_map(profile)
    if dm is None:
        return None
    mixed = [s for s in dm.stores("database")
             if any(t.identity for t in dm.tables(s.id)) and any(t.medical for t in dm.tables(s.id))]
    instances = graph.of_type(*DB_TYPES)
    if len(dm.stores("database")) != 1 or len(mixed) != 1 or len(instances) != 1 or instances[0].many:
        return None
    tables = dm.tables(mixed[0].id)
    ident = sorted(t.name for t in tables if t.identity)[:4]
    med = sorted(t.name for t in tables if t.medical)[:4]
    return instances[0], f"identity tables ({', '.join(ident)}) and medical tables ({', '.join(med)})"
