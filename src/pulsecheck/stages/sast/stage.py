"""The SAST stage: Python through pulsecheck's own data-flow engine, JavaScript/TypeScript,
Java and Go through Semgrep CE (our rule pack, one invocation, in a thread beside the engine).

Every Python file is parsed once (libcst); a file that cannot be parsed is a note naming it.
Findings sit at the sink line with the data-flow path in ``properties["flow"]``; the identity is
rule + enclosing function + normalised sink line, so a finding survives the code moving."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from pulsecheck.model import Confidence, FileLocation, Finding, Rule, Severity, Targets
from pulsecheck.sources.tree import FileEntry, FileIndex
from pulsecheck.sources.workspace import tree_for
from pulsecheck.stages.interface import StageContext, StageSkip
from pulsecheck.stages.sast import processors
from pulsecheck.stages.sast.catalog import SastRule, python_rules
from pulsecheck.stages.sast.options import SastOptions
from pulsecheck.stages.sast.python.engine import Hit, Program, analyse
from pulsecheck.stages.sast.python.index import Module, parse

SEMGREP_LANGS = ("JavaScript", "TypeScript", "Java", "Go")
SEMGREP_MAX_BYTES = 2_000_000
MINIFIED_LINE = 5_000
"""A JS/TS file whose first 8 KB hold a line this long is a minified bundle: not scanned."""
MAX_NOTES = 100
_STRING = re.compile(r"""(?P<q>[rbuRBUfF]{0,2}(?:'''|\"\"\"|'|"))(?:(?!(?P=q)).){1,}?(?P=q)""")


def _normal(snippet: str) -> str:
    return " ".join(_STRING.sub("<s>", snippet).split())


def _evidence(hit: Hit) -> str:
    text = hit.snippet
    if hit.rule.cls in {"secret"} or "secret" in hit.rule.id:
        text = _STRING.sub("'<redacted>'", text)
    return text[:200]


def hit_to_finding(hit: Hit, seen: dict[str, int]) -> Finding:
    rule = hit.rule.rule
    flow = [s.to_json() for s in hit.trace]
    confidence = rule.confidence
    severity = rule.severity
    if hit.weak:
        confidence = Confidence.MEDIUM if confidence == Confidence.HIGH else Confidence.LOW
    if hit.source is not None and hit.source.kind == "env":
        confidence = Confidence.LOW
        severity = min(severity, Severity.MEDIUM)
    base = f"{hit.qual}|{_normal(hit.snippet)}"
    n = seen.get(base, 0)
    seen[base] = n + 1
    identity = base if n == 0 else f"{base}|{n}"
    where = f" in {hit.qual.rsplit('.', 1)[-1]}()" if hit.qual else ""
    what = ""
    if hit.source is not None:
        label = hit.source.label or (hit.trace[0].note if hit.trace else hit.source.kind)
        origin = f"{hit.trace[0].path}:{hit.trace[0].line}" if hit.trace else ""
        what = f": {label} from {origin}" if hit.source.kind in {"phi", "pii"} else f": {hit.trace[0].note} ({origin})" \
            if hit.trace else ""
    elif hit.note:
        what = f": {hit.note}"
    message = f"{rule.title}{where}{what}"
    props: dict[str, Any] = {"language": "python", "function": hit.qual, "class": hit.rule.cls}
    if flow:
        props["flow"] = flow
    if hit.sink_call:
        props["sink"] = hit.sink_call
    if hit.source is not None:
        props["source_kind"] = hit.source.kind
        if hit.source.label:
            props["data"] = hit.source.label
    return Finding.from_rule(rule, message=message, location=FileLocation(hit.path, hit.line, hit.line),
                             evidence=_evidence(hit), identity=identity, severity=severity, confidence=confidence,
                             properties=props)


def python_entries(tree: FileIndex, opts: SastOptions) -> list[FileEntry]:
    return [e for e in tree.files(kinds=("text",), langs=("Python",), include_vendored=opts.include_vendored)
            if e.path.endswith(".py") and (opts.include_tests or not e.test)]


def parse_entries(tree: FileIndex, entries: Sequence[FileEntry], max_bytes: int, note: Callable[[str], None],
                  cancel: Callable[[], bool] = lambda: False) -> tuple[list[Module], int]:
    """Parse each file once; returns the modules and the count of files not parsed."""
    modules: list[Module] = []
    failed = 0
    for e in entries:
        if cancel():
            break
        if e.size > max_bytes:
            note(f"{e.path}: not parsed: {e.size} bytes, over the {max_bytes}-byte limit for Python sources")
            failed += 1
            continue
        text = tree.text(e)
        if text is None:
            note(f"{e.path}: not parsed: could not be read as text")
            failed += 1
            continue
        mod, reason = parse_text(e.path, text)
        if mod is None:
            note(f"{e.path}: not parsed: {reason}")
            failed += 1
            continue
        modules.append(mod)
    return modules, failed


def parse_text(path: str, text: str) -> tuple[Module | None, str]:
    try:
        return parse(path, text), ""
    except RecursionError:
        return None, "too deeply nested (RecursionError)"
    except Exception as exc:  # noqa: BLE001 - libcst's ParserSyntaxError and friends
        first = str(exc).strip().splitlines()
        return None, (first[0] if first else type(exc).__name__)[:200]


def semgrep_entries(tree: FileIndex, opts: SastOptions, note: Callable[[str], None]) -> list[str]:
    out: list[str] = []
    for e in tree.files(kinds=("text",), langs=SEMGREP_LANGS, include_vendored=opts.include_vendored):
        if e.test and not opts.include_tests:
            continue
        if e.size > SEMGREP_MAX_BYTES:
            note(f"{e.path}: not scanned: {e.size} bytes, over the {SEMGREP_MAX_BYTES}-byte limit")
            continue
        if e.lang in {"JavaScript", "TypeScript"} and e.size > 20_000:
            head = tree.head(e, 8192)
            if any(len(line) > MINIFIED_LINE for line in head.split(b"\n")):
                note(f"{e.path}: not scanned: minified bundle")
                continue
        out.append(e.path)
    return out


class SastStage:
    name = "sast"
    Options = SastOptions
    needs = frozenset({"repo", "tree", "profile"})
    provides: frozenset[str] = frozenset()

    def applies(self, targets: Targets) -> bool:
        return targets.path is not None

    def rules(self) -> Sequence[Rule]:
        rules = [r.rule for r in python_rules()]
        try:
            from pulsecheck.stages.sast.semgrep import semgrep_rules
        except ImportError:
            return rules
        return rules + list(semgrep_rules())

    def explain(self, rule_id: str) -> dict[str, str] | None:
        """The rule's vulnerable and fixed examples (``pulsecheck rules show``)."""
        for r in python_rules():
            if r.id == rule_id:
                return {"bad": r.bad, "good": r.good}
        return None

    def run(self, ctx: StageContext) -> Iterator[Finding]:
        root = ctx.repo
        if root is None:
            return
        opts = SastOptions.model_validate(ctx.options.model_dump()) if ctx.options is not None else SastOptions()
        tree = tree_for(ctx.workspace, root, tuple(ctx.settings.exclude))
        notes: list[str] = []

        def note(msg: str) -> None:
            notes.append(msg)
            if len(notes) <= MAX_NOTES:
                ctx.note(msg)

        py = python_entries(tree, opts)
        others = semgrep_entries(tree, opts, note)
        if not py and not others:
            raise StageSkip("no Python, JavaScript/TypeScript, Java or Go source found")
        semgrep_box: dict[str, Any] = {}
        thread = None
        if others or opts.rules:
            thread = threading.Thread(target=self._semgrep, args=(ctx, others, opts, semgrep_box),
                                      name="sast-semgrep", daemon=True)
            thread.start()
        t0 = time.monotonic()
        rules = [r for r in python_rules() if r.id not in set(opts.disable)]
        facts = ctx.profile_facts
        data_map = facts.data_map if facts is not None else None
        modules, failed = parse_entries(tree, py, opts.max_file_bytes, note, ctx.cancel.is_set)
        parse_time = time.monotonic() - t0
        hits, prog = analyse(modules, rules, data_map, opts.sanitizers, note, ctx.cancel.is_set)
        py_time = time.monotonic() - t0
        seen: dict[str, int] = {}
        findings = [hit_to_finding(h, seen) for h in sorted(hits, key=lambda h: (h.path, h.line, h.rule.id))]
        yield from findings
        ctx.facts["python"] = {"files": len(py), "parsed": len(modules), "not_parsed": failed,
                               "functions": sum(len(m.functions) for m in modules), "seconds": round(py_time, 3),
                               "parse_seconds": round(parse_time, 3)}
        ctx.facts["processors"] = processors.collect(prog, modules, findings, tree, others)
        ctx.facts["assessed"] = assessed(prog, rules)
        if len(notes) > MAX_NOTES:
            ctx.note(f"{len(notes) - MAX_NOTES} more SAST notes not shown")
        if thread is not None:
            while thread.is_alive():
                thread.join(0.2)
                if ctx.cancel.is_set():
                    return
            yield from self._semgrep_results(ctx, semgrep_box, note)

    def _semgrep(self, ctx: StageContext, files: list[str], opts: SastOptions, box: dict[str, Any]) -> None:
        try:
            from pulsecheck.stages.sast.semgrep import run_semgrep
        except ImportError as exc:
            box["error"] = f"semgrep engine not importable ({exc})"
            return
        try:
            box["run"] = run_semgrep(ctx, files, [Path(p).expanduser() for p in opts.rules])
        except Exception as exc:  # noqa: BLE001 - one engine failing must not sink the Python findings
            box["error"] = f"semgrep failed: {str(exc)[:200]}"

    def _semgrep_results(self, ctx: StageContext, box: dict[str, Any], note: Callable[[str], None]) -> Iterator[Finding]:
        if "error" in box:
            ctx.gap(f"JavaScript/TypeScript, Java and Go not scanned: {box['error']}")
            return
        run = box.get("run")
        if run is None:
            return
        if not run.available:
            ctx.gap(f"semgrep not installed: run scripts/bootstrap.sh ({run.reason})" if run.reason
                    else "semgrep not installed: run scripts/bootstrap.sh")
            return
        if run.reason:
            note(f"semgrep: {run.reason}")
        for path, reason in run.skipped:
            note(f"{path}: not scanned by semgrep: {reason}")
        ctx.facts["semgrep"] = {"findings": len(run.findings), "skipped": len(run.skipped),
                                "seconds": round(run.duration_s, 3)}
        yield from run.findings


def assessed(prog: Program, rules: Sequence[SastRule]) -> dict[str, list[str]]:
    """Rule id -> HIPAA sections, for the rules that had something to judge (a sink, a call of the
    kind the rule inspects)."""
    from pulsecheck.compliance.mapper import controls_for

    return {r.id: list(controls_for(r.rule.cwe)[0]) for r in rules if r.id in prog.judged}


STAGE = SastStage()
