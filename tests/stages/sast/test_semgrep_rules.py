"""Our Semgrep rule pack on its labelled fixtures: every vulnerable file is found at its `VULN`
line, no safe near-miss is flagged, per class TPR >= 0.9 and FPR <= 0.1.

One real Semgrep run over the whole fixture tree (module-scoped), through ``run_semgrep`` as the
SAST stage calls it.
"""

from __future__ import annotations

import os
import re
import threading
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

from pulsecheck.model import FileLocation, Finding, Targets
from pulsecheck.observer import Observer
from pulsecheck.runtime import Runtime
from pulsecheck.settings import Settings
from pulsecheck.sources.workspace import open_workspace
from pulsecheck.stages.interface import Recorder, StageContext
from pulsecheck.stages.sast.semgrep import SemgrepRun, run_semgrep, semgrep_rules
from pulsecheck.stages.sast.semgrep.locate import locate
from pulsecheck.stages.sast.semgrep.rules import by_pulsecheck_id, pack

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "sast"
LANGS = {"javascript": "sast.js.", "typescript": "sast.js.", "java": "sast.java.", "go": "sast.go."}
VULN_MARK = re.compile(r"(//|#)\s*VULN\b")


def require_semgrep() -> None:
    """Under CI (which runs scripts/bootstrap.sh) a missing Semgrep is a failure, elsewhere a skip."""
    found = locate()
    if found.executable is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI: {found.reason}")
        pytest.skip(found.reason)


def fixture_files() -> list[str]:
    return sorted(str(p.relative_to(FIXTURES)) for lang in LANGS for p in (FIXTURES / lang).rglob("*") if p.is_file())


def rule_of(rel: str) -> str:
    lang, short, _ = rel.split("/")
    return LANGS[lang] + short


def vuln_lines(rel: str) -> set[int]:
    text = (FIXTURES / rel).read_text(encoding="utf-8")
    return {i for i, line in enumerate(text.splitlines(), 1) if VULN_MARK.search(line)}


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory) -> SemgrepRun:
    require_semgrep()
    scratch = tmp_path_factory.mktemp("semgrep-scratch")
    runtime = Runtime()
    workspace = open_workspace(FIXTURES, (), scratch / "ws", runtime)
    ctx = StageContext(stage="sast", targets=Targets(path=str(FIXTURES)), settings=Settings(), observer=Observer(),
                       scratch_dir=scratch, runtime=runtime.for_stage("sast", scratch, threading.Event()),
                       workspace=workspace, record=Recorder(Observer()))
    run = run_semgrep(ctx, fixture_files())
    assert run.available, run.reason
    assert not run.reason, run.reason
    return run


def by_file(run: SemgrepRun) -> dict[str, list[Finding]]:
    out: dict[str, list[Finding]] = defaultdict(list)
    for f in run.findings:
        assert isinstance(f.location, FileLocation)
        out[f.location.path].append(f)
    return out


def scores(run: SemgrepRun) -> dict[str, tuple[int, int, int, int]]:
    """CWE -> (true positives, vulnerable files, false positives, safe files)."""
    found = by_file(run)
    acc: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for rel in fixture_files():
        cwe = by_pulsecheck_id()[rule_of(rel)].rule.cwe[0]
        hits = [f for f in found.get(rel, []) if cwe in f.cwe]
        s = acc[cwe]
        if rel.rsplit("/", 1)[1].startswith("vuln"):
            s[1] += 1
            s[0] += any(f.location.line in vuln_lines(rel) for f in hits if isinstance(f.location, FileLocation))
        else:
            s[3] += 1
            s[2] += bool(hits)
    return {k: (v[0], v[1], v[2], v[3]) for k, v in sorted(acc.items())}


def table(run: SemgrepRun) -> str:
    return "\n".join(f"{cwe:9} TPR {tp}/{p} = {tp / p:.2f}  FPR {fp}/{n} = {fp / n:.2f}"
                     for cwe, (tp, p, fp, n) in scores(run).items())


def _params() -> Iterator[str]:
    yield from fixture_files()


def test_every_fixture_directory_names_a_rule_of_the_pack_with_three_and_three() -> None:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for rel in fixture_files():
        assert rule_of(rel) in by_pulsecheck_id(), f"{rel}: no rule {rule_of(rel)}"
        counts[rule_of(rel)][0 if rel.rsplit("/", 1)[1].startswith("vuln") else 1] += 1
        if rel.rsplit("/", 1)[1].startswith("vuln"):
            assert vuln_lines(rel), f"{rel}: no VULN line"
    untested = sorted(set(by_pulsecheck_id()) - set(counts))
    assert not untested, f"rules without fixtures: {untested}"
    thin = {r: c for r, c in counts.items() if c[0] < 3 or c[1] < 3}
    assert not thin, f"rules with fewer than 3 vulnerable + 3 safe fixtures: {thin}"


def test_pack_metadata_is_complete_and_python_is_left_to_the_python_engine() -> None:
    rules = semgrep_rules()
    assert 40 <= len(rules) <= 80
    for pr in pack():
        r = pr.rule
        assert r.id.startswith(("sast.js.", "sast.java.", "sast.go.")) and r.stage == "sast"
        assert r.cwe and all(re.fullmatch(r"CWE-\d+", c) for c in r.cwe), r.id
        assert r.owasp and r.remediation and r.title, r.id
        assert set(pr.languages) <= {"javascript", "typescript", "java", "go"}, r.id
        assert not (set(pr.languages) & {"python", "py"}), r.id


@pytest.mark.parametrize("rel", list(_params()))
def test_fixture(scan: SemgrepRun, rel: str) -> None:
    rule = by_pulsecheck_id()[rule_of(rel)].rule
    cwe = rule.cwe[0]
    here = by_file(scan).get(rel, [])
    hits = [f for f in here if cwe in f.cwe]
    shown = [(f.rule_id, f.location.line if isinstance(f.location, FileLocation) else None) for f in here]
    if rel.rsplit("/", 1)[1].startswith("vuln"):
        lines = vuln_lines(rel)
        assert any(isinstance(f.location, FileLocation) and f.location.line in lines for f in hits), (
            f"{rel}: no {cwe} finding on a VULN line {sorted(lines)}; got {shown}\n{table(scan)}")
    else:
        assert not hits, f"{rel}: safe file flagged {shown}\n{table(scan)}"


def test_per_class_tpr_and_fpr_meet_the_targets(scan: SemgrepRun) -> None:
    bad = {cwe: s for cwe, s in scores(scan).items() if s[0] / s[1] < 0.9 or s[2] / s[3] > 0.1}
    assert not bad, table(scan)


def test_findings_carry_location_evidence_and_a_line_independent_identity(scan: SemgrepRun) -> None:
    sqli = next(f for f in scan.findings if isinstance(f.location, FileLocation)
                and f.location.path == "javascript/sql-injection/vuln_1.js")
    assert sqli.rule_id == "sast.js.sql-injection" and sqli.cwe == ("CWE-89",) and sqli.owasp == ("A03:2021",)
    assert sqli.location.line == 4 and sqli.location.column is not None
    assert "db.query" in sqli.evidence.summary()
    assert sqli.identity.startswith("sast.js.sql-injection:") and str(sqli.location.line) not in sqli.identity.split(":")
    assert sqli.properties["engine"] == "semgrep"
    creds = [f for f in scan.findings if f.rule_id.endswith("hardcoded-credential")]
    assert creds
    for f in creds:  # the literal is the secret: never in evidence
        for secret in ("s3cr3t-signing-key-prod", "Winter2024!", "keyboard cat", "Sup3rS3cret!", "hunter2hunter2",
                       "jwt-signing-secret-2024", "super-secret-signing-key"):
            assert secret not in f.evidence.summary() and secret not in str(f.evidence.identity())
    fingerprints = [f.fingerprint for f in scan.findings]
    assert len(fingerprints) == len(set(fingerprints))
