"""The engine's side of contract v2: guarded loading, scheduling by needs, time limits that stop.

Test-double stages stand in for real ones; what is asserted is what a user sees in the report
(statuses, reasons, findings kept) and what the machine sees afterwards (no process left).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar

import pytest

from pulsecheck import engine
from pulsecheck.model import Errored, FileLocation, Finding, Rule, Severity, Targets
from pulsecheck.settings import Settings
from pulsecheck.stages.interface import StageContext
from pulsecheck.stages.registry import discover

RULE = Rule(id="sast.test", stage="sast", title="t", severity=Severity.MEDIUM, cwe=("CWE-89",))


class _Double:
    name = "sast"
    needs: ClassVar[frozenset[str]] = frozenset({"repo"})
    provides: ClassVar[frozenset[str]] = frozenset()

    def applies(self, targets: Targets) -> bool:
        return True

    def rules(self) -> Sequence[Rule]:
        return [RULE]

    def run(self, ctx: StageContext) -> Iterator[Finding]:
        yield from ()


class BadRules(_Double):
    def rules(self) -> Sequence[Rule]:
        raise ValueError("rules.toml: broken")


class Provider(_Double):
    name = "profile"
    provides: ClassVar[frozenset[str]] = frozenset({"profile"})

    def run(self, ctx: StageContext) -> Iterator[Finding]:
        time.sleep(0.3)  # the consumer must wait for this, not race it
        ctx.facts["app_kind"] = {"kind": "ehr"}
        yield from ()


class Consumer(_Double):
    name = "phi"
    needs: ClassVar[frozenset[str]] = frozenset({"repo", "profile"})
    seen: ClassVar[list[Any]] = []

    def run(self, ctx: StageContext) -> Iterator[Finding]:
        Consumer.seen.append(dict(ctx.profile))
        with pytest.raises(TypeError):
            ctx.profile["app_kind"] = "tampered"  # type: ignore[index]
        yield from ()


class Hangs(_Double):
    """Starts a child process, then blocks ignoring cancellation for a while."""

    pids: ClassVar[list[int]] = []
    scratch: ClassVar[list[Path]] = []

    def run(self, ctx: StageContext) -> Iterator[Finding]:
        assert ctx.runtime is not None
        proc = ctx.runtime.procs.popen(["sleep", "60"], cwd=ctx.scratch_dir)
        Hangs.pids.append(proc.pid)
        Hangs.scratch.append(ctx.scratch_dir)
        yield Finding.from_rule(RULE, message="before hanging", location=FileLocation("a.py", 1))
        ctx.note("looked at a.py")
        ctx.gap("b.py not reached")
        time.sleep(3)  # ignores ctx.cancel on purpose
        yield from ()


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split()[2] != "Z"
    except OSError:
        return False


def test_a_stage_whose_rules_raise_is_errored_and_the_others_run(tmp_path: Path) -> None:
    report = engine.run(Targets(path=str(tmp_path)), Settings(stages=("profile", "sast")),
                        stages={"sast": BadRules(), "profile": Provider()})
    status = {r.name: r for r in report.stages}
    assert status["profile"].status == "completed"
    outcome = status["sast"].outcome
    assert isinstance(outcome, Errored) and outcome.kind == "unavailable"
    assert "could not load its rules: ValueError: rules.toml: broken" in outcome.reason


def test_a_stage_that_cannot_import_is_errored_not_a_dead_audit(tmp_path: Path, shadow_stage: Any) -> None:
    planted = tmp_path / "stages"
    (planted / "sast").mkdir(parents=True)
    (planted / "sast" / "__init__.py").write_text("raise ImportError('optional engine missing')\n")
    with shadow_stage("sast", planted):
        _cannot_import_is_errored(tmp_path)


def _cannot_import_is_errored(tmp_path: Path) -> None:
    found = discover()
    assert "could not load: ImportError: optional engine missing" in found.broken["sast"]
    assert "deps" in found.stages
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "requirements.txt").write_text("Jinja2==3.1.4\n")
    report = engine.run(Targets(path=str(repo)), Settings(stages=("sast", "deps")))
    status = {r.name: r.status for r in report.stages}
    assert status["sast"] == "errored" and status["deps"] in ("completed", "partial")


def test_an_unimportable_dependency_leaves_other_commands_working(tmp_path: Path) -> None:
    """E7: a ``re2`` that cannot import must not kill ``audit --stage deps`` or ``rules list``."""
    fake = tmp_path / "fake"
    fake.mkdir()
    (fake / "re2.py").write_text("raise ImportError('re2 is broken here')\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "requirements.txt").write_text("Jinja2==3.1.4\n")
    env = {**os.environ, "PYTHONPATH": str(fake), "PULSECHECK_DB": str(tmp_path / "none.sqlite")}
    cli = [str(Path(sys.executable).parent / "pulsecheck")]
    audit = subprocess.run([*cli, "audit", str(repo), "--stage", "deps", "-q", "-f", "json", "-o", "-"],
                           capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert "Traceback" not in audit.stderr, audit.stderr
    assert '"deps"' in audit.stdout
    listing = subprocess.run([*cli, "rules", "list"], capture_output=True, text=True, env=env, cwd=tmp_path,
                             timeout=120)
    assert listing.returncode == 0 and "Traceback" not in listing.stderr
    assert "deps.vulnerable-package" in listing.stdout


def test_a_stage_that_needs_the_profile_waits_for_it_and_cannot_change_it(tmp_path: Path) -> None:
    Consumer.seen.clear()
    report = engine.run(Targets(path=str(tmp_path)), Settings(stages=("profile", "phi")),
                        stages={"phi": Consumer(), "profile": Provider()})
    assert [r.status for r in report.stages] == ["completed", "completed"]
    assert Consumer.seen == [{"app_kind": {"kind": "ehr"}}]
    assert report.profile == {"app_kind": {"kind": "ehr"}}


def test_a_stage_that_times_out_is_stopped_and_keeps_what_it_recorded(tmp_path: Path) -> None:
    Hangs.pids.clear()
    Hangs.scratch.clear()
    start = time.monotonic()
    report = engine.run(Targets(path=str(tmp_path)), Settings(stages=("sast",), stage_timeout_s=1.0),
                        stages={"sast": Hangs()})
    assert time.monotonic() - start < 8
    outcome = report.stages[0].outcome
    assert isinstance(outcome, Errored) and outcome.kind == "timeout"
    assert outcome.reason == "timed out after 1s"
    assert [f.message for f in outcome.findings] == ["before hanging"]
    assert outcome.notes == ("looked at a.py",) and outcome.gaps == ("b.py not reached",)
    assert Hangs.pids and not _alive(Hangs.pids[0]), "the stage's child process must be killed"
    assert engine.exit_code(report, Settings()) == 2


def test_a_hung_stage_keeps_its_scratch_until_it_has_ended(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Deleting the scratch under a stage that is still running would make it fail in odd ways."""
    monkeypatch.setattr(engine, "KILL_GRACE_S", 0.2)  # shorter than the stage's 3 s of ignoring cancel
    Hangs.scratch.clear()
    engine.run(Targets(path=str(tmp_path)), Settings(stages=("sast",), stage_timeout_s=0.5),
               stages={"sast": Hangs()})
    assert Hangs.scratch[0].exists(), "removed while the stage thread was still alive"


def test_settings_cannot_be_changed_by_a_stage(tmp_path: Path) -> None:
    class Tamper(_Double):
        def run(self, ctx: StageContext) -> Iterator[Finding]:
            ctx.settings.stage_timeout_s = 1  # type: ignore[misc]
            yield from ()

    settings = Settings(stages=("sast",))
    report = engine.run(Targets(path=str(tmp_path)), settings, stages={"sast": Tamper()})
    assert report.stages[0].status == "errored" and settings.stage_timeout_s == 900.0


def test_the_report_names_the_audited_commit_and_the_settings(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "a.txt").write_text("hello\n")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "-C", str(repo), "add", "."], check=True)
    subprocess.run([*git, "-C", str(repo), "commit", "-qm", "one"], check=True)
    head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True,
                          check=True).stdout.strip()
    report = engine.run(Targets(path=str(repo)), Settings(stages=("sast",)), stages={"sast": _Double()})
    other = engine.run(Targets(path=str(repo)), Settings(stages=("sast",), fail_on=Severity.LOW),
                       stages={"sast": _Double()})
    assert report.target_revision == head
    assert report.settings_digest and report.settings_digest != other.settings_digest
    assert report.run_id != other.run_id


def test_the_report_lists_what_the_shared_sources_did_not_read(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "app.py").write_text("print('hi')\n")
    (repo / "logo.png").write_bytes(b"\x89PNG\x00\x00\x00binary")
    report = engine.run(Targets(path=str(repo)), Settings(stages=("secrets",)))
    assert report.inputs["files_indexed"] == 2 and report.inputs["skipped_count"] == 1
    assert report.inputs["skipped"] == [{"path": "logo.png", "reason": "binary"}]
    from pulsecheck.reporters import render
    from pulsecheck.reporters.interface import OutputFormat

    assert "Inputs: 2 files indexed, 1 not scanned" in render(report, OutputFormat.TERMINAL)


def test_a_later_stage_asks_the_typed_profile_which_columns_are_personal(tmp_path: Path) -> None:
    """The hand-off from the real profile stage: phi, sast and iac ask the data map, not its dict."""
    repo = tmp_path / "repo"
    (repo / "app").mkdir(parents=True)
    (repo / "app" / "models.py").write_text(
        "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n"
        "class Base(DeclarativeBase):\n    pass\n"
        "class Patient(Base):\n    __tablename__ = 'patients'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    ssn: Mapped[str] = mapped_column()\n    diagnosis: Mapped[str] = mapped_column()\n"
        "    theme: Mapped[str] = mapped_column()\n")
    asked: list[tuple[bool, bool, bool]] = []

    class Asker(_Double):
        name = "phi"
        needs: ClassVar[frozenset[str]] = frozenset({"repo", "profile"})

        def run(self, ctx: StageContext) -> Iterator[Finding]:
            facts = ctx.profile_facts
            assert facts is not None
            dm = facts.data_map
            asked.append((dm.is_personal("patients", "ssn"), dm.is_medical("Patients", "diagnosis"),
                          dm.is_personal("patients", "theme")))
            yield from ()

    from pulsecheck.stages.profile.stage import ProfileStage

    engine.run(Targets(path=str(repo)), Settings(stages=("profile", "phi")),
               stages={"profile": ProfileStage(), "phi": Asker()})
    assert asked == [(True, True, False)]
