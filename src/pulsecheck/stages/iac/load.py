"""Reads the IaC files of the audit's file index into resources; one bad file is one note."""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml

from pulsecheck.safeyaml import YamlLimitError
from pulsecheck.sources.tree import FileEntry, FileIndex
from pulsecheck.stages.iac.model import Resource
from pulsecheck.stages.iac.parsers import cloudformation, dockerfile, kubernetes, plan, serverless, terraform
from pulsecheck.stages.iac.parsers.tfexpr import HclFiles
from pulsecheck.stages.iac.parsers.yamldocs import load_docs
from pulsecheck.textsafe import one_line

MAX_HCL_BYTES = 5_000_000
MAX_DOC_BYTES = 64_000_000


@dataclass
class Inventory:
    resources: list[Resource] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    environments: dict[str, str] = field(default_factory=dict)
    tfvars: dict[str, dict[str, Any]] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    """tfvars path -> text (to place a separation finding on its line)."""
    hcl_parses: int = 0
    """python-hcl2 calls for files (one per distinct text) ..."""
    expression_parses: int = 0
    """... and for literals inside expressions (one per distinct literal): the work done."""


def _problem(note: Callable[[str], None], path: str, what: str, exc: BaseException) -> None:
    note(f"{path}: {what}, skipped ({type(exc).__name__}: {one_line(str(exc))[:160]})")


def load(tree: FileIndex, note: Callable[[str], None], include_vendored: bool = False) -> Inventory:
    inv = Inventory()
    modules: dict[str, terraform.TfModule] = {}
    hcl = HclFiles()
    for entry in tree.files(kinds=("text",), max_bytes=MAX_DOC_BYTES, include_vendored=include_vendored):
        name = entry.name.lower()
        if name.endswith((".tf", ".tfvars", ".tf.json", ".tfvars.json")):
            _terraform(tree, entry, modules, hcl, note, inv)
        elif dockerfile.NAME.search(entry.name):
            text = tree.text(entry)
            if text is not None:
                found = dockerfile.dockerfile(entry.path, text)
                inv.resources.extend(found)
                inv.files.extend([entry.path] if found else [])
        elif name.endswith((".yaml", ".yml", ".template", ".json")):
            _document(tree, entry, note, inv)
    if modules:
        project = terraform.expand_project(modules, note)
        inv.resources.extend(project.resources)
        inv.environments.update(project.environments)
        inv.tfvars = {p: v for m in modules.values() for p, v in m.tfvars.items()}
        inv.expression_parses = project.expression_parses
    inv.hcl_parses = hcl.parses
    return inv


def _terraform(tree: FileIndex, entry: FileEntry, modules: dict[str, terraform.TfModule], hcl: HclFiles,
               note: Callable[[str], None], inv: Inventory) -> None:
    if entry.size > MAX_HCL_BYTES:
        note(f"{entry.path}: larger than {MAX_HCL_BYTES} bytes, not parsed")
        return
    text = tree.text(entry)
    if text is None:
        return
    module = modules.setdefault(posixpath.dirname(entry.path), terraform.TfModule(posixpath.dirname(entry.path)))
    try:
        lower = entry.name.lower()
        if lower.endswith(".tfvars.json"):
            values = json.loads(text)
            module.tfvars[entry.path] = dict(values) if isinstance(values, dict) else {}
            inv.texts[entry.path] = text
        elif lower.endswith(".tfvars"):
            module.tfvars[entry.path] = {k: v for k, v in hcl.parse(text).items() if not k.startswith("__")}
            inv.texts[entry.path] = text
        elif lower.endswith(".tf.json"):
            module.files.append(terraform.load_json_file(entry.path, text))
        else:
            module.files.append(terraform.load_file(entry.path, text, hcl))
    except Exception as exc:  # noqa: BLE001 - any parser error is this file's problem only
        _problem(note, entry.path, "invalid JSON" if entry.name.lower().endswith(".json") else "invalid HCL", exc)
        return
    inv.files.append(entry.path)


_JSON_CFN = re.compile(r'"AWSTemplateFormatVersion"|"Type"\s*:\s*"AWS::')


def _document(tree: FileIndex, entry: FileEntry, note: Callable[[str], None], inv: Inventory) -> None:
    text = tree.text(entry)
    if not text:
        return
    head = text[:65536]
    is_json = entry.name.lower().endswith(".json")
    compose = kubernetes.COMPOSE_NAME.match(entry.name) is not None
    sls = serverless.NAME.match(entry.name) is not None
    if is_json:
        if not (plan.SNIFF.search(head) or _JSON_CFN.search(head)):
            return
    elif not (compose or sls or cloudformation.SNIFF.search(head) or kubernetes.SNIFF.search(head)):
        return
    try:
        docs = [json.loads(text)] if is_json else load_docs(text)
    except (ValueError, yaml.YAMLError, YamlLimitError, RecursionError) as exc:
        what = "refused by the YAML limits" if isinstance(exc, YamlLimitError) else "invalid " + ("JSON" if is_json else "YAML")
        _problem(note, entry.path, what, exc)
        return
    found: list[Resource] = []
    if is_json and plan.SNIFF.search(head):
        found = plan.resources(entry.path, docs[0], text)
    elif compose:
        found = kubernetes.compose(entry.path, docs[0] if docs else None, text)
    elif sls:
        found = serverless.resources(entry.path, docs[0] if docs else None, text)
    elif any(isinstance(d, dict) and "Resources" in d for d in docs):
        found = cloudformation.resources(entry.path, docs[0], text)
    else:
        found = kubernetes.manifests(entry.path, docs, text)
    if found:
        inv.resources.extend(found)
        inv.files.append(entry.path)
