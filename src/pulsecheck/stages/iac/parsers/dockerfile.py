"""Dockerfiles (and Containerfiles) as one resource each: the instructions with their lines,
continuations joined, comments and parser directives dropped. Nothing is built or run."""

from __future__ import annotations

import re

from pulsecheck.stages.iac.model import Resource

NAME = re.compile(r"^(?:dockerfile|containerfile)(?:[.-][\w.-]+)?$|\.dockerfile$", re.I)
MAX_INSTRUCTIONS = 10_000


def instructions(text: str) -> list[dict[str, object]]:
    """``[{"line": 3, "cmd": "RUN", "args": "pip install ..."}]`` in file order."""
    out: list[dict[str, object]] = []
    pending: list[str] = []
    first = 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if pending and line.lstrip().startswith("#"):
            continue
        if not pending:
            first = number
        if line.endswith("\\"):
            pending.append(line[:-1])
            continue
        pending.append(line)
        joined = " ".join(p.strip() for p in pending)
        pending = []
        cmd, _, args = joined.partition(" ")
        out.append({"line": first, "cmd": cmd.upper(), "args": args.strip()})
        if len(out) >= MAX_INSTRUCTIONS:
            break
    return out


def dockerfile(path: str, text: str) -> list[Resource]:
    steps = instructions(text)
    if not any(s["cmd"] == "FROM" for s in steps):
        return []
    return [Resource(type="dockerfile", address=path, path=path, line=1, attrs={"instructions": steps},
                     format="dockerfile")]
