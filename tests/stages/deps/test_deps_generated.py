"""Lockfiles written by the real tools (npm, pnpm, yarn classic and berry, bun, uv, poetry, pdm,
pipenv) for projects with workspaces, aliases, git dependencies, extras, markers, optional, peer
and dev dependencies; each ``expected.json`` holds what the tool itself lists (see its
``generator`` and ``truth`` keys), so the parse is checked against the tool, not against us."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pulsecheck.stages.deps.package import normalize_name
from pulsecheck.stages.deps.parsers import scan

GENERATED = Path(__file__).parent / "fixtures" / "generated"
CASES = sorted(p.name for p in GENERATED.iterdir() if (p / "expected.json").is_file())


def test_every_tool_is_covered() -> None:
    assert len(CASES) >= 15


@pytest.mark.parametrize("case", CASES)
def test_parse_matches_the_tool(case: str) -> None:
    expected = json.loads((GENERATED / case / "expected.json").read_text())
    eco = expected["ecosystem"]
    result = scan(GENERATED / case)
    assert result.problems == expected["problems"]  # only a URL requirement, never a parse error
    got = {(normalize_name(eco, p.name), p.version): p for p in result.packages}
    want = {(normalize_name(eco, n), v): (d, dev) for n, v, d, dev in expected["packages"]}
    extra = {(normalize_name(eco, n), v) for n, v, _ in expected["lockfile_only"]}
    assert set(got) == set(want) | extra
    for key, (direct, dev) in want.items():
        if direct is not None:
            assert got[key].direct is direct, (key, "direct")
        if dev is not None:
            assert got[key].dev is dev, (key, "dev")
    assert sum(1 for d, _ in want.values() if d) >= 3, "each project declares several direct dependencies"
