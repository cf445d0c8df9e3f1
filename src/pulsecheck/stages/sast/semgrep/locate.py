"""Where the isolated Semgrep CE lives.

Semgrep's exact pins (click, mcp, OpenTelemetry, jsonschema...) clash with our own stack, so it
never shares pulsecheck's environment: ``scripts/bootstrap.sh`` builds ``.tools/semgrep/`` from
``tools/semgrep/requirements.txt`` (hash-locked). Looked up in this order:

1. ``PULSECHECK_SEMGREP``: the path of a ``semgrep`` executable;
2. ``<project>/.tools/semgrep/bin/semgrep`` next to this installation (a source checkout);
3. ``$XDG_CACHE_HOME/pulsecheck/semgrep/bin/semgrep`` (``~/.cache``), for installed copies.

Nothing on ``PATH`` is used: another Semgrep version would run our rules differently.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ENV_VAR = "PULSECHECK_SEMGREP"
LOCK_STAMP = ".pulsecheck-lock.sha256"
"""File in the environment holding the sha256 of the requirements.txt it was built from."""


@dataclass(frozen=True)
class Located:
    """The executable found (None when none) and, either way, where we looked."""

    executable: Path | None
    searched: tuple[str, ...]

    @property
    def reason(self) -> str:
        return "" if self.executable else (
            "Semgrep CE not installed (run scripts/bootstrap.sh, or set PULSECHECK_SEMGREP); looked in "
            + ", ".join(self.searched))


def project_root() -> Path:
    """The source checkout this package runs from (``<root>/src/pulsecheck/...``)."""
    return Path(__file__).resolve().parents[5]


def _usable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def candidates(env: Mapping[str, str] | None = None) -> list[Path]:
    env = os.environ if env is None else env
    out: list[Path] = []
    if env.get(ENV_VAR):
        out.append(Path(env[ENV_VAR]).expanduser())
    out.append(project_root() / ".tools" / "semgrep" / "bin" / "semgrep")
    cache = Path(env["XDG_CACHE_HOME"]) if env.get("XDG_CACHE_HOME") else Path.home() / ".cache"
    out.append(cache / "pulsecheck" / "semgrep" / "bin" / "semgrep")
    return out


def locate(env: Mapping[str, str] | None = None) -> Located:
    """The first usable candidate; an explicit ``PULSECHECK_SEMGREP`` that is not usable is an
    answer too (no fallback: the user asked for that one)."""
    env = os.environ if env is None else env
    found = candidates(env)
    if env.get(ENV_VAR):
        first = found[0]
        return Located(first if _usable(first) else None, (f"{ENV_VAR}={first}",))
    for path in found:
        if _usable(path):
            return Located(path, tuple(str(p) for p in found))
    return Located(None, tuple(str(p) for p in found))
