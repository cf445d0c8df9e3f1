"""Kubernetes and docker-compose predicates: pod specs of every workload kind, services."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulsecheck.stages.iac.checks.aws import secret_env
from pulsecheck.stages.iac.checks.registry import Params, predicate
from pulsecheck.stages.iac.checks.values import listify, number, shown, truth
from pulsecheck.stages.iac.graph import Graph
from pulsecheck.stages.iac.model import MISSING, Fail, Outcome, Resource

_POD_PATHS = {"Pod": "spec", "CronJob": "spec.jobTemplate.spec.template.spec"}


def pod_spec(res: Resource) -> tuple[str, Mapping[str, Any]] | None:
    kind = res.type.removeprefix("k8s:")
    path = _POD_PATHS.get(kind, "spec.template.spec")
    spec = res.get(path)
    return (path, spec) if isinstance(spec, Mapping) else None


def containers(res: Resource) -> Iterator[tuple[str, Mapping[str, Any], Mapping[str, Any]]]:
    """(attr path prefix, container, pod securityContext) for containers and init containers."""
    found = pod_spec(res)
    if found is None:
        return
    path, spec = found
    raw = spec.get("securityContext")
    pod_ctx: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    for key in ("initContainers", "containers"):
        for i, c in enumerate(listify(spec.get(key))):
            if isinstance(c, Mapping):
                yield f"{path}.{key}.{i}", c, pod_ctx


def _ctx(container: Mapping[str, Any]) -> Mapping[str, Any]:
    value = container.get("securityContext")
    return value if isinstance(value, Mapping) else {}


@predicate("k8s_container_flag")
def k8s_container_flag(res: Resource, params: Params, graph: Graph) -> Outcome:
    """A securityContext flag (``privileged``) that must not be true; with ``missing = "fail"``
    (``allowPrivilegeEscalation``, true by default) it must be set to false."""
    flag = str(params["flag"])
    for prefix, c, _ in containers(res):
        value = _ctx(c).get(flag, MISSING)
        if truth(value) is True or (value is MISSING and params.get("missing") == "fail"):
            attr = f"{prefix}.securityContext.{flag}" if value is not MISSING else prefix
            return Fail(attr, shown(flag, value))
    return None


@predicate("k8s_run_as_root")
def k8s_run_as_root(res: Resource, params: Params, graph: Graph) -> Outcome:
    """``runAsUser: 0`` in the container or pod securityContext."""
    for prefix, c, pod in containers(res):
        ctx = _ctx(c)
        if "runAsUser" in ctx:
            if number(ctx["runAsUser"]) == 0:
                return Fail(f"{prefix}.securityContext.runAsUser", "runAsUser: 0")
        elif number(pod.get("runAsUser")) == 0:
            found = pod_spec(res)
            return Fail(f"{found[0] if found else 'spec'}.securityContext.runAsUser", "runAsUser: 0")
    return None


@predicate("k8s_non_root_missing")
def k8s_non_root_missing(res: Resource, params: Params, graph: Graph) -> Outcome:
    """Neither ``runAsNonRoot: true`` nor a non-zero ``runAsUser``: the image's user decides."""
    for prefix, c, pod in containers(res):
        ctx = _ctx(c)
        non_root = truth(ctx.get("runAsNonRoot", pod.get("runAsNonRoot"))) is True
        uid = number(ctx.get("runAsUser", pod.get("runAsUser")))
        if not non_root and not (uid is not None and uid > 0):
            return Fail(prefix, f"{c.get('name', 'container')}: runAsNonRoot not set")
    return None


@predicate("k8s_host_namespace")
def k8s_host_namespace(res: Resource, params: Params, graph: Graph) -> Outcome:
    found = pod_spec(res)
    if found is None:
        return None
    path, spec = found
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if truth(spec.get(key)) is True:
            return Fail(f"{path}.{key}", f"{key}: true")
    return None


@predicate("k8s_env_secret")
def k8s_env_secret(res: Resource, params: Params, graph: Graph) -> Outcome:
    def pairs() -> Iterator[tuple[str, str, Any]]:
        for prefix, c, _ in containers(res):
            for i, item in enumerate(listify(c.get("env"))):
                if isinstance(item, Mapping) and "value" in item:
                    yield f"{prefix}.env.{i}.value", str(item.get("name", "")), item.get("value")
    return secret_env(pairs(), params)


@predicate("k8s_image_tag")
def k8s_image_tag(res: Resource, params: Params, graph: Graph) -> Outcome:
    for prefix, c, _ in containers(res):
        image = c.get("image")
        if isinstance(image, str) and mutable_tag(image):
            return Fail(f"{prefix}.image", f"image: {image}")
    return None


def mutable_tag(image: str) -> bool:
    """``latest`` or no tag (and no digest)."""
    if "@" in image or image.startswith("$"):
        return False
    last = image.rsplit("/", 1)[-1]
    return ":" not in last or last.endswith(":latest")


@predicate("k8s_capabilities")
def k8s_capabilities(res: Resource, params: Params, graph: Graph) -> Outcome:
    bad = {s.upper() for s in params.strings("forbidden")}
    for prefix, c, _ in containers(res):
        caps = _ctx(c).get("capabilities")
        added = caps.get("add") if isinstance(caps, Mapping) else None
        for cap in listify(added):
            if str(cap).upper().removeprefix("CAP_") in bad:
                return Fail(f"{prefix}.securityContext.capabilities.add", f"capabilities.add: {cap}")
    return None


@predicate("k8s_datastore_lb")
def k8s_datastore_lb(res: Resource, params: Params, graph: Graph) -> Outcome:
    """A Service of type LoadBalancer (or NodePort) exposing a datastore port."""
    kind = res.get("spec.type")
    if str(kind) not in params.strings("types"):
        return None
    ports = {int(p) for p in params.get("ports", ())}
    for i, p in enumerate(listify(res.get("spec.ports"))):
        if isinstance(p, Mapping):
            n = number(p.get("port"))
            target = number(p.get("targetPort"))
            if (n is not None and int(n) in ports) or (target is not None and int(target) in ports):
                return Fail(f"spec.ports.{i}", f"type: {kind}, port: {p.get('port')}")
    return None


# --- docker-compose --------------------------------------------------------------------------

def _compose_env(res: Resource) -> Iterator[tuple[str, str, Any]]:
    env = res.get("environment")
    if isinstance(env, Mapping):
        for name, value in env.items():
            yield f"environment.{name}", str(name), value
    elif isinstance(env, list):
        for item in env:
            if isinstance(item, str) and "=" in item:
                name, _, value = item.partition("=")
                yield "environment", name, value


@predicate("compose_env_secret")
def compose_env_secret(res: Resource, params: Params, graph: Graph) -> Outcome:
    return secret_env(_compose_env(res), params)


@predicate("compose_public_port")
def compose_public_port(res: Resource, params: Params, graph: Graph) -> Outcome:
    """A datastore port published on every interface (``"5432:5432"``, not ``"127.0.0.1:5432:5432"``)."""
    ports = {int(p) for p in params.get("ports", ())}
    for item in listify(res.get("ports")):
        spec = str(item.get("target", "")) if isinstance(item, Mapping) else str(item)
        if isinstance(item, Mapping):
            host_ip = str(item.get("host_ip", "0.0.0.0"))  # noqa: S104 - a value read, not a bind
            published = item.get("published")
        else:
            parts = spec.split(":")
            if len(parts) < 2:
                continue
            host_ip = parts[0] if len(parts) >= 3 else "0.0.0.0"  # noqa: S104
            published, spec = parts[-2], parts[-1]
        target = number(spec.split("/")[0])
        if published is None or target is None or int(target) not in ports:
            continue
        if host_ip in ("0.0.0.0", "", "::", "[::]"):  # noqa: S104
            return Fail("ports", f"ports: {item}")
    return None
