"""The labelled suite: every Python rule has vulnerable files (``# VULN`` on each line a
finding of the rule must point at) and safe near-misses (sanitized, parameterised, constant
inputs, dead branches, values overwritten before use, helpers returning constants, helpers in
another module) that must not be flagged by that rule."""

from __future__ import annotations

import pytest

from pulsecheck.stages.sast.catalog import python_rules

from .conftest import FIXTURES, engine_hits

CLASSES = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())


def test_every_python_rule_has_a_labelled_class_with_three_vulnerable_and_three_safe_files() -> None:
    ids = {r.id for r in python_rules()}
    assert {f"sast.{c}" for c in CLASSES} == ids
    for c in CLASSES:
        names = [p.name for p in (FIXTURES / c).glob("*.py")]
        assert sum(n.startswith("vuln") for n in names) >= 3, c
        assert sum(n.startswith("safe") for n in names) >= 3, c


@pytest.mark.parametrize("klass", CLASSES)
def test_rule_finds_every_vulnerable_line_and_no_safe_variant(klass: str) -> None:
    root = FIXTURES / klass
    hits, notes = engine_hits(root)
    assert not [n for n in notes if "not parsed" in n]
    rule = f"sast.{klass}"
    found: dict[str, set[int]] = {}
    for h in hits:
        if h.rule.id == rule:
            found.setdefault(h.path, set()).add(h.line)
    vuln = sorted(p for p in root.glob("vuln*.py"))
    safe = sorted(p for p in root.glob("safe*.py"))
    missed, flagged = [], []
    for p in vuln:
        want = {i for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if "# VULN" in line}
        assert want, f"{p.name} has no # VULN line"
        missed += [f"{p.name}:{n}" for n in sorted(want - found.get(p.name, set()))]
    for p in safe:
        flagged += [f"{p.name}:{n}" for n in sorted(found.get(p.name, set()))]
    tpr = 1 - len(missed) / max(1, len(vuln))
    fpr = len(flagged) / max(1, len(safe))
    assert not missed and not flagged, (missed, flagged)
    assert tpr >= 0.9 and fpr <= 0.1


def test_findings_carry_the_flow_from_the_request_to_the_sink() -> None:
    hits, _ = engine_hits(FIXTURES / "python-sql-injection")
    (hit,) = [h for h in hits if h.path == "vuln_3.py" and h.rule.id == "sast.python-sql-injection"]
    steps = [(s.path, s.line) for s in hit.trace]
    assert steps[0] in {("vuln_3.py", 8), ("vuln_3.py", 9)}  # request.form[...]
    assert ("helpers.py", 2) in steps                        # through the helper of the other module
    assert steps[-1] == ("vuln_3.py", 12)                    # the sink
