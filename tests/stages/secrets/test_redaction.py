"""No output of any kind holds a planted secret: reports, baseline, logs, stderr, CLI output."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from pulsecheck import engine
from pulsecheck.model import Targets
from pulsecheck.reporters import render
from pulsecheck.reporters.interface import TEXT_FORMATS
from pulsecheck.settings import Settings
from pulsecheck.stages.secrets import STAGE
from pulsecheck.suppress import write_baseline


@pytest.fixture(scope="module")
def corpus(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:  # type: ignore[type-arg]
    base = tmp_path_factory.mktemp("redaction")
    repo, truth = base / "repo", base / "truth.json"
    subprocess.run([sys.executable, str(shared_dir / "bench" / "make_secrets_corpus.py"), str(repo), str(truth),
                    "--seed", "11", "--commits", "160", "--per-type", "1"], check=True, capture_output=True)
    return repo, json.loads(truth.read_text())


def fragments(value: str) -> list[str]:
    """The whole value, its second half, and every long line of a multi-line value (key bodies)."""
    out = [value, value[len(value) // 2:]]
    out += [ln for ln in value.splitlines() if len(ln) >= 20 and "-----" not in ln]
    return out


def leaks(text: str, truth: dict) -> list[str]:  # type: ignore[type-arg]
    return [f"{s['id']}" for s in truth["secrets"] for frag in fragments(s["value"]) if frag in text]


def test_every_output_is_redacted(corpus: tuple[Path, dict], tmp_path: Path,  # type: ignore[type-arg]
                                  caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]) -> None:
    repo, truth = corpus
    caplog.set_level(logging.DEBUG)
    settings = Settings(stages=("secrets",))
    report = engine.run(Targets(path=str(repo)), settings, stages={"secrets": STAGE})
    assert len(report.findings) >= 0.98 * len(truth["secrets"])
    outputs = {fmt.value: render(report, fmt) for fmt in TEXT_FORMATS}
    baseline = tmp_path / "baseline.json"
    write_baseline(report, baseline)
    outputs["baseline"] = baseline.read_text()
    outputs["finding-json"] = json.dumps([f.to_json() for f in report.findings])
    outputs["notes"] = repr([r.outcome for r in report.stages])
    captured = capfd.readouterr()
    outputs["log"] = caplog.text + captured.out + captured.err
    for name, text in outputs.items():
        assert leaks(text, truth) == [], f"secret value in the {name} output"
    assert all("REDACTED" in f.evidence for f in report.findings)


def test_cli_outputs_are_redacted(corpus: tuple[Path, dict], tmp_path: Path) -> None:  # type: ignore[type-arg]
    repo, truth = corpus
    out = tmp_path / "out"
    out.mkdir()
    proc = subprocess.run([str(Path(sys.executable).parent / "pulsecheck"), "secrets", "scan", str(repo), "-f", "json",
                           "-f", "sarif", "-f", "markdown", "-f", "html", "-o", str(out)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 1, proc.stderr
    texts = [proc.stdout, proc.stderr] + [p.read_text() for p in out.iterdir()]
    assert len(texts) == 6
    for text in texts:
        assert leaks(text, truth) == []
