"""Running Semgrep: bad input becomes `skipped` entries, big bundles are not given to it, cancel
kills it, it runs offline with a clean environment, user rule files run in the same invocation."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

from pulsecheck.model import FileLocation, Targets
from pulsecheck.observer import Observer
from pulsecheck.runtime import Runtime
from pulsecheck.settings import Settings
from pulsecheck.sources.workspace import open_workspace
from pulsecheck.stages.interface import Recorder, StageContext
from pulsecheck.stages.sast.semgrep import SemgrepRun, run_semgrep
from pulsecheck.stages.sast.semgrep import run as semgrep_run
from pulsecheck.stages.sast.semgrep.locate import ENV_VAR, locate
from pulsecheck.stages.sast.semgrep.rules import RULES_DIR

SQLI = 'app.get("/p", (req, res) => {\n  db.query("SELECT * FROM t WHERE id = " + req.query.id); // VULN\n});\n'


@pytest.fixture(autouse=True)
def _semgrep_present() -> None:
    found = locate()
    if found.executable is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI: {found.reason}")
        pytest.skip(found.reason)


def make_ctx(repo: Path, scratch: Path) -> StageContext:
    scratch.mkdir(parents=True, exist_ok=True)
    runtime = Runtime()
    workspace = open_workspace(repo, (), scratch / "ws", runtime)
    return StageContext(stage="sast", targets=Targets(path=str(repo)), settings=Settings(), observer=Observer(),
                        scratch_dir=scratch, runtime=runtime.for_stage("sast", scratch, threading.Event()),
                        workspace=workspace, record=Recorder(Observer()))


def write(repo: Path, files: dict[str, str]) -> list[str]:
    for rel, text in files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text, encoding="utf-8")
    return sorted(files)


def lines_of(run: SemgrepRun, rule: str) -> list[tuple[str, int | None]]:
    return sorted((f.location.path, f.location.line) for f in run.findings
                  if f.rule_id == rule and isinstance(f.location, FileLocation))


def test_unparsable_file_is_skipped_with_its_reason_and_the_rest_is_scanned(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    files = write(repo, {
        "ok.js": SQLI,
        "broken.js": 'db.query("x" + req.query.id);\nclass { {{{ ]]] \n const = = ;\n',
        "Broken.java": "public class { void executeQuery( { {{ \n",
        "broken.go": "package main\nfunc f() {\n db.Query(\"x\" + r.FormValue(\"a\")\n",
    })
    run = run_semgrep(make_ctx(repo, tmp_path / "scratch"), files)
    assert run.available
    assert ("ok.js", 2) in lines_of(run, "sast.js.sql-injection")
    skipped = dict(run.skipped)
    assert {"broken.js", "Broken.java", "broken.go"} <= set(skipped), run.skipped
    assert all(reason for reason in skipped.values())
    assert "parse" in skipped["broken.js"].lower() or "syntax" in skipped["broken.js"].lower()


def test_twenty_megabyte_minified_bundle_is_skipped_by_size_not_scanned(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    files = write(repo, {"app.js": SQLI})
    chunk = "var a=function(b){return b+1};db.query('x'+req.query.id);" * 1000
    with open(repo / "bundle.min.js", "w", encoding="utf-8") as fh:
        for _ in range(20 * 1024 * 1024 // len(chunk) + 1):
            fh.write(chunk)
    run = run_semgrep(make_ctx(repo, tmp_path / "scratch"), [*files, "bundle.min.js"])
    assert run.available and not run.reason, run.reason
    reason = dict(run.skipped)["bundle.min.js"]
    assert "MB" in reason and "not given to Semgrep" in reason
    assert lines_of(run, "sast.js.sql-injection") == [("app.js", 2)]


def test_built_bundles_are_skipped_with_the_reason(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    files = write(repo, {"src/app.js": SQLI, "public/dist/sub/app.js": SQLI,
                         "vendor/react-dom.production.js": SQLI, "big.js": SQLI + "//" + "x" * 500_000 + "\n"})
    run = run_semgrep(make_ctx(repo, tmp_path / "scratch"), files)
    skipped = dict(run.skipped)
    assert set(skipped) == {"public/dist/sub/app.js", "vendor/react-dom.production.js", "big.js"}
    assert "bundle" in skipped["big.js"] and "built bundle" in skipped["public/dist/sub/app.js"]
    assert lines_of(run, "sast.js.sql-injection") == [("src/app.js", 2)]


def test_cancel_kills_a_running_semgrep(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    body = "".join(f"function h{i}(req, res) {{ db.query('s' + req.query.a{i}); res.send(req.body.b{i}); }}\n"
                   for i in range(3000))
    files = write(repo, {f"src/m{i}.js": body for i in range(60)})
    ctx = make_ctx(repo, tmp_path / "scratch")
    assert ctx.runtime is not None
    box: dict[str, SemgrepRun] = {}
    thread = threading.Thread(target=lambda: box.setdefault("run", run_semgrep(ctx, files)))
    thread.start()
    deadline = time.monotonic() + 60
    while not ctx.runtime.procs.alive() and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ctx.runtime.procs.alive(), "semgrep never started (or finished before it could be cancelled)"
    time.sleep(0.5)
    ctx.cancel.set()
    ctx.runtime.procs.kill_all()
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert not ctx.runtime.procs.alive()
    assert "cancelled" in box["run"].reason


def test_started_offline_with_a_clean_environment_and_only_our_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "ALL_PROXY", "SEMGREP_APP_TOKEN", "SEMGREP_RULES"):
        monkeypatch.setenv(var, "http://proxy.invalid:3128" if "PROXY" in var.upper() else "x")
    repo = tmp_path / "repo"
    files = write(repo, {"app.js": SQLI})
    seen: list[semgrep_run.Invocation] = []
    ctx = make_ctx(repo, tmp_path / "scratch")
    findings, _, available, reason = semgrep_run.run(ctx, files, on_start=seen.append)
    assert available and not reason and findings
    (inv,) = seen
    argv = list(inv.argv)
    for flag in ("--metrics=off", "--disable-version-check", "--json", "--no-git-ignore", "--oss-only"):
        assert flag in argv
    configs = [argv[i + 1] for i, a in enumerate(argv) if a == "--config"]
    assert configs == [str(RULES_DIR)]
    assert "--timeout" in argv and "--max-target-bytes" in argv and "-j" in argv
    assert argv[argv.index("--") + 1:] == files
    assert not [k for k in inv.env if "proxy" in k.lower() or k.startswith("SEMGREP_APP") or k == "SEMGREP_RULES"]
    assert inv.env["SEMGREP_SEND_METRICS"] == "off" and inv.env["SEMGREP_ENABLE_VERSION_CHECK"] == "0"
    assert inv.env["HOME"].startswith(str(ctx.scratch_dir))
    assert all(inv.env[k].startswith(str(ctx.scratch_dir)) for k in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"))


def _wrapper(tmp_path: Path, prefix: str) -> Path:
    real = locate().executable
    script = tmp_path / "semgrep-wrapper"
    script.write_text(f'#!/bin/sh\nexec {prefix} "{real}" "$@"\n', encoding="utf-8")
    script.chmod(0o755)
    return script


def test_makes_no_network_connection(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    strace = shutil.which("strace")
    if strace is None or subprocess.run([strace, "-o", "/dev/null", "true"], capture_output=True).returncode:
        pytest.skip("strace is not usable here")
    trace = tmp_path / "trace.txt"
    monkeypatch.setenv(ENV_VAR, str(_wrapper(tmp_path, f"{strace} -f -qq -e trace=connect,sendto -o {trace}")))
    repo = tmp_path / "repo"
    run = run_semgrep(make_ctx(repo, tmp_path / "scratch"), write(repo, {"app.js": SQLI}))
    assert run.available and lines_of(run, "sast.js.sql-injection") == [("app.js", 2)]
    calls = trace.read_text(encoding="utf-8").splitlines()
    assert not [c for c in calls if "AF_INET" in c], calls[:5]


def test_runs_inside_a_network_namespace_without_a_route(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    unshare = shutil.which("unshare")
    if unshare is None or subprocess.run([unshare, "-rn", "true"], capture_output=True).returncode:
        pytest.skip("unshare -n is not permitted here")
    monkeypatch.setenv(ENV_VAR, str(_wrapper(tmp_path, f"{unshare} -rn")))
    repo = tmp_path / "repo"
    run = run_semgrep(make_ctx(repo, tmp_path / "scratch"), write(repo, {"app.js": SQLI}))
    assert run.available and not run.reason, run.reason
    assert lines_of(run, "sast.js.sql-injection") == [("app.js", 2)]


def test_user_rule_files_run_in_the_same_invocation(tmp_path: Path) -> None:
    user = tmp_path / "mine.yml"
    user.write_text("""rules:
  - id: no-debug-calls
    languages: [javascript]
    severity: WARNING
    message: debug call left in
    metadata: {cwe: "CWE-489: Active Debug Code"}
    pattern: debugger.trace(...)
""", encoding="utf-8")
    repo = tmp_path / "repo"
    files = write(repo, {"app.js": SQLI + "debugger.trace(1);\n"})
    seen: list[semgrep_run.Invocation] = []
    findings, _, available, reason = semgrep_run.run(make_ctx(repo, tmp_path / "scratch"), files, [user],
                                                     on_start=seen.append)
    assert available and not reason and len(seen) == 1
    by_rule = {f.rule_id: f for f in findings}
    assert "sast.js.sql-injection" in by_rule
    mine = by_rule["sast.user.no-debug-calls"]
    assert mine.cwe == ("CWE-489",) and mine.location.line == 4 and mine.stage == "sast"


def test_a_broken_user_rule_file_does_not_stop_our_rules(tmp_path: Path) -> None:
    user = tmp_path / "broken.yml"
    user.write_text("rules:\n  - id: x\n    pattern: [unclosed\n", encoding="utf-8")
    repo = tmp_path / "repo"
    run = run_semgrep(make_ctx(repo, tmp_path / "scratch"), write(repo, {"app.js": SQLI}), [user])
    assert run.available
    assert "user Semgrep rules refused" in run.reason
    assert lines_of(run, "sast.js.sql-injection") == [("app.js", 2)]


def test_a_semgrepignore_planted_in_the_repository_hides_nothing(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    files = write(repo, {"app.js": SQLI})
    write(repo, {".semgrepignore": "app.js\n*.js\n"})
    run = run_semgrep(make_ctx(repo, tmp_path / "scratch"), files)
    assert lines_of(run, "sast.js.sql-injection") == [("app.js", 2)]


def test_missing_executable_is_reported_not_raised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "no-such-semgrep"))
    repo = tmp_path / "repo"
    run = run_semgrep(make_ctx(repo, tmp_path / "scratch"), write(repo, {"app.js": SQLI}))
    assert not run.available and not run.findings
    assert "no-such-semgrep" in run.reason and "bootstrap" in run.reason


def test_a_crashing_semgrep_is_reported_with_its_last_words(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A real crash: semgrep-core's runtime cannot reserve its heaps under a 400 MB address-space cap.
    real = locate().executable
    script = tmp_path / "semgrep-capped"
    script.write_text(f'#!/bin/sh\nulimit -v 400000\nexec "{real}" "$@"\n', encoding="utf-8")
    script.chmod(0o755)
    monkeypatch.setenv(ENV_VAR, str(script))
    repo = tmp_path / "repo"
    run = run_semgrep(make_ctx(repo, tmp_path / "scratch"), write(repo, {"app.js": SQLI}))
    assert run.available and not run.findings
    assert run.reason.startswith("Semgrep failed (exit") and "memory" in run.reason.lower()


def test_batches_respect_the_command_line_budget() -> None:
    files = [f"src/{'d' * 40}/file_{i}.js" for i in range(20000)]
    parts = list(semgrep_run.batches(files, budget=64 * 1024))
    assert [f for p in parts for f in p] == files
    assert all(sum(len(f) + 8 for f in p) <= 64 * 1024 for p in parts) and len(parts) > 1
    assert len(list(semgrep_run.batches(files[:10]))) == 1


def test_dataflow_trace_becomes_the_shared_flow_format() -> None:
    # The shape of semgrep_output_v1 `match_dataflow_trace` (Semgrep CE 1.185 leaves it out of
    # its JSON unless logged in; when present it is mapped source first).
    def loc(line: int, col: int) -> dict[str, object]:
        return {"path": "app.js", "start": {"line": line, "col": col, "offset": 0},
                "end": {"line": line, "col": col + 5, "offset": 5}}
    trace = {
        "taint_source": ["CliCall", [[loc(3, 5), "helper(req.query.id)"], [{"location": loc(9, 3), "content": "v"}],
                                     ["CliLoc", [loc(8, 10), "req.query.id"]]]],
        "intermediate_vars": [{"location": loc(4, 9), "content": "id"}, {"location": loc(5, 9), "content": "q"}],
        "taint_sink": ["CliLoc", [loc(6, 12), "q"]],
    }
    flow = semgrep_run._flow(trace, "app.js")
    assert [s["line"] for s in flow] == [3, 9, 8, 4, 5, 6]
    assert flow[0]["note"].startswith("source") and flow[-1]["note"].startswith("sink")
    assert all(set(s) == {"path", "line", "column", "note"} for s in flow)
    assert semgrep_run._flow(None, "app.js") == [] and semgrep_run._flow({"taint_sink": ["Bogus", 1]}, "x") == []
