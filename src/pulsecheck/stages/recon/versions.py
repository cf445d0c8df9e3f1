"""Detected product versions against the dated table of release branches (data/versions.toml)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any


@dataclass(frozen=True, slots=True)
class Verdict:
    rule: str
    """``recon.eol-software`` or ``recon.outdated-software``."""
    product: str
    version: str
    message: str
    source: str


@cache
def table() -> dict[str, Any]:
    text = resources.files("pulsecheck.stages.recon").joinpath("data/versions.toml").read_text("utf-8")
    return tomllib.loads(text)


def as_of() -> date:
    return date.fromisoformat(str(table()["as_of"]))


@cache
def _aliases() -> dict[str, str]:
    return {alias.lower(): name for name, p in table()["products"].items() for alias in p["aliases"]}


def canonical(product: str) -> str | None:
    return _aliases().get(product.strip().lower())


def key(version: str) -> tuple[int, ...]:
    """``9.2p1`` -> (9, 2, 1); ``1.1.1w`` -> (1, 1, 1, 23); ``2.4.57`` -> (2, 4, 57)."""
    out: list[int] = []
    for part in re.findall(r"\d+|[a-z]+", version.lower())[:8]:
        if part.isdigit():
            out.append(int(part))
        elif part == "p":
            continue
        elif len(part) == 1:
            out.append(ord(part) - ord("a"))
        else:
            break
    return tuple(out)


def _in_branch(version: str, branch: str) -> bool:
    v, b = key(version), key(branch)
    return v[:len(b)] == b


def judge(product: str, version: str, today: date) -> Verdict | None:
    """EOL (the version's branch is past its end of life) or outdated (a newer release of its
    branch is in the table), else None (current, or a product or version the table lacks)."""
    name = canonical(product)
    if name is None or not re.match(r"^\d", version or ""):
        return None
    p = table()["products"][name]
    branches = p["branches"]
    if p.get("single_line"):
        latest = max((b["latest"] for b in branches), key=key)
        if key(version) < key(latest):
            return Verdict("recon.outdated-software", name, version,
                           f"{name} {version} is older than {latest}, the latest release (table of {as_of()})",
                           p["source"])
        return None
    branch = next((b for b in branches if _in_branch(version, b["branch"])), None)
    if branch is None:
        oldest = min((b["branch"] for b in branches), key=key)
        if key(version) < key(oldest):
            return Verdict("recon.eol-software", name, version,
                           f"{name} {version} is older than every branch in the table (oldest listed: {oldest}, "
                           "end of life)", p["source"])
        return None
    eol = branch.get("eol")
    if eol is not None and date.fromisoformat(str(eol)) < today:
        return Verdict("recon.eol-software", name, version,
                       f"{name} {branch['branch']} reached end of life on {eol} (no security fixes since); "
                       f"found {version}", p["source"])
    if key(version) < key(branch["latest"]):
        return Verdict("recon.outdated-software", name, version,
                       f"{name} {version} is older than {branch['latest']}, the latest {branch['branch']} release "
                       f"(table of {as_of()})", p["source"])
    return None


_PRODUCTS = re.compile(r"([A-Za-z][A-Za-z0-9.+-]{0,40})[/_ ]v?(\d+(?:\.\d+)+[a-z0-9]*|\d+p\d+)")


def products_in(text: str) -> list[tuple[str, str]]:
    """Every ``name/version`` pair of a banner: ``Apache/2.4.57 (Debian) OpenSSL/1.1.1w PHP/7.4.33``."""
    return [(m.group(1), m.group(2)) for m in _PRODUCTS.finditer(text[:500])]
