"""End-of-life frameworks and runtimes, from the dated table ``data/eol.json`` (offline).

A release line past its end of life gets no more security fixes, so every future advisory
stays open. Packages are matched by release line (``4.2`` for Django, ``18`` for Angular);
runtimes by the version pinned in ``.python-version``/``runtime.txt``/``.nvmrc``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from pulsecheck.model import FileLocation, Finding
from pulsecheck.stages.deps.package import Package
from pulsecheck.stages.deps.rules import EOL_RUNTIME

_VERSION = re.compile(r"(\d+)(?:\.(\d+))?")


@cache
def table() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(resources.files(__package__).joinpath("data/eol.json").read_text("utf-8"))
    return data


def _cycle(version: str, cycles: dict[str, str]) -> tuple[str, str] | None:
    match = _VERSION.search(version)
    if not match:
        return None
    for candidate in (f"{match.group(1)}.{match.group(2)}", match.group(1)):
        if candidate in cycles:
            return candidate, cycles[candidate]
    return None


def _finding(label: str, cycle: str, ended: str, path: str, line: int | None, what: str) -> Finding:
    return Finding.from_rule(
        EOL_RUNTIME, location=FileLocation(path, line, line),
        message=(f"{label} {cycle} ({what}) reached end of life on {ended}: it no longer receives "
                 "security fixes"),
        evidence=f"{label} {cycle}", identity=f"{label}:{cycle}",
        properties={"product": label, "cycle": cycle, "eol": ended, "table_as_of": table()["as_of"]})


def findings(packages: Sequence[Package], root: Path | None = None, today: date | None = None
             ) -> Iterator[Finding]:
    now = today or datetime.now(UTC).date()
    seen: set[tuple[str, str, str]] = set()
    for product in table()["products"].values():
        cycles: dict[str, str] = product["cycles"]
        for pkg in packages:
            if pkg.ecosystem != product.get("ecosystem") or not pkg.version:
                continue
            if not (pkg.key == product["package"] or
                    (product.get("prefix") and pkg.key.startswith(product["package"]))):
                continue
            hit = _cycle(pkg.version, cycles)
            if hit and date.fromisoformat(hit[1]) < now and (product["label"], hit[0], pkg.path) not in seen:
                seen.add((product["label"], hit[0], pkg.path))
                yield _finding(product["label"], hit[0], hit[1], pkg.path, pkg.line, f"{pkg.name} {pkg.version}")
        if root is None:
            continue
        for name in product.get("runtime_files", []):
            file = root / name
            if not file.is_file() or file.stat().st_size > 4096:
                continue
            text = file.read_text(encoding="utf-8", errors="replace").strip()
            hit = _cycle(text.splitlines()[0] if text else "", cycles)
            if hit and date.fromisoformat(hit[1]) < now:
                yield _finding(product["label"], hit[0], hit[1], name, 1, f"pinned in {name}")
