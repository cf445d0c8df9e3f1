"""Helpers of the SAST tests: run the Python engine on a directory the way the stage does."""

from __future__ import annotations

from pathlib import Path

from pulsecheck.knowledge import DataMap
from pulsecheck.stages.sast.catalog import python_rules
from pulsecheck.stages.sast.python.engine import Hit, analyse
from pulsecheck.stages.sast.stage import parse_text

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "sast" / "python"


def engine_hits(root: Path, data_map: DataMap | None = None) -> tuple[list[Hit], list[str]]:
    notes: list[str] = []
    modules = []
    for f in sorted(root.rglob("*.py")):
        rel = f.relative_to(root).as_posix()
        mod, reason = parse_text(rel, f.read_text(encoding="utf-8"))
        if mod is None:
            notes.append(f"{rel}: not parsed: {reason}")
            continue
        modules.append(mod)
    hits, _ = analyse(modules, python_rules(), data_map, (), notes.append)
    return hits, notes
