"""Keys in the plain configuration of Azure and GCP apps: App Service / Function App
``app_settings`` and Cloud Run / Cloud Functions environment variables.

Anyone who can read the app's configuration reads those values (the portal, ``gcloud run
services describe``), and they land in every deployment's history. A Key Vault reference
(``@Microsoft.KeyVault(...)``) or a Secret Manager reference (``value_source.secret_key_ref``,
``secret_environment_variables``) keeps the key in the vault: those pass. A value from a
variable the scanner cannot see is "unresolved", never a failure.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from pulsecheck.stages.iac.checks.registry import Params, predicate
from pulsecheck.stages.iac.checks.values import SECRET_SHOWN, listify
from pulsecheck.stages.iac.graph import Graph
from pulsecheck.stages.iac.model import Fail, Outcome, Resource, Unknown, Unresolved

_VAULT_REFERENCE = re.compile(r"(?i)^\s*@Microsoft\.KeyVault\(")
_CREDENTIAL = re.compile(r"(?i)(?:KEY|TOKEN|SECRET|PASSWORD)(?:_?\d+)?$")
"""A setting that holds a credential (``AZURE_OPENAI_API_KEY``), not its endpoint or model."""


def _mapping_pairs(value: Any, attr: str) -> Iterator[tuple[str, str, Any]]:
    if isinstance(value, Mapping):
        for name, v in value.items():
            yield f"{attr}.{name}", str(name), v


def _container_env(res: Resource, containers: str) -> Iterator[tuple[str, str, Any]]:
    """``env { name value }`` blocks of Cloud Run containers (v1 ``template.spec.containers``,
    v2 ``template.containers``); an ``env`` with ``value_source``/``value_from`` is a reference."""
    for ci, container in enumerate(listify(res.get(containers))):
        if not isinstance(container, Mapping):
            continue
        for ei, env in enumerate(listify(container.get("env"))):
            if isinstance(env, Mapping) and "value" in env:
                yield f"{containers}.{ci}.env.{ei}.value", str(env.get("name", "")), env["value"]


def _app_pairs(res: Resource) -> Iterator[tuple[str, str, Any]]:
    yield from _mapping_pairs(res.get("app_settings"), "app_settings")
    yield from _mapping_pairs(res.get("environment_variables"), "environment_variables")
    yield from _mapping_pairs(res.get("service_config.environment_variables"), "service_config.environment_variables")
    yield from _mapping_pairs(res.get("build_config.environment_variables"), "build_config.environment_variables")
    yield from _container_env(res, "template.containers")
    yield from _container_env(res, "template.spec.containers")
    yield from _container_env(res, "template.container")  # azurerm_container_app


@predicate("app_env_secret")
def app_env_secret(res: Resource, params: Params, graph: Graph) -> Outcome:
    """A key of a provider named by ``params.names`` (``OPENAI_API_KEY``, not ``OPENAI_ENDPOINT``)
    written as a literal app setting or environment variable."""
    names = re.compile(str(params["names"]), re.I)
    unknown: Unknown | None = None
    for attr in ("app_settings", "environment_variables", "service_config.environment_variables"):
        if isinstance(res.get(attr), Unresolved):
            unknown = unknown or Unknown(attr)
    for attr, name, value in _app_pairs(res):
        if not names.search(name) or not _CREDENTIAL.search(name):
            continue
        if isinstance(value, Unresolved):
            unknown = unknown or Unknown(attr)
        elif isinstance(value, str) and value.strip() and not _VAULT_REFERENCE.match(value):
            return Fail(attr, f"{name} = {SECRET_SHOWN} (a literal value in the app's configuration)")
    return unknown
