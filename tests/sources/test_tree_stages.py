"""The stages read through one file index: one walk, one read per file, one exclusion rule, no escapes."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from pulsecheck import engine
from pulsecheck.model import FileLocation, Targets
from pulsecheck.observer import Observer
from pulsecheck.runtime import Runtime
from pulsecheck.runtime.cpu import usable_cpus
from pulsecheck.settings import Settings
from pulsecheck.sources.workspace import open_workspace
from pulsecheck.stages.deps.parsers import scan
from pulsecheck.stages.deps.stage import DepsStage
from pulsecheck.stages.interface import Recorder, StageContext
from pulsecheck.stages.phi.stage import PhiStage
from pulsecheck.stages.profile.stage import ProfileStage
from pulsecheck.stages.secrets.stage import SecretsStage

from .gitutil import commit_files, init

AWS = "AKIA" + "QYLPMN5HHHFPZAM2"  # a made-up key in the AWS shape
SSN_LINE = "patient Jane Roe ssn: 123-45-6780\n"


def test_profile_phi_secrets_deps_share_one_walk_and_one_read_per_file(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "app").mkdir(parents=True)
    (repo / "requirements.txt").write_text("-r base.txt\nJinja2==3.1.4\n")  # deps reads the include too
    (repo / "base.txt").write_text("requests==2.31.0\n")
    (repo / "app" / "models.py").write_text("class Patient:\n    ssn = ''\n")
    (repo / "app" / "settings.py").write_text(f"AWS_ACCESS_KEY_ID = '{AWS}'\n")
    (repo / "export.csv").write_text("first_name,last_name,ssn\n" + "Ann,Lee,123-45-6780\n" * 2000)
    (repo / "notes.log").write_text(SSN_LINE * 50)
    settings = Settings(stages=("profile", "phi", "secrets", "deps"))
    runtime = Runtime()
    workspace = open_workspace(repo, (), tmp_path / "scratch", runtime)
    found = []
    for stage in (ProfileStage(), PhiStage(), SecretsStage(), DepsStage()):
        scratch = tmp_path / stage.name
        scratch.mkdir()
        options = settings.options_for(stage.name).model_copy(update={"history": False}) \
            if stage.name in ("phi", "secrets") else settings.options_for(stage.name)
        ctx = StageContext(stage=stage.name, targets=Targets(path=str(repo)), settings=settings,
                           observer=Observer(), scratch_dir=scratch, options=options,
                           runtime=runtime.for_stage(stage.name, scratch, threading.Event()),
                           workspace=workspace, record=Recorder(Observer()))
        found += [f.rule_id for f in stage.run(ctx)]
    index = workspace.tree
    assert index is not None
    assert "secrets.aws-access-key-id" in found and any(r.startswith("phi.") for r in found)
    assert index.walks == 1
    assert set(index.opens) == {"app/models.py", "app/settings.py", "export.csv", "notes.log", "requirements.txt",
                                "base.txt"}
    assert set(index.opens.values()) == {1}  # each file opened once for all four stages


def test_exclude_hides_a_file_from_the_tree_scan_and_from_findings(tmp_path: Path) -> None:
    repo = init(tmp_path / "r")
    commit_files(repo, {"docs/now.txt": f"aws_access_key_id = {AWS}\n", "app.py": "x = 1\n"}, "init")
    report = engine.run(Targets(path=str(repo)), Settings(stages=("secrets", "phi"), exclude=("docs",)))
    assert not [f for f in report.findings if isinstance(f.location, FileLocation)
                and f.location.path.startswith("docs/")]
    report = engine.run(Targets(path=str(repo)), Settings(stages=("secrets",)))
    assert any(isinstance(f.location, FileLocation) and f.location.path == "docs/now.txt" for f in report.findings)


def test_deps_does_not_follow_a_requirements_symlink_out_of_the_root(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "req.txt").write_text("django==1.2\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "requirements.txt").symlink_to(outside / "req.txt")
    (repo / "package-lock.json").symlink_to("/dev/zero")
    result = scan(repo)
    assert result.packages == []
    assert any(g.startswith("requirements.txt: symlink (not followed)") for g in result.gaps)
    assert any(p.startswith("package-lock.json: symlink") for p in result.problems)
    assert not any(str(outside) in p for p in result.problems)


def test_a_fifo_named_requirements_txt_does_not_block_deps(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "requirements.txt")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "requirements.txt").write_text("jinja2==2.10\n")
    done: list[object] = []
    t = threading.Thread(target=lambda: done.append(scan(tmp_path)), daemon=True)
    t.start()
    t.join(60)  # a hang guard, not a timing assert: a blocking open would never return
    assert done, "deps blocked on a FIFO"
    result = done[0]
    assert [p.name for p in result.packages] == ["jinja2"]  # type: ignore[attr-defined]
    assert any(p.startswith("requirements.txt: special file") for p in result.problems)  # type: ignore[attr-defined]


def test_utf16_env_file_with_a_secret_is_scanned(tmp_path: Path) -> None:
    (tmp_path / ".env").write_bytes(f"\ufeffAWS_ACCESS_KEY_ID={AWS}\r\n".encode("utf-16-le"))
    report = engine.run(Targets(path=str(tmp_path)), Settings(stages=("secrets",)))
    assert [f.location.path for f in report.findings if f.rule_id == "secrets.aws-access-key-id"] == [".env"]  # type: ignore[union-attr]


PLANTED = {
    "multiprocessing/__init__.py": "open({marker!r}, 'a').write('multiprocessing\\n')\n",
    "pulsecheck/__init__.py": "open({marker!r}, 'a').write('pulsecheck\\n')\n",
    "encodings/__init__.py": "open({marker!r}, 'a').write('encodings\\n')\n",
    "sitecustomize.py": "open({marker!r}, 'a').write('sitecustomize\\n')\n",
}


@pytest.mark.skipif(usable_cpus() < 2, reason="workers start only when the CPU budget grants two slots")
def test_planted_modules_are_not_imported_by_phi_or_secrets_workers(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    repo = tmp_path / "repo"
    for rel, code in PLANTED.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(code.format(marker=str(marker)))
    for i in range(40):  # enough files for several batches and jobs
        (repo / "data" / f"f{i}.log").parent.mkdir(exist_ok=True)
        (repo / "data" / f"f{i}.log").write_text(SSN_LINE * 20 + f"AWS_ACCESS_KEY_ID={AWS}\n")
    config = tmp_path / "user.toml"  # the user's own config: worker counts are user-only options
    config.write_text("[stages.phi]\nworkers = 2\nhistory = false\n[stages.secrets]\njobs = 2\nhistory = false\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PULSECHECK_PARALLEL_MIN_BYTES"] = "0"
    cli = Path(sys.executable).with_name("pulsecheck")
    done = subprocess.run([str(cli), "audit", ".", "--stage", "phi", "--stage", "secrets", "--config", str(config),
                           "-f", "json", "-o", str(tmp_path / "report.json")],
                          cwd=repo, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 1, 2), done.stderr[-2000:]
    assert not marker.exists(), marker.read_text()
    report = (tmp_path / "report.json").read_text()
    assert "phi.ssn-in-file" in report and "secrets.aws-access-key-id" in report
