"""Run the isolated Semgrep CE once per audit over the files the stage chose, offline.

One process, every rule in one invocation (our pack directory plus the user's rule files),
started through ``ctx.runtime.procs`` so a cancel or a time-out kills it. The target list is
passed explicitly; only when it does not fit in one command line (ARG_MAX) is it split in
batches, each one process, run one after the other.

The child's environment is built from nothing: no proxy variables, HOME and the XDG
directories under the stage's scratch, metrics and the version check off (the version check
alone tries the network for 100 s when there is no route), no registry, no login token.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pulsecheck.evidence import CodeRegion
from pulsecheck.model import FileLocation, Finding, Rule
from pulsecheck.runtime.procs import Cancelled
from pulsecheck.stages.sast.semgrep import rules as pack_rules
from pulsecheck.stages.sast.semgrep.locate import locate

if TYPE_CHECKING:
    from pulsecheck.stages.interface import StageContext

MAX_TARGET_BYTES = 2 * 1024 * 1024
"""Bigger files are not given to Semgrep (a minified bundle: minutes of parsing, no signal)."""
PER_FILE_TIMEOUT_S = 3
TIMEOUT_THRESHOLD = 2
MAX_MEMORY_MB = 1500
MAX_JOBS = 4
ARGV_BUDGET = 512 * 1024
"""Bytes of target paths per command line (ARG_MAX is 2 MB on Linux; stay well under it)."""
MAX_FLOW_STEPS = 50
EVIDENCE_LINES = 3

MAX_JS_BYTES = 400 * 1024
"""JavaScript this big is a bundle or a concatenation (moment's locales, React's builds): one
function around the whole file, where taint analysis times out rule after rule."""
_GENERATED_JS = re.compile(
    r"(?:^|/)(?:dist|umd|min|bundles?)/.*\.[cm]?[jt]sx?$|\.(?:production|development|bundle|umd|min)\.[cm]?js$")
_JS_EXT = (".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx", ".mts", ".cts")

OFFLINE_FLAGS = ("--metrics=off", "--disable-version-check")
_STRING_LITERAL = re.compile(r"""(["'`])(?:\\.|(?!\1)[^\\\n]){2,}\1""")


@dataclass(frozen=True)
class Invocation:
    """What one Semgrep process is started with (kept for tests and diagnostics)."""

    argv: tuple[str, ...]
    env: Mapping[str, str]
    cwd: str


def child_env(scratch: Path, executable: Path) -> dict[str, str]:
    """A clean environment: nothing inherited but a minimal PATH and the locale."""
    home = scratch / "semgrep-home"
    for sub in ("", ".config", ".cache", ".local/share", ".semgrep"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    return {
        "PATH": f"{executable.parent}{os.pathsep}/usr/bin{os.pathsep}/bin",
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_DATA_HOME": str(home / ".local/share"),
        "TMPDIR": str(scratch),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "SEMGREP_SEND_METRICS": "off",
        "SEMGREP_ENABLE_VERSION_CHECK": "0",
        "SEMGREP_SETTINGS_FILE": str(home / ".semgrep" / "settings.yml"),
        "SEMGREP_VERSION_CACHE_PATH": str(home / ".cache" / "semgrep_version"),
        "SEMGREP_LOG_FILE": str(scratch / "semgrep.log"),
        "SEMGREP_IN_DOCKER": "0",
        "NO_COLOR": "1",
        "PYTHONNOUSERSITE": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def base_argv(executable: Path, configs: Sequence[Path], jobs: int) -> list[str]:
    # --experimental: the OCaml CLI (osemgrep). The default Python CLI is 4x slower to start here,
    # runs git in the scanned repository and reads rules with YAML anchors osemgrep refuses.
    argv = [str(executable), "scan", "--experimental", "--json", *OFFLINE_FLAGS, "--oss-only", "--dataflow-traces",
            "--no-git-ignore", "--x-ignore-semgrepignore-files", "--no-rewrite-rule-ids", "--disable-nosem",
            "--timeout", str(PER_FILE_TIMEOUT_S), "--timeout-threshold", str(TIMEOUT_THRESHOLD),
            "--max-target-bytes", str(MAX_TARGET_BYTES), "--max-memory", str(MAX_MEMORY_MB),
            "-j", str(max(1, jobs)), "--quiet"]
    for cfg in configs:
        argv += ["--config", str(cfg)]
    return argv


def batches(files: Sequence[str], budget: int = ARGV_BUDGET) -> Iterator[list[str]]:
    """``files`` in consecutive groups whose total length stays under ``budget`` bytes."""
    batch: list[str] = []
    used = 0
    for f in files:
        cost = len(os.fsencode(f)) + 8
        if batch and used + cost > budget:
            yield batch
            batch, used = [], 0
        batch.append(f)
        used += cost
    if batch:
        yield batch


def _target_arg(path: str) -> str:
    # A path that starts with "-" must not be read as an option.
    return path if not path.startswith("-") else "./" + path


def _loc(obj: Any) -> tuple[int | None, int | None]:
    if isinstance(obj, Mapping):
        line, col = obj.get("line"), obj.get("col")
        return (line if isinstance(line, int) else None, col if isinstance(col, int) else None)
    return None, None


class _Lines:
    """The matched lines of scanned files, read once each through the file index."""

    def __init__(self, ctx: StageContext, root: Path) -> None:
        self._ctx = ctx
        self._root = root
        self._cache: dict[str, list[str]] = {}

    def get(self, rel: str) -> list[str]:
        if rel not in self._cache:
            self._cache[rel] = self._read(rel)
        return self._cache[rel]

    def _read(self, rel: str) -> list[str]:
        tree = self._ctx.workspace.tree if self._ctx.workspace is not None else None
        if tree is not None:
            entry = tree.get(rel)
            text = tree.text(entry) if entry is not None else None
            return text.splitlines() if text is not None else []
        try:
            with open(self._root / rel, "rb") as fh:
                return fh.read(MAX_TARGET_BYTES + 1).decode("utf-8", "replace").splitlines()
        except OSError:
            return []


def redact_literals(text: str) -> str:
    """String literals replaced (for hard-coded credential rules: the value is the secret)."""
    return _STRING_LITERAL.sub(lambda m: m.group(1) + "…REDACTED" + m.group(1), text)


def _flow(trace: Any, default_path: str) -> list[dict[str, Any]]:
    """Semgrep's ``dataflow_trace`` as the shared flow format (source first)."""
    if not isinstance(trace, Mapping):
        return []
    steps: list[dict[str, Any]] = []

    def add(loc: Any, note: str) -> None:
        if not isinstance(loc, Mapping) or len(steps) >= MAX_FLOW_STEPS:
            return
        line, col = _loc(loc.get("start"))
        if line is None:
            return
        steps.append({"path": str(loc.get("path") or default_path), "line": line, "column": col, "note": note})

    def add_node(node: Any, role: str) -> None:
        # ["CliLoc", [location, content]] or ["CliCall", [[location, content], [vars...], node]]
        if not isinstance(node, list) or len(node) != 2:
            return
        kind, body = node
        if kind == "CliLoc" and isinstance(body, list) and body:
            add(body[0], f"{role}: {str(body[1])[:120]}" if len(body) > 1 else role)
        elif kind == "CliCall" and isinstance(body, list) and body:
            head = body[0]
            if isinstance(head, list) and head:
                add(head[0], f"{role} (call): {str(head[1])[:120]}" if len(head) > 1 else role)
            for var in body[1] if len(body) > 1 and isinstance(body[1], list) else ():
                if isinstance(var, Mapping):
                    add(var.get("location"), f"through {str(var.get('content', ''))[:80]}")
            if len(body) > 2:
                add_node(body[2], role)

    add_node(trace.get("taint_source"), "source")
    for var in trace.get("intermediate_vars") or ():
        if isinstance(var, Mapping):
            add(var.get("location"), f"through {str(var.get('content', ''))[:80]}")
    add_node(trace.get("taint_sink"), "sink")
    return steps


def _identity(rule_id: str, snippet: str, seen: dict[tuple[str, str, str], int], path: str) -> str:
    normalized = " ".join(snippet.split())
    key = (rule_id, path, normalized)
    nth = seen.get(key, 0)
    seen[key] = nth + 1
    digest = hashlib.sha256(normalized.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    return f"{rule_id}:{digest}" + (f":{nth}" if nth else "")


def to_findings(doc: Mapping[str, Any], lines: _Lines) -> list[Finding]:
    """Findings of one Semgrep JSON document (results of our pack and of the user's rules)."""
    ours = {pr.semgrep_id: pr for pr in pack_rules.pack()}
    by_pid = pack_rules.by_pulsecheck_id()
    user_rules: dict[str, Rule] = {}
    seen: dict[tuple[str, str, str], int] = {}
    out: list[Finding] = []
    for res in doc.get("results") or ():
        if not isinstance(res, Mapping):
            continue
        extra = res.get("extra") if isinstance(res.get("extra"), Mapping) else {}
        assert isinstance(extra, Mapping)
        meta = extra.get("metadata") if isinstance(extra.get("metadata"), Mapping) else {}
        assert isinstance(meta, Mapping)
        check_id = str(res.get("check_id") or "")
        path = str(res.get("path") or "")
        if not path:
            continue
        pid = str(meta.get("pulsecheck_id") or "")
        pr = by_pid.get(pid) or ours.get(check_id)
        message = " ".join(str(extra.get("message") or "").split())
        if pr is not None:
            rule, redact = pr.rule, pr.redact_literals
        else:
            rule = user_rules.get(check_id) or user_rules.setdefault(
                check_id, pack_rules.user_rule(check_id, str(extra.get("severity") or ""), message, meta))
            redact = "CWE-798" in rule.cwe
        line, col = _loc(res.get("start"))
        end_line, _ = _loc(res.get("end"))
        text = lines.get(path)
        start = line or 1
        stop = min(end_line or start, start + EVIDENCE_LINES - 1)
        snippet = "\n".join(ln.strip() for ln in text[start - 1:stop]) if text else ""
        if redact:
            snippet = redact_literals(snippet)
        props: dict[str, Any] = {"engine": "semgrep", "semgrep_rule": check_id}
        flow = _flow(extra.get("dataflow_trace"), path)
        if flow:
            props["flow"] = flow
        out.append(Finding.from_rule(
            rule, message=f"{rule.title}: {message}" if pr is None and message else (message or rule.title),
            location=FileLocation(path, line, end_line, column=col),
            evidence=CodeRegion(path, start, stop if stop != start else None, snippet),
            identity=_identity(rule.id, snippet, seen, path), properties=props))
    return out


def _error_reason(err: Mapping[str, Any]) -> str:
    kind = err.get("type")
    name = kind[0] if isinstance(kind, list) and kind else kind
    message = " ".join(str(err.get("message") or "").split())
    if isinstance(name, str) and name == "PartialParsing":
        spans = kind[1] if isinstance(kind, list) and len(kind) > 1 and isinstance(kind[1], list) else []
        where = ", ".join(f"{_loc(s.get('start'))[0]}-{_loc(s.get('end'))[0]}" for s in spans[:5]
                          if isinstance(s, Mapping))
        return f"partly parsed: lines {where} not scanned" if where else "partly parsed"
    if name == "Timeout":
        return f"timed out after {PER_FILE_TIMEOUT_S}s" + (f" ({err['rule_id']})" if err.get("rule_id") else "")
    return f"{name or 'error'}: {message}"[:300]


def to_skipped(doc: Mapping[str, Any], targets: Sequence[str] | None = None) -> tuple[list[tuple[str, str]], list[str]]:
    """Per-file errors of scanned ``targets`` as (path, reason); the others (a bad rule, a bad
    rule file) as messages."""
    skipped: dict[str, str] = {}
    general: list[str] = []
    wanted = None if targets is None else {t.removeprefix("./") for t in targets}
    for err in doc.get("errors") or ():
        if not isinstance(err, Mapping):
            continue
        path = err.get("path")
        if isinstance(path, str) and path and (wanted is None or path.removeprefix("./") in wanted):
            skipped.setdefault(path, _error_reason(err))
        else:
            general.append(" ".join(str(err.get("message") or err.get("type") or "error").split())[:300])
    return sorted(skipped.items()), general


def version(executable: Path, scratch: Path, timeout: float = 60) -> str:
    """``semgrep --version`` (offline), for reports and benchmarks; not through the runtime."""
    proc = subprocess.run([str(executable), "--version", "--disable-version-check"], capture_output=True,
                          env=child_env(scratch, executable), cwd=scratch, timeout=timeout, check=False)
    return proc.stdout.decode("utf-8", "replace").strip()


def generated_reason(rel: str, size: int) -> str:
    """Why a JavaScript/TypeScript file looks built rather than written ("" when it does not)."""
    if not rel.endswith(_JS_EXT):
        return ""
    if _GENERATED_JS.search(rel):
        return "built bundle (dist/, umd/, min/ or a .production/.bundle build): not given to Semgrep"
    if size > MAX_JS_BYTES:
        return f"over {MAX_JS_BYTES // 1024} KB of JavaScript ({size} bytes), a bundle: not given to Semgrep"
    return ""


def _select(ctx: StageContext, root: Path, files: Sequence[str]) -> tuple[list[str], list[tuple[str, str]]]:
    tree = ctx.workspace.tree if ctx.workspace is not None else None
    keep: list[str] = []
    skipped: list[tuple[str, str]] = []
    for rel in dict.fromkeys(files):
        size: int | None = None
        if tree is not None:
            entry = tree.get(rel)
            size = entry.size if entry is not None else None
        if size is None:
            try:
                st = os.lstat(root / rel)
            except OSError as exc:
                skipped.append((rel, f"not readable: {exc.strerror or exc}"))
                continue
            size = st.st_size
        if size > MAX_TARGET_BYTES:
            skipped.append((rel, f"over {MAX_TARGET_BYTES // (1024 * 1024)} MB ({size} bytes): not given to Semgrep"))
            continue
        why = generated_reason(rel, size)
        if why:
            skipped.append((rel, why))
            continue
        keep.append(rel)
    return keep, skipped


def run(ctx: StageContext, files: Sequence[str], user_rule_files: Sequence[Path] = (),
        *, on_start: Any = None) -> tuple[list[Finding], list[tuple[str, str]], bool, str]:
    """(findings, skipped, available, reason); ``on_start(Invocation)`` sees each process's argv/env."""
    pack_rules.pack()  # a malformed pack raises here, before any process starts
    found = locate()
    if found.executable is None:
        return [], [], False, found.reason
    if ctx.runtime is None:
        return [], [], False, "no runtime: Semgrep runs only inside an audit (ctx.runtime.procs)"
    root = ctx.repo or Path(".")
    targets, skipped = _select(ctx, root, files)
    configs = [pack_rules.RULES_DIR, *(Path(p).resolve() for p in user_rule_files)]
    if not targets:
        return [], skipped, True, ""
    env = child_env(ctx.scratch_dir, found.executable)
    lines = _Lines(ctx, root)
    findings: list[Finding] = []
    problems: list[str] = []
    with ctx.runtime.cpu.lease(MAX_JOBS, ctx.cancel) as jobs:
        for batch in batches(targets):
            if ctx.cancel.is_set():
                problems.append("cancelled")
                break
            argv = [*base_argv(found.executable, configs, jobs), "--", *map(_target_arg, batch)]
            inv = Invocation(tuple(argv), env, str(root))
            if on_start is not None:
                on_start(inv)
            try:
                proc = ctx.runtime.procs.run(argv, cwd=root, env=env)
            except Cancelled:
                problems.append("cancelled while Semgrep ran")
                break
            except OSError as exc:
                return findings, skipped, False, f"Semgrep could not start: {exc}"
            doc = _parse(proc)
            if doc is not None and user_rule_files and len(configs) > 1 and _rules_refused(doc, proc.returncode, batch):
                # A broken user rule file makes Semgrep refuse the whole configuration: say so and
                # run our pack alone rather than scanning nothing.
                problems.append("user Semgrep rules refused, ran without them: " + "; ".join(to_skipped(doc, batch)[1])[:300])
                configs = [pack_rules.RULES_DIR]
                argv = [*base_argv(found.executable, configs, jobs), "--", *map(_target_arg, batch)]
                if on_start is not None:
                    on_start(Invocation(tuple(argv), env, str(root)))
                try:
                    proc = ctx.runtime.procs.run(argv, cwd=root, env=env)
                except Cancelled:
                    problems.append("cancelled while Semgrep ran")
                    break
                doc = _parse(proc)
            if doc is None:
                problems.append(_crash_reason(proc))
                if ctx.runtime.procs.killed or ctx.cancel.is_set():
                    break
                continue
            findings += to_findings(doc, lines)
            per_file, general = to_skipped(doc, batch)
            skipped += per_file
            problems += general
            if proc.returncode not in (0, 1) and not general:
                problems.append(f"Semgrep exited with {proc.returncode}")
    return findings, skipped, True, "; ".join(dict.fromkeys(problems))[:500]


def _rules_refused(doc: Mapping[str, Any], returncode: int, targets: Sequence[str]) -> bool:
    """Semgrep ran no rule at all because a configuration file was invalid."""
    if returncode in (0, 1) or doc.get("results"):
        return False
    return bool(to_skipped(doc, targets)[1])


def _parse(proc: subprocess.CompletedProcess[bytes]) -> Mapping[str, Any] | None:
    out = proc.stdout.decode("utf-8", "replace").strip()
    if not out.startswith("{"):
        return None
    try:
        doc = json.loads(out)
    except ValueError:
        return None
    return doc if isinstance(doc, Mapping) else None


def _crash_reason(proc: subprocess.CompletedProcess[bytes]) -> str:
    err = [ln.strip() for ln in proc.stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
    tail = err[-1][:200] if err else "no output"
    return f"Semgrep failed (exit {proc.returncode}): {tail}"


def timed(fn: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    t0 = time.monotonic()
    return fn(*args, **kwargs), time.monotonic() - t0
