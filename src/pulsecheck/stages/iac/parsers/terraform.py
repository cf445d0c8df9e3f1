"""Terraform HCL2: modules (one directory each), variables, tfvars, locals, local modules.

A directory of ``.tf`` files is a module. Root modules are the directories no other directory
calls through a local ``source = "./modules/x"``; each call is expanded with its literal inputs
(resource addresses get the ``module.<name>.`` prefix, as Terraform writes them) and a call that
leads back into a module already being expanded is a cycle: visited once, noted. Variables take
``terraform.tfvars`` / ``*.auto.tfvars`` first, then a value that every other ``*.tfvars`` file of
the directory agrees on, then the default; none of those is :class:`Unresolved`.

The work is linear in (distinct files + module instances x resources): each distinct text is
parsed once (:class:`HclFiles`), a literal inside an expression once per project
(:class:`Literals`), and past :data:`MAX_MODULE_INSTANCES` instances the rest are a note.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pulsecheck.stages.iac.locate import Style, attribute_lines
from pulsecheck.stages.iac.model import Resource, Unresolved
from pulsecheck.stages.iac.parsers.tfexpr import HclFiles, Literals, Scope

MAX_MODULE_DEPTH = 16
MAX_MODULE_INSTANCES = 2000
"""Module instances expanded per project: a tree of local modules that call each other several
times a level grows exponentially with depth; past this many the rest are noted, not expanded."""
_TOP_BLOCK = re.compile(r'^(resource|data|module|variable|locals|output|provider|terraform|moved|import|check)\b')
_RESOURCE_LINE = re.compile(r'^resource\s+"?([\w-]+)"?\s+"?([\w-]+)"?')
_MODULE_LINE = re.compile(r'^module\s+"?([\w-]+)"?')


@dataclass
class TfFile:
    path: str
    lines: list[str]
    data: dict[str, Any]
    resource_lines: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)
    """(type, name) -> (0-based first line, 0-based end exclusive)."""
    module_lines: dict[str, int] = field(default_factory=dict)
    style: Style = "hcl"
    """``yaml`` for ``.tf.json`` (its ``"key": value`` lines are found the way YAML keys are)."""


@dataclass
class TfModule:
    dir: str
    files: list[TfFile] = field(default_factory=list)
    tfvars: dict[str, dict[str, Any]] = field(default_factory=dict)
    """tfvars file path -> its values."""


@dataclass
class TfProject:
    resources: list[Resource] = field(default_factory=list)
    environments: dict[str, str] = field(default_factory=dict)
    """Environment names seen (tfvars file stems, ``Environment`` tags...) -> where."""
    instances: int = 0
    """Module instances expanded (roots included)."""
    expression_parses: int = 0
    """python-hcl2 calls made for literals inside expressions (once per distinct text)."""


def _blocks(lines: list[str], tf: TfFile) -> None:
    """Where each top-level block starts and ends (one pass)."""
    starts = [i for i, line in enumerate(lines) if _TOP_BLOCK.match(line)]
    for n, i in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        m = _RESOURCE_LINE.match(lines[i])
        if m:
            tf.resource_lines.setdefault((m.group(1), m.group(2)), (i, end))
        m = _MODULE_LINE.match(lines[i])
        if m:
            tf.module_lines.setdefault(m.group(1), i)


def load_file(path: str, text: str, hcl: HclFiles | None = None) -> TfFile:
    """One ``.tf`` file parsed (raises on invalid HCL); ``hcl`` shares parses of identical texts."""
    lines = text.splitlines()
    tf = TfFile(path, lines, (hcl or HclFiles()).parse(text))
    _blocks(lines, tf)
    return tf


def load_json_file(path: str, text: str) -> TfFile:
    """One ``.tf.json`` file (raises on invalid JSON): the same blocks as HCL, in the shape
    python-hcl2 gives (each top-level block type a list), so the expander reads both alike.
    ``"${var.x}"`` strings are the expressions HCL's serializer writes too."""
    raw = json.loads(text)
    if not isinstance(raw, dict):
        raise ValueError("a Terraform JSON file is an object")
    data = {k: v if isinstance(v, list) else [v] for k, v in raw.items()}
    lines = text.splitlines()
    tf = TfFile(path, lines, data, style="yaml")
    shape = {"resource": {t: dict(named) for block in data.get("resource", []) if isinstance(block, dict)
                          for t, named in block.items() if isinstance(named, dict)}}
    found = attribute_lines(lines, 0, len(lines), {"resource": {t: {n: {} for n in named}
                                                                 for t, named in shape["resource"].items()}}, "yaml")
    starts = sorted((line - 1, tuple(key.split(".")[1:3])) for key, line in found.items() if key.count(".") == 2)
    for n, (start, (rtype, name)) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else len(lines)
        tf.resource_lines.setdefault((rtype, name), (start, end))
    return tf


def _items(blocks: Any) -> Iterable[tuple[str, Any]]:
    """``[{"name": {...}}, ...]`` (python-hcl2's shape for labelled blocks) as pairs."""
    for block in blocks if isinstance(blocks, list) else [blocks]:
        if isinstance(block, dict):
            for key, value in block.items():
                if not key.startswith("__"):
                    yield key, value


def _defaults(module: TfModule) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for tf in module.files:
        for name, body in _items(tf.data.get("variable", [])):
            if isinstance(body, dict) and "default" in body:
                out[name] = body["default"]
    return out


def _tfvars_values(module: TfModule) -> dict[str, Any]:
    auto = {p: v for p, v in module.tfvars.items()
            if p.endswith("/terraform.tfvars") or p == "terraform.tfvars" or p.endswith(".auto.tfvars")}
    named = [v for p, v in module.tfvars.items() if p not in auto]
    out: dict[str, Any] = {}
    for values in named:
        for key, value in values.items():
            if all(key in other and other[key] == value for other in named):
                out[key] = value
            elif key not in out:
                out[key] = Unresolved(f"var.{key} (differs between tfvars files)")
    for values in auto.values():
        out.update(values)
    return out


class _Expander:
    def __init__(self, modules: dict[str, TfModule], note: Callable[[str], None]) -> None:
        self.modules = modules
        self.note = note
        self.resources: list[Resource] = []
        self.expanded: set[str] = set()
        self.literals = Literals()
        self.instances = 0
        self.capped = False

    def expand(self, dir_: str, inputs: dict[str, Any] | None, prefix: str, stack: tuple[str, ...]) -> None:
        module = self.modules.get(dir_)
        if module is None:
            return
        self.expanded.add(dir_)
        self.instances += 1
        variables: dict[str, Any] = {**_defaults(module)}
        declared = {name for tf in module.files for name, _ in _items(tf.data.get("variable", []))}
        if inputs is None:
            variables.update({k: v for k, v in _tfvars_values(module).items() if k in declared or not declared})
        else:
            variables.update(inputs)
        for name in declared:
            variables.setdefault(name, Unresolved(f"var.{name}"))
        locals_: dict[str, Any] = {}
        for tf in module.files:
            for block in tf.data.get("locals", []):
                if isinstance(block, dict):
                    locals_.update({k: v for k, v in block.items() if not k.startswith("__")})
        scope = Scope(variables, locals_, self.literals)
        for tf in module.files:
            self._resources(tf, scope, prefix)
            self._calls(tf, scope, dir_, prefix, stack)

    def _resources(self, tf: TfFile, scope: Scope, prefix: str) -> None:
        for block in tf.data.get("resource", []):
            for rtype, named in _items(block):
                for name, body in _items(named):
                    if not isinstance(body, dict):
                        continue
                    self._resource(tf, scope, prefix, rtype, name, body)

    def _resource(self, tf: TfFile, scope: Scope, prefix: str, rtype: str, name: str, body: dict[str, Any]) -> None:
        count = scope.resolve(body.get("count", 1))
        if count == 0:
            return
        attrs = scope.resolve({k: v for k, v in body.items() if k not in ("count", "for_each", "lifecycle",
                                                                             "depends_on", "provider")})
        start, end = tf.resource_lines.get((rtype, name), (0, len(tf.lines)))
        lines = attribute_lines(tf.lines, start + (tf.style == "yaml"), end, attrs, tf.style) if tf.lines else {}
        many = "for_each" in body or (count != 1)
        self.resources.append(Resource(
            type=rtype, address=f"{prefix}{rtype}.{name}", path=tf.path, line=start + 1, end_line=end,
            attrs=attrs, format="terraform", lines=lines, many=many, module=prefix.rstrip(".")))

    def _calls(self, tf: TfFile, scope: Scope, dir_: str, prefix: str, stack: tuple[str, ...]) -> None:
        for name, body in _items(tf.data.get("module", [])):
            if not isinstance(body, dict):
                continue
            source = body.get("source")
            if not isinstance(source, str) or not source.startswith(("./", "../")):
                continue  # registry and git modules are not fetched: their resources are not scanned
            target = local_target(dir_, source)
            if target in stack or target == dir_:
                self.note(f"{tf.path}: module {name} ({source}) calls back into a module being expanded "
                          "(a module cycle): visited once")
                continue
            if len(stack) >= MAX_MODULE_DEPTH:
                self.note(f"{tf.path}: module {name} nested deeper than {MAX_MODULE_DEPTH} levels: not expanded")
                continue
            if self.instances >= MAX_MODULE_INSTANCES:
                if not self.capped:
                    self.capped = True
                    self.note(f"{tf.path}: module {name}: more than {MAX_MODULE_INSTANCES} local module instances "
                              "in this project, the rest are not expanded")
                continue
            inputs = {k: scope.resolve(v) for k, v in body.items()
                      if k not in ("source", "version", "count", "for_each", "providers", "depends_on")
                      and not k.startswith("__")}
            self.expand(target, inputs, f"{prefix}module.{name}.", (*stack, dir_))


def local_target(dir_: str, source: str) -> str:
    """The module directory a local ``source`` names, spelled as the module keys are: the
    scanned root is ``""`` (``examples/x`` calling ``../../`` is the root module, not ``"."``)."""
    target = posixpath.normpath(posixpath.join(dir_, source))
    return "" if target == "." else target


def called_dirs(modules: dict[str, TfModule]) -> set[str]:
    """Directories some other directory calls as a local module."""
    called: set[str] = set()
    for dir_, module in modules.items():
        for tf in module.files:
            for _, body in _items(tf.data.get("module", [])):
                source = body.get("source") if isinstance(body, dict) else None
                if isinstance(source, str) and source.startswith(("./", "../")):
                    target = local_target(dir_, source)
                    if target != dir_:
                        called.add(target)
    return called


def expand_project(modules: dict[str, TfModule], note: Callable[[str], None]) -> TfProject:
    """Every resource of every root module, local modules expanded."""
    expander = _Expander(modules, note)
    called = called_dirs(modules)
    for dir_ in sorted(modules):
        if dir_ not in called:
            expander.expand(dir_, None, "", ())
    for dir_ in sorted(modules):  # modules only reachable through a cycle
        if dir_ not in expander.expanded:
            expander.expand(dir_, None, "", ())
    project = TfProject(expander.resources, instances=expander.instances,
                        expression_parses=expander.literals.parses)
    for module in modules.values():
        for path in module.tfvars:
            stem = posixpath.basename(path).split(".")[0]
            if stem not in ("terraform",):
                project.environments.setdefault(stem, path)
    return project
