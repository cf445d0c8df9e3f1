"""Dockerfile predicates over the parsed instruction list (only the final stage's USER counts)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from pulsecheck.stages.iac.checks.aws import secret_env
from pulsecheck.stages.iac.checks.kubernetes import mutable_tag
from pulsecheck.stages.iac.checks.registry import Params, predicate
from pulsecheck.stages.iac.graph import Graph
from pulsecheck.stages.iac.model import Fail, Outcome, Resource

_PIPE_SHELL = re.compile(r"\b(?:curl|wget)\b[^|;&]*\|\s*(?:sudo\s+)?(?:ba|z|da)?sh\b")
_SECRET_FILE = re.compile(r"(?:^|[\s/])(?:\.env(?:\.[\w.-]+)?|id_rsa|id_ed25519|[\w.-]+\.pem|[\w.-]+\.key|\.npmrc|\.pypirc|credentials(?:\.json)?)(?=\s|$)")


def _steps(res: Resource) -> list[Mapping[str, Any]]:
    steps = res.get("instructions")
    return [s for s in steps if isinstance(s, Mapping)] if isinstance(steps, list) else []


def _fail_at(step: Mapping[str, Any], evidence: str) -> Fail:
    return Fail(f"@{step['line']}", evidence)


@predicate("docker_root")
def docker_root(res: Resource, params: Params, graph: Graph) -> Outcome:
    """The final stage has no USER, or its last USER is root / 0."""
    steps = _steps(res)
    last_from = max((i for i, s in enumerate(steps) if s["cmd"] == "FROM"), default=None)
    if last_from is None:
        return None
    users = [s for s in steps[last_from:] if s["cmd"] == "USER"]
    if not users:
        return _fail_at(steps[last_from], "no USER instruction: the container runs as root")
    user = str(users[-1]["args"]).split(":")[0].strip()
    if user in ("root", "0"):
        return _fail_at(users[-1], f"USER {users[-1]['args']}")
    return None


@predicate("docker_mutable_tag")
def docker_mutable_tag(res: Resource, params: Params, graph: Graph) -> Outcome:
    stages: set[str] = set()
    for s in _steps(res):
        if s["cmd"] != "FROM":
            continue
        words = [w for w in str(s["args"]).split() if not w.startswith("--")]
        if not words:
            continue
        image = words[0]
        if len(words) >= 3 and words[1].lower() == "as":
            stages.add(words[2].lower())
        if image.lower() in stages or image == "scratch":
            continue
        if mutable_tag(image):
            return _fail_at(s, f"FROM {image}")
    return None


@predicate("docker_pipe_shell")
def docker_pipe_shell(res: Resource, params: Params, graph: Graph) -> Outcome:
    for s in _steps(res):
        if s["cmd"] == "RUN" and _PIPE_SHELL.search(str(s["args"])):
            return _fail_at(s, "RUN ... | sh (a downloaded script run unverified)")
    return None


def _env_pairs(res: Resource) -> Iterator[tuple[str, str, Any]]:
    for s in _steps(res):
        if s["cmd"] not in ("ENV", "ARG"):
            continue
        args = str(s["args"])
        pairs = re.findall(r'([A-Za-z_][\w]*)=("[^"]*"|\'[^\']*\'|\S*)', args)
        if not pairs and " " in args:
            name, _, value = args.partition(" ")
            pairs = [(name, value)]
        for name, value in pairs:
            yield f"@{s['line']}", name, value.strip("\"'")


@predicate("docker_env_secret")
def docker_env_secret(res: Resource, params: Params, graph: Graph) -> Outcome:
    return secret_env(_env_pairs(res), params)


@predicate("docker_copy_secret")
def docker_copy_secret(res: Resource, params: Params, graph: Graph) -> Outcome:
    for s in _steps(res):
        if s["cmd"] in ("COPY", "ADD"):
            sources = [w for w in str(s["args"]).split() if not w.startswith("--")][:-1]
            for src in sources:
                if _SECRET_FILE.search(f" {src} "):
                    return _fail_at(s, f"{s['cmd']} {src}")
    return None
