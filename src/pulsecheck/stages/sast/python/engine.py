"""The repository-wide part of the Python engine: module and function resolution, summaries
iterated over the call graph to a fixed point (capped), PHI knowledge from the data map, and
the hits that become findings."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import libcst as cst

from pulsecheck.knowledge import DataMap, vocabulary
from pulsecheck.stages.sast.catalog import SastRule, name_matches
from pulsecheck.stages.sast.python.index import ClassInfo, Func, Module, dotted
from pulsecheck.stages.sast.python.interp import Budget, Call, Interp, Summary
from pulsecheck.stages.sast.python.values import Src, Step, Val

MAX_ROUNDS = 5
STRONG_IDENTIFIERS = frozenset({"ssn", "passport", "drivers_license", "driver_license", "insurance_id", "mrn",
                                "medical_record_number", "health_plan_id", "account_number", "credit_card",
                                "bank_account", "national_id", "tax_id"})
MEDICAL_TABLE = re.compile(r"observation|diagnos|medication|prescription|allerg|immuniz|condition|procedure|vital|"
                           r"lab_?result|encounter|clinical|treatment", re.I)
ENCRYPTED = re.compile(r"Encrypt|encrypt|Fernet|PGP|pgp_sym|Vault|Sealed|Cipher", re.I)
"""Summary rounds before the fixed point is declared (recursion converges in one or two)."""
DEID_WORDS = re.compile(r"de_?identif|redact|anonymi|pseudonymi|mask|scrub|strip_phi|remove_phi|sanitize_phi|"
                        r"safe_harbor|deid", re.I)
PERSON_TABLE = re.compile(r"patient|member|person|people|client|resident|subject|beneficiar|enrollee|"
                          r"encounter|chart|record|visit|claim", re.I)


@dataclass
class Hit:
    rule: SastRule
    path: str
    line: int
    column: int | None
    trace: tuple[Step, ...]
    source: Src | None
    qual: str
    snippet: str
    note: str = ""
    weak: bool = False
    sink_call: str = ""
    """The dotted name of the sink call (``sentry_sdk.set_user``), for the processors facts."""


class Program:
    def __init__(self, modules: Sequence[Module], rules: Sequence[SastRule], data_map: DataMap | None = None,
                 sanitizers: Sequence[str] = (), note: Callable[[str], None] | None = None) -> None:
        from pulsecheck.stages.sast.python.checks import Checks

        self.modules = list(modules)
        self.by_name: dict[str, Module] = {m.name: m for m in self.modules}
        self.by_path: dict[str, Module] = {m.path: m for m in self.modules}
        self._suffix: dict[str, list[Module]] = {}
        for m in self.modules:
            parts = m.name.split(".")
            for i in range(1, len(parts)):
                self._suffix.setdefault(".".join(parts[i:]), []).append(m)
        self.classes: dict[str, tuple[Module, ClassInfo]] = {}
        for m in self.modules:
            for q, c in m.classes.items():
                self.classes.setdefault(c.name, (m, c))
                self.classes.setdefault(q, (m, c))
        self._rules = {r.id: r for r in rules}
        self.taint_rules = [r for r in rules if r.kind == "taint"]
        self.phi_classes = tuple(sorted({r.cls for r in self.taint_rules if {"phi", "pii"} & set(r.sources)}))
        self.skip_rules: set[str] = set()
        self.data_map = data_map or DataMap()
        self.extra_sanitizers = tuple(sanitizers)
        self.summaries: dict[str, Summary] = {}
        self.globals: dict[str, dict[str, Val]] = {}
        self.hits: dict[tuple[str, str, int], Hit] = {}
        self.hits_by_owner: dict[str, dict[tuple[str, str, int], Hit]] = {}
        self.callers: dict[str, set[str]] = {}
        """Callee qual -> the top-level functions whose analysis used its summary."""
        self.notes: list[str] = []
        self._note = note
        self._budget_noted: set[str] = set()
        self.checks = Checks(self)
        self.judged: set[str] = set()
        self.calls: list[tuple[Module, int, str, Val]] = []
        """Outbound calls seen in the final round (for the processors facts)."""
        self._sanitizer_cache: dict[tuple[str, str], tuple[str, ...]] = {}
        self._vocab_cache: dict[str, tuple[str, str] | None] = {}
        self._franges: dict[str, list[tuple[int, int, str]]] = {}
        self._owner = ""

    # --- running -------------------------------------------------------------------------------
    def run(self, cancel: Callable[[], bool] = lambda: False) -> list[Hit]:
        """One pass over every function, then only the callers of functions whose summary
        changed, until nothing changes (at most :data:`MAX_ROUNDS` passes). Each function's hits
        come from its latest analysis."""
        funcs: dict[str, Func] = {}
        for m in self.modules:
            funcs.update((f.qual, f) for f in m.functions.values() if f.outer is None)
        for m in self.modules:
            if cancel():
                return self._all_hits()
            self._run_one(m.top)  # type: ignore[arg-type]
        todo = list(funcs)
        for _ in range(MAX_ROUNDS):
            before = {q: s.key() for q, s in self.summaries.items()}
            for q in todo:
                if cancel():
                    return self._all_hits()
                self._run_one(funcs[q])
            changed = {q for q, s in self.summaries.items() if before.get(q) != s.key()}
            if not changed:
                break
            todo = sorted({caller for callee in changed for caller in self.callers.get(callee, ()) if caller in funcs})
            if not todo:
                break
        for m in self.modules:  # module code that calls functions, with their final summaries
            self._run_one(m.top)  # type: ignore[arg-type]
        self._columns()
        return self._all_hits()

    def _columns(self) -> None:
        """PHI columns an ORM model stores in clear where the framework offers field encryption."""
        rule = self.rule("sast.phi-column-unencrypted")
        if rule is None:
            return
        hits = self.hits_by_owner.setdefault("<columns>", {})
        for m in self.modules:
            orm = any(v.startswith(("sqlalchemy", "django.db", "flask_sqlalchemy", "sqlmodel")) for v in m.imports.values())
            if not orm:
                continue
            for c in m.classes.values():
                if c.table is None or not c.field_defs:
                    continue
                known = self.data_map.table(c.table) or self.data_map.table(c.name)
                for name, line, text in c.field_defs:
                    f = self.data_map.field(known.name, name) if known is not None else None
                    kind = f.kind if f is not None else (self.vocab_kind(name) or ("", ""))[1]
                    if kind not in STRONG_IDENTIFIERS:
                        continue
                    if not re.search(r"\b(?:Column|mapped_column|CharField|TextField|String|Text)\b", text) or \
                            ENCRYPTED.search(text):
                        continue
                    self.judged.add(rule.id)
                    hits[(rule.id, m.path, line)] = Hit(
                        rule=rule, path=m.path, line=line, column=None, trace=(), source=None,
                        qual=c.name, snippet=m.snippet(line), note=f"{c.table}.{name} ({kind}) stored in clear")

    def _all_hits(self) -> list[Hit]:
        out: dict[tuple[str, str, int], Hit] = {}
        for per in self.hits_by_owner.values():
            for key, h in per.items():
                old = out.get(key)
                if old is None or (old.weak and not h.weak):
                    out[key] = h
        self.hits = out
        return list(out.values())

    def _run_one(self, fn: Func, report: bool = True) -> None:
        self.hits_by_owner[fn.qual] = {}
        try:
            it = Interp(self, fn, report)
            summ = it.run()
        except RecursionError:
            self._once(fn.qual, f"{fn.module.path}: {fn.name}: too deeply nested to analyse (RecursionError)")
            return
        except Budget:
            self.note_budget(fn)
            return
        if fn.name == "<module>":
            self.globals[fn.module.name] = it.env
        else:
            self.summaries[fn.qual] = summ

    def _once(self, key: str, message: str) -> None:
        if key in self._budget_noted:
            return
        self._budget_noted.add(key)
        self.notes.append(message)
        if self._note is not None:
            self._note(message)

    def note_budget(self, fn: Func) -> None:
        self._once(fn.qual, f"{fn.module.path}: {fn.name}: analysis work cap reached, rest of the function not analysed")

    # --- what the interpreter asks ---------------------------------------------------------------
    def rule(self, rule_id: str) -> SastRule | None:
        if rule_id in self.skip_rules:
            return None
        return self._rules.get(rule_id)

    def set_summary(self, qual: str, summ: Summary) -> None:
        self.summaries[qual] = summ

    def global_val(self, mod: Module, name: str) -> Val | None:
        g = self.globals.get(mod.name)
        return g.get(name) if g is not None else None

    def repo_class(self, mod: Module, name: str) -> ClassInfo | None:
        hit = self.classes.get(name) or self.classes.get(name.rsplit(".", 1)[-1])
        return hit[1] if hit is not None else None

    def repo_class_name(self, mod: Module, name: str) -> str:
        c = self.repo_class(mod, name)
        return c.name if c is not None else name

    def table_of(self, cls: str) -> str | None:
        hit = self.classes.get(cls) or self.classes.get(cls.rsplit(".", 1)[-1])
        if hit is None and "." in cls:
            # Patient.query, models.Patient.objects: the model class inside a dotted name
            seg = next((x for x in reversed(cls.split(".")[:-1]) if x[:1].isupper() and x in self.classes), None)
            hit = self.classes.get(seg) if seg is not None else None
        if hit is None:
            return None
        return hit[1].table

    def is_patient_table(self, cls: str) -> bool:
        table = self.table_of(cls)
        if table is None:
            return False
        known = self.data_map.table(table) or self.data_map.table(cls.rsplit(".", 1)[-1])
        if known is not None:
            return known.medical or bool(PERSON_TABLE.search(known.name)) and known.identity
        return bool(PERSON_TABLE.search(table) or MEDICAL_TABLE.search(table))

    def vocab_kind(self, name: str) -> tuple[str, str] | None:
        if name in self._vocab_cache:
            return self._vocab_cache[name]
        out: tuple[str, str] | None = None
        if len(name) <= 60:
            fc = vocabulary().classify(name)
            if fc is not None and not fc.weak and fc.category != "credentials" and fc.basis == "phrase":
                out = ("phi" if fc.category == "medical" else "pii", fc.kind)
        self._vocab_cache[name] = out
        return out

    def phi_of(self, base: Val, attr: str) -> tuple[str, str, bool] | None:
        """(kind, label, weak) when ``base.attr`` holds patient or personal data."""
        if "import" in base.tags or "request" in base.tags:
            return None
        table = self.table_of(base.cls) if base.cls else None
        if table is not None:
            cls_name = (base.cls or "").rsplit(".", 1)[-1]
            known = self.data_map.table(table) or self.data_map.table(cls_name)
            if known is not None:
                f = self.data_map.field(known.name, attr)
                if f is None or not f.personal:
                    return None
                kind = "phi" if f.medical or PERSON_TABLE.search(known.name) or known.medical else "pii"
                return kind, f"{known.name}.{attr}: {f.kind}", False
        v = self.vocab_kind(attr)
        if v is None:
            return None
        return v[0], f"{attr}: {v[1]}", True

    def is_deid(self, full: str, method: str) -> bool:
        if full.endswith(".anonymize") or method == "anonymize":
            return True
        if any(name_matches(s, full) or s == method for s in self.extra_sanitizers):
            return True
        return bool(DEID_WORDS.search(method)) and not method.startswith(("unmask", "reidentify"))

    def sanitizer_classes(self, full: str, method: str) -> tuple[str, ...]:
        key = (full, method)
        hit = self._sanitizer_cache.get(key)
        if hit is None:
            hit = tuple(sorted({r.cls for r in self.taint_rules for s in r.sanitizers
                                if name_matches(s, full) or (s.startswith("*.") and s[2:] == method)}))
            self._sanitizer_cache[key] = hit
        return hit

    def find_module(self, name: str) -> Module | None:
        m = self.by_name.get(name)
        if m is not None:
            return m
        cands = self._suffix.get(name, [])
        return cands[0] if len(cands) == 1 else None

    def lookup(self, full: str, depth: int = 0) -> tuple[str, Any, bool] | None:
        parts = full.split(".")
        for i in range(len(parts) - 1, 0, -1):
            mod = self.find_module(".".join(parts[:i]))
            if mod is None:
                continue
            rest = ".".join(parts[i:])
            fn = mod.functions.get(rest)
            if fn is not None:
                return ("func", self._summary_of(fn), False)
            if rest in mod.classes:
                init = mod.functions.get(f"{rest}.__init__")
                del init
                return ("class", mod.classes[rest].name, False)
            if depth < 3 and parts[i] in mod.imports:
                return self.lookup(".".join([mod.imports[parts[i]], *parts[i + 1:]]), depth + 1)
            return None
        return None

    def _summary_of(self, fn: Func) -> Summary:
        if self._owner:
            self.callers.setdefault(fn.qual, set()).add(self._owner)
        return self.summaries.get(fn.qual) or Summary(params=fn.params)

    def resolve_call(self, it: Interp, call: Call, env: dict[str, Val]) -> tuple[str, Any, bool] | None:
        self._owner = it.owner
        mod = it.mod
        func = call.node.func
        if isinstance(func, cst.Name):
            n = func.value
            if n in env and "import" not in env[n].tags and "function" not in env[n].tags:
                return None
            fn = mod.functions.get(n)
            if fn is not None and fn.outer is None:
                return ("func", self._summary_of(fn), False)
            if n in mod.classes:
                return ("class", mod.classes[n].name, False)
            target = it.local_imports.get(n) or mod.imports.get(n)
            if target is not None:
                return self.lookup(target)
            return None
        if isinstance(func, cst.Attribute):
            d = dotted(func)
            method = func.attr.value
            recv = call.receiver
            if d is not None:
                first = d.split(".")[0]
                if first in {"self", "cls"} and it.fn.cls and d.count(".") == 1:
                    fn = mod.functions.get(f"{it.fn.cls}.{method}")
                    if fn is not None:
                        return ("func", self._summary_of(fn), True)
                    return None
                if first in mod.classes and d.count(".") == 1:
                    fn = mod.functions.get(f"{first}.{method}")
                    if fn is not None:
                        return ("func", self._summary_of(fn), False)
                if first not in env and (first in mod.imports or first in it.local_imports):
                    base = it.local_imports.get(first) or mod.imports[first]
                    return self.lookup(".".join([base, *d.split(".")[1:]]))
            if recv is not None and recv.cls and "import" not in recv.tags:
                hit = self.classes.get(recv.cls)
                if hit is not None:
                    m2, c = hit
                    q = c.methods.get(method)
                    if q is not None:
                        fn = m2.functions[q]
                        return ("func", self._summary_of(fn), True)
        return None

    # --- results ---------------------------------------------------------------------------------
    def enclosing(self, path: str, line: int) -> str:
        mod = self.by_path.get(path)
        if mod is None:
            return ""
        ranges = self._franges.get(path)
        if ranges is None:
            ranges = sorted(((mod.line(f.node), mod.end_line(f.node), q) for q, f in mod.functions.items()),
                            key=lambda r: (r[0], -r[1]))
            self._franges[path] = ranges
        best = ""
        for start, end, q in ranges:
            if start <= line <= end:
                best = q
        return best

    def hit(self, rule: SastRule, trace: tuple[Step, ...], src: Src | None, sink: Step, it: Interp,
            note: str = "", sink_call: str = "") -> None:
        self.judged.add(rule.id)
        if not it.report:
            return
        key = (rule.id, sink.path, sink.line)
        hits = self.hits_by_owner.setdefault(it.owner, {})
        old = hits.get(key)
        weak = bool(src is not None and (src.weak or src.kind == "env"))
        if old is not None and (not old.weak or weak):
            return
        mod = self.by_path.get(sink.path, it.mod)
        hits[key] = Hit(rule=rule, path=sink.path, line=sink.line, column=sink.column, trace=trace,
                             source=src, qual=self.enclosing(sink.path, sink.line), snippet=mod.snippet(sink.line),
                             note=note, weak=weak, sink_call=sink_call)

    def pattern(self, rule_id: str, it: Interp, node: cst.CSTNode, note: str = "", weak: bool = False) -> None:
        rule = self.rule(rule_id)
        if rule is None:
            return
        self.judged.add(rule_id)
        if not it.report:
            return
        line = it.mod.line(node)
        key = (rule_id, it.mod.path, line)
        hits = self.hits_by_owner.setdefault(it.owner, {})
        if key in hits:
            return
        hits[key] = Hit(rule=rule, path=it.mod.path, line=line, column=it.mod.column(node), trace=(),
                             source=None, qual=self.enclosing(it.mod.path, line), snippet=it.mod.snippet(line),
                             note=note, weak=weak)


def analyse(modules: Iterable[Module], rules: Sequence[SastRule], data_map: DataMap | None = None,
            sanitizers: Sequence[str] = (), note: Callable[[str], None] | None = None,
            cancel: Callable[[], bool] = lambda: False) -> tuple[list[Hit], Program]:
    prog = Program(list(modules), rules, data_map, sanitizers, note)
    return prog.run(cancel), prog
