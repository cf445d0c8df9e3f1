"""go.mod: ``require`` (direct unless ``// indirect``), ``replace`` (fork or local path), and the
``toolchain`` directive as the ``stdlib`` package (the exact Go release that builds the module)."""

from __future__ import annotations

import re

from pulsecheck.stages.deps.package import Package
from pulsecheck.stages.deps.parsers.common import LockfileError

_DIRECTIVE = re.compile(r"^(module|go|toolchain|require|replace|exclude|retract|godebug|tool|ignore)\b")


def _entries(text: str) -> list[tuple[str, int, str]]:
    """(directive, line, body) for every one-line and block-form entry."""
    out: list[tuple[str, int, str]] = []
    block: str | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("//"):
            continue
        if block:
            if line.startswith(")"):
                block = None
            else:
                out.append((block, number, line))
            continue
        match = _DIRECTIVE.match(line)
        if not match:
            raise LockfileError(f"line {number}: unknown directive")
        rest = line[match.end():].strip()
        if rest.startswith("("):
            block = match.group(1)
        else:
            out.append((match.group(1), number, rest))
    return out


def parse_go_mod(text: str, rel: str) -> list[Package]:
    requires: list[tuple[str, str, int, bool]] = []
    replaces: dict[tuple[str, str | None], tuple[str, str | None]] = {}
    toolchain: tuple[str, int] | None = None
    for directive, number, body in _entries(text):
        code, _, comment = body.partition("//")
        fields = code.split()
        if directive == "require" and len(fields) >= 2:
            requires.append((fields[0].strip('"'), fields[1], number, "indirect" not in comment))
        elif directive == "replace" and "=>" in code:
            left, right = (part.split() for part in code.split("=>", 1))
            if left and right:
                replaces[(left[0], left[1] if len(left) > 1 else None)] = (
                    right[0], right[1] if len(right) > 1 else None)
        elif directive == "toolchain" and fields:
            toolchain = (fields[0], number)
    out = []
    for module, version, number, direct in requires:
        target = replaces.get((module, version)) or replaces.get((module, None))
        if target is not None:
            new_path, new_version = target
            if new_version is None:
                continue  # replaced by a local directory: nothing published to check
            module, version = new_path, new_version
        out.append(Package("Go", module, version, rel, number, direct=direct))
    if toolchain and toolchain[0].startswith("go"):
        release = toolchain[0][2:].split("+", 1)[0].split("-", 1)[0]
        if release:
            out.append(Package("Go", "stdlib", release, rel, toolchain[1], direct=True))
    return out
