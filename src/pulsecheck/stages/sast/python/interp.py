"""Flow-sensitive interpretation of one Python function over abstract values.

Statements in order; ``if`` branches merged as a union, a branch whose test folds to a
constant is the only one taken; loops run twice (loop-carried values); a call of a repository
function applies its summary (which parameters reach its return value, which reach a sink).
Work per function is capped (:data:`MAX_WORK` evaluations); deep nesting raises RecursionError,
which the engine turns into a note."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import libcst as cst

from pulsecheck.stages.sast.python.index import Func, Module, dotted
from pulsecheck.stages.sast.python.values import EMPTY, NOCONST, Src, Step, Val, join, merge

if TYPE_CHECKING:
    from pulsecheck.stages.sast.python.engine import Program

MAX_WORK = 60_000
"""Expression evaluations per function (per round) before the rest of it is given up."""

REQUEST_INPUTS = {
    # attribute -> whole mapping (True: an untyped body whose keys the client chooses)
    "args": False, "form": True, "values": True, "json": True, "get_json": True, "cookies": False,
    "headers": False, "files": False, "data": True, "get_data": False, "view_args": False,
    "GET": False, "POST": True, "COOKIES": False, "META": False, "body": False, "FILES": False,
    "query_params": False, "path_params": False, "query": False, "match_info": False, "post": True,
    "text": False, "stream": False, "input_stream": False, "query_string": False, "rel_url": False,
}
REQUEST_TYPES = {"Request", "HttpRequest", "WSGIRequest", "BaseRequest", "HTTPConnection", "WebSocket"}
SAFE_TYPES = {"Response", "Session", "AsyncSession", "BackgroundTasks", "SecurityScopes", "Connection",
              "int", "float", "bool", "UUID", "uuid.UUID", "date", "datetime", "Decimal", "PositiveInt",
              "conint", "StrictInt", "StrictBool", "datetime.date", "datetime.datetime", "time"}
BODY_TYPES = {"dict", "Dict", "Any", "Mapping", "MutableMapping", "typing.Any", "object", "JSONType", "Json"}
ROUTE_DECORATORS = {"get", "post", "put", "patch", "delete", "route", "api_route", "websocket", "head",
                    "options", "api_view", "view_config", "expose"}
LOG_METHODS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log"}
CLEAN_CALLS = {"int", "float", "bool", "complex", "len", "hash", "id", "ord", "isinstance", "issubclass",
               "callable", "abs", "round", "uuid.UUID", "decimal.Decimal", "math.floor", "math.ceil",
               "type", "hasattr", "range", "ipaddress.ip_address", "datetime.date.fromisoformat",
               "datetime.datetime.fromisoformat", "uuid.uuid4", "uuid.uuid1", "secrets.token_hex",
               "secrets.token_urlsafe", "time.time", "datetime.datetime.now"}
CLEAN_METHODS = {"startswith", "endswith", "isdigit", "isalnum", "isalpha", "isnumeric", "isdecimal",
                 "isidentifier", "islower", "isupper", "isspace", "count", "index", "find", "rfind",
                 "exists", "is_file", "is_dir", "is_relative_to", "hexdigest", "digest", "isoformat_safe",
                 "is_valid", "__len__", "total_seconds", "timestamp"}
MUTATORS = {"append", "extend", "add", "insert", "update", "setdefault", "appendleft", "extendleft", "put",
            "push", "write", "writelines"}
TAG_PASS_METHODS = {"copy", "dict", "to_dict", "items", "values", "keys", "__dict__", "get_json", "json",
                    "model_dump", "getlist", "lists"}
POSITIONAL_TAGS = {"fixed-host"}
LLM_URL = re.compile(r"api\.openai\.com|openai\.azure\.com|api\.anthropic\.com|/chat/completions|/v1/messages"
                     r"|/v1/completions|/v1/responses|generativelanguage\.googleapis\.com|aiplatform\.googleapis"
                     r"|bedrock-runtime|api\.mistral\.ai|api\.cohere\.|api\.groq\.com|api\.together\.|openrouter\.ai",
                     re.I)
LLM_NAME = re.compile(r"(?:^|[._])(?:llm|openai|anthropic|gpt|claude|gemini|chat_?model|completion)s?(?:$|[._])", re.I)
FIXED_PREFIX = re.compile(r"^(?:[a-z][a-z0-9+.-]*://[^/{}\s]+/|/[A-Za-z0-9_-])")
SECRET_NAME = re.compile(r"(?:^|_)(?:secret|password|passwd|pwd|api_?key|apikey|token|private_?key|"
                         r"signing_?key|jwt_?key|hmac_?key|auth_?key|client_?secret|access_?key|credentials?)(?:$|_)",
                         re.I)
NOT_SECRET_NAME = re.compile(r"(?:_|^)(?:url|uri|name|names|header|field|file|path|env|var|prefix|suffix|type|"
                             r"length|len|min|max|expiry|expires|ttl|minutes|seconds|id|endpoint|pattern|regex|"
                             r"placeholder|label|hint|format|algorithm|alg|kind|policy|mode|count|hash|label|"
                             r"message|msg|error|template|key_?name|input|param|scope|display)$", re.I)
RANDOM_NAME = re.compile(r"token|passw|passwd|pwd|otp|secret|nonce|salt|session|csrf|reset|api_?key|pin\b|"
                         r"verification|invite|magic|key$|code$", re.I)
PASSWORD_NAME = re.compile(r"pass(?:word|wd|phrase)?\b|passw|pwd|pin\b|secret|credential", re.I)
PLACEHOLDER = re.compile(r"^(?:|x+|\*+|\.+|-+|<[^>]*>|\$\{[^}]*\}|\{\{[^}]*\}\}|%\([^)]*\)s|your[-_ ].*|"
                         r"changeme_please|todo|tbd|none|null|example|dummy|test|secret|password)$", re.I)
ANY_ORIGIN = {"*", ".*", ".+", "^.*$", "^.+$", "(.*)", "^(.*)$", "https?://.*", "^https?://.*$"}

ORM_LOOKUPS = frozenset({"get", "filter", "exclude", "first", "last", "one", "one_or_none", "scalar",
                         "scalar_one", "scalar_one_or_none", "get_or_404", "first_or_404", "filter_by", "earliest",
                         "latest", "in_bulk"})
"""Query-set/ORM methods whose result is rows read from the database."""

RECORD_METADATA = frozenset({
    "id", "pk", "uuid", "guid", "external_id", "externalid", "public_id", "object_id", "slug", "version",
    "created_at", "updated_at", "modified_at", "created_date", "modified_date", "created", "modified",
    "status", "state", "count", "__class__", "__name__", "__qualname__", "__module__", "_meta",
    "error_messages", "messages", "help_text", "verbose_name", "label", "labels",
})
"""Attributes that say which record (its key, its timestamps, its class) or hold a message
catalogue, not what the record says: logging ``consultation.external_id`` is the recommended
practice, not a disclosure. Request taint still flows through them (injection rules)."""


class Budget(Exception):
    """The work cap of one function was reached."""


@dataclass
class SinkHit:
    rule: str
    param: int
    trace: tuple[Step, ...]
    safe: frozenset[str]
    call: str = ""


@dataclass
class Summary:
    ret: Val = EMPTY
    sinks: tuple[SinkHit, ...] = ()
    params: tuple[str, ...] = ()

    def key(self) -> tuple[Any, ...]:
        return (frozenset((s.kind, s.safe) for s in self.ret.srcs), self.ret.tags, self.ret.cls,
                frozenset((h.rule, h.param, h.safe) for h in self.sinks))


@dataclass
class Call:
    """What a call site looks like to the checks."""

    node: cst.Call
    full: str
    method: str
    receiver: Val | None
    args: list[tuple[str | None, Val, cst.BaseExpression]]
    star: list[Val] = field(default_factory=list)
    dstar: list[Val] = field(default_factory=list)

    def arg(self, pos: int, kw: str | None = None) -> Val | None:
        positional = [v for k, v, _ in self.args if k is None]
        if kw is not None:
            for k, v, _ in self.args:
                if k == kw:
                    return v
        return positional[pos] if 0 <= pos < len(positional) else None

    def node_of(self, pos: int, kw: str | None = None) -> cst.BaseExpression | None:
        positional = [n for k, _, n in self.args if k is None]
        if kw is not None:
            for k, _, n in self.args:
                if k == kw:
                    return n
        return positional[pos] if 0 <= pos < len(positional) else None

    def kw(self, name: str) -> Val | None:
        for k, v, _ in self.args:
            if k == name:
                return v
        return None

    def select(self, spec: Sequence[str]) -> list[Val]:
        if "*" in spec:
            return [v for _, v, _ in self.args] + self.star + self.dstar
        out: list[Val] = []
        for s in spec:
            if s.isdigit():
                v = self.arg(int(s))
                if v is not None:
                    out.append(v)
                elif int(s) == 0 and self.star:
                    out.extend(self.star)
            else:
                v = self.kw(s)
                if v is not None:
                    out.append(v)
        return out


_BINOPS: dict[type, Callable[[Any, Any], Any]] = {
    cst.Add: operator.add, cst.Subtract: operator.sub, cst.Multiply: operator.mul, cst.Divide: operator.truediv,
    cst.FloorDivide: operator.floordiv, cst.Modulo: operator.mod, cst.BitAnd: operator.and_,
    cst.BitOr: operator.or_, cst.BitXor: operator.xor,
}
_CMPOPS: dict[type, Callable[[Any, Any], Any]] = {
    cst.Equal: operator.eq, cst.NotEqual: operator.ne, cst.LessThan: operator.lt, cst.LessThanEqual: operator.le,
    cst.GreaterThan: operator.gt, cst.GreaterThanEqual: operator.ge,
    cst.In: lambda a, b: a in b, cst.NotIn: lambda a, b: a not in b,
    cst.Is: operator.is_, cst.IsNot: operator.is_not,
}


def _fold_ok(v: Any) -> bool:
    if isinstance(v, (str, bytes)):
        return len(v) <= 10_000
    if isinstance(v, int) and not isinstance(v, bool):
        return abs(v) < 10**30
    return isinstance(v, (float, bool, type(None), frozenset, tuple))


def _terminates(body: Sequence[cst.BaseStatement]) -> bool:
    if not body:
        return False
    last = body[-1]
    if isinstance(last, cst.SimpleStatementLine):
        return any(isinstance(s, (cst.Return, cst.Raise, cst.Continue, cst.Break)) for s in last.body)
    if isinstance(last, cst.If) and last.orelse is not None and isinstance(last.orelse, cst.Else):
        return _terminates(_body(last.body)) and _terminates(_body(last.orelse.body))
    return False


def _body(suite: cst.BaseSuite) -> list[cst.BaseStatement]:
    if isinstance(suite, cst.IndentedBlock):
        return list(suite.body)
    if isinstance(suite, cst.SimpleStatementSuite):
        return [cst.SimpleStatementLine(body=suite.body)]
    return []


def _ann_names(node: cst.BaseExpression | None) -> set[str]:
    if node is None:
        return set()
    names: set[str] = set()
    stack: list[cst.CSTNode] = [node]
    while stack and len(names) < 50:
        n = stack.pop()
        if isinstance(n, (cst.Name, cst.Attribute)):
            d = dotted(n)
            if d:
                names.add(d)
                names.add(d.rsplit(".", 1)[-1])
            if isinstance(n, cst.Attribute):
                continue
        if isinstance(n, cst.SimpleString):
            names.add(str(n.evaluated_value))
        stack.extend(n.children)
    return names


class Interp:
    def __init__(self, prog: Program, fn: Func, report: bool, env: dict[str, Val] | None = None,
                 depth: int = 0, owner: str = "") -> None:
        self.prog = prog
        self.fn = fn
        self.owner = owner or fn.qual
        """The top-level function (or module) whose analysis this is: its hits are replaced together."""
        self.mod: Module = fn.module
        self.report = report
        self.env: dict[str, Val] = dict(env or {})
        self.ret: list[Val] = []
        self.sinks: dict[tuple[str, int, frozenset[str]], SinkHit] = {}
        self.local_funcs: dict[str, Summary] = {}
        self.local_imports: dict[str, str] = {}
        self.work = 0
        self.depth = depth
        self.target_name = ""
        self.route = self._is_route()
        self.read_medical = False
        self.logged = False
        self.handler = any(d.endswith(("exception_handler", "errorhandler", "error_handler")) for d in fn.decorators)

    # --- entry -------------------------------------------------------------------------------
    def run(self) -> Summary:
        node = self.fn.node
        if isinstance(node, cst.FunctionDef):
            self._params(node)
            stmts = _body(node.body)
        else:
            stmts = [st for st in node.body if isinstance(st, cst.BaseStatement)]
        try:
            self.block(stmts, self.env)
        except Budget:
            self.prog.note_budget(self.fn)
        if self.route and self.read_medical and not self.logged and isinstance(node, cst.FunctionDef):
            self.prog.pattern("sast.phi-read-without-audit-log", self, node.name,
                              note=f"{self.fn.name}() reads patient data and logs nothing")
        ret = join(*self.ret) if self.ret else EMPTY
        if len(self.ret) == 1:
            ret = self.ret[0]
        return Summary(ret=ret, sinks=tuple(self.sinks.values()), params=self.fn.params)

    def _is_route(self) -> bool:
        for d in self.fn.decorators:
            last = d.rsplit(".", 1)[-1]
            if last in ROUTE_DECORATORS and (d.count(".") >= 1 or last in {"api_view", "view_config"}):
                return True
        return False

    def _params(self, node: cst.FunctionDef) -> None:
        ps = node.params
        allp = [*ps.posonly_params, *ps.params, *ps.kwonly_params]
        if isinstance(ps.star_arg, cst.Param):
            allp.append(ps.star_arg)
        if ps.star_kwarg is not None:
            allp.append(ps.star_kwarg)
        for i, p in enumerate(allp):
            name = p.name.value
            ann = _ann_names(p.annotation.annotation) if p.annotation is not None else set()
            default = p.default
            dname = dotted(default.func) if isinstance(default, cst.Call) else None
            srcs = {Src(f"param:{i}", (Step(self.mod.path, self.mod.line(p), f"parameter {name}"),))}
            tags: set[str] = set()
            cls: str | None = None
            repo_cls = next((a for a in ann if self.prog.repo_class(self.mod, a) is not None), None)
            if repo_cls is not None:
                cls = self.prog.repo_class_name(self.mod, repo_cls)
            if i == 0 and name in {"self", "cls"} and self.fn.cls:
                cls = self.fn.cls.rsplit(".", 1)[-1]
            if name in {"request", "req"} or ann & REQUEST_TYPES:
                tags.add("request")
            elif self.route and not (dname and dname.rsplit(".", 1)[-1] in {"Depends", "Security"}):
                body_default = dname is not None and dname.rsplit(".", 1)[-1] in {"Body", "Form"}
                if not (ann & SAFE_TYPES) or body_default:
                    tags.add("str")
                    srcs.add(Src("user", (Step(self.mod.path, self.mod.line(p), f"request parameter {name}"),)))
                    if (ann & BODY_TYPES and repo_cls is None) or (body_default and not ann) or p.star == "**":
                        tags.add("body")
            else:
                fc = self.prog.vocab_kind(name)
                if fc is not None and repo_cls is None:
                    srcs.add(Src(fc[0], (Step(self.mod.path, self.mod.line(p), f"parameter {name} ({fc[1]})"),),
                                 label=fc[1], weak=True))
            self.env[name] = Val(srcs=frozenset(srcs), cls=cls, tags=frozenset(tags))

    # --- statements --------------------------------------------------------------------------
    def block(self, stmts: Iterable[cst.BaseStatement], env: dict[str, Val]) -> bool:
        """Run ``stmts`` on ``env`` (in place); True when the block always leaves (return/raise)."""
        return any(self.stmt(st, env) for st in stmts)

    def stmt(self, st: cst.CSTNode, env: dict[str, Val]) -> bool:
        self._tick()
        if isinstance(st, cst.SimpleStatementLine):
            return any(self.small(small, env) for small in st.body)
        if isinstance(st, cst.If):
            return self._if(st, env)
        if isinstance(st, (cst.For,)):
            it = self.expr(st.iter, env)
            elem = self._element(it, st.iter)
            before = dict(env)
            for _ in range(2):
                self.bind(st.target, elem, env, st)
                self.block(_body(st.body), env)
            self._merge_into(env, before)
            if st.orelse is not None:
                self.block(_body(st.orelse.body), env)
            return False
        if isinstance(st, cst.While):
            t = self.expr(st.test, env)
            if t.const is not NOCONST and not t.const:
                return False
            before = dict(env)
            for _ in range(2):
                self.block(_body(st.body), env)
            self._merge_into(env, before)
            return False
        if isinstance(st, cst.Try):
            before = dict(env)
            left = self.block(_body(st.body), env)
            after_body = dict(env)
            outs: list[dict[str, Val]] = [] if left else [after_body]
            if st.orelse is not None and not left:
                self.block(_body(st.orelse.body), after_body)
            for h in st.handlers:
                henv = dict(before)
                self._merge_into(henv, after_body)
                if h.name is not None:
                    self.bind(h.name.name, Val(tags=frozenset({"exc"})), henv, h)
                if not self.block(_body(h.body), henv):
                    outs.append(henv)
            env.clear()
            if outs:
                env.update(outs[0])
                for o in outs[1:]:
                    self._merge_into(env, o)
            else:
                env.update(after_body)
            if st.finalbody is not None:
                self.block(_body(st.finalbody.body), env)
            return not outs
        if isinstance(st, cst.With):
            for item in st.items:
                v = self.expr(item.item, env)
                if item.asname is not None:
                    self.bind(item.asname.name, v, env, item)
            return self.block(_body(st.body), env)
        if isinstance(st, cst.FunctionDef):
            qual = f"{self.fn.qual.split(':', 1)[1]}.{st.name.value}" if isinstance(self.fn.node, cst.FunctionDef) \
                else st.name.value
            inner = self.mod.functions.get(qual)
            if inner is not None and isinstance(self.fn.node, cst.FunctionDef) and self.depth < 4:
                closure = {k: v for k, v in env.items()}
                sub = Interp(self.prog, inner, self.report, closure, self.depth + 1, self.owner)
                summ = sub.run()
                self.local_funcs[st.name.value] = summ
                self.prog.set_summary(inner.qual, summ)
            for d in st.decorators:
                self._decorator(d, st)
            env[st.name.value] = Val(tags=frozenset({"function"}))
            return False
        if isinstance(st, cst.ClassDef):
            return False
        if isinstance(st, cst.Match):
            outs = []
            subject = self.expr(st.subject, env)
            for case in st.cases:
                cenv = dict(env)
                for n in _names_in(case.pattern):
                    cenv[n] = subject
                if not self.block(_body(case.body), cenv):
                    outs.append(cenv)
            for o in outs:
                self._merge_into(env, o)
            return False
        return False

    def small(self, s: cst.BaseSmallStatement, env: dict[str, Val]) -> bool:
        if isinstance(s, cst.Assign):
            self.target_name = " ".join(self.mod.source(t.target) for t in s.targets)[:80]
            v = self.expr(s.value, env)
            self.target_name = ""
            for t in s.targets:
                self.bind(t.target, v, env, s)
                self.prog.checks.assignment(self, t.target, s.value, v, env)
            return False
        if isinstance(s, cst.AnnAssign):
            if s.value is not None:
                self.target_name = self.mod.source(s.target)[:80]
                v = self.expr(s.value, env)
                self.target_name = ""
                self.bind(s.target, v, env, s)
                self.prog.checks.assignment(self, s.target, s.value, v, env)
            return False
        if isinstance(s, cst.AugAssign):
            old = self.expr(s.target, env)
            v = self.expr(s.value, env)
            res = self._binop_fold(old, v, s.operator, s)
            self.bind(s.target, res, env, s)
            return False
        if isinstance(s, cst.Expr):
            self.expr(s.value, env)
            return False
        if isinstance(s, cst.Return):
            v = self.expr(s.value, env) if s.value is not None else EMPTY
            v = v.step(Step(self.mod.path, self.mod.line(s), f"returned from {self.fn.name}()"))
            self.ret.append(v)
            self.prog.checks.returned(self, s, v)
            return True
        if isinstance(s, cst.Raise):
            if s.exc is not None:
                v = self.expr(s.exc, env)
                self.prog.checks.raised(self, s, v)
            return True
        if isinstance(s, (cst.Import, cst.ImportFrom)):
            self._local_import(s)
            return False
        if isinstance(s, cst.Del):
            return False
        if isinstance(s, cst.Assert):
            self.expr(s.test, env)
            return False
        return False

    def _local_import(self, s: cst.Import | cst.ImportFrom) -> None:
        if isinstance(s, cst.Import):
            for a in s.names:
                full = dotted(a.name) or ""
                if a.asname is not None and isinstance(a.asname.name, cst.Name):
                    self.local_imports[a.asname.name.value] = full
                else:
                    self.local_imports[full.split(".")[0]] = full.split(".")[0]
        elif s.module is not None and not s.relative and not isinstance(s.names, cst.ImportStar):
            base = dotted(s.module) or ""
            for a in s.names:
                n = dotted(a.name) or ""
                local = a.asname.name.value if a.asname is not None and isinstance(a.asname.name, cst.Name) else n
                self.local_imports[local] = f"{base}.{n}"

    def _decorator(self, d: cst.Decorator, fn: cst.FunctionDef) -> None:
        self.prog.checks.decorator(self, d, fn)

    def _if(self, st: cst.If, env: dict[str, Val]) -> bool:
        t = self.expr(st.test, env)
        if t.const is not NOCONST and _fold_ok(t.const):
            if t.const:
                return self.block(_body(st.body), env)
            if st.orelse is None:
                return False
            if isinstance(st.orelse, cst.If):
                return self._if(st.orelse, env)
            return self.block(_body(st.orelse.body), env)
        tenv, fenv = dict(env), dict(env)
        self._refine(st.test, tenv, fenv)
        tleft = self.block(_body(st.body), tenv)
        fleft = False
        if st.orelse is not None:
            if isinstance(st.orelse, cst.If):
                fleft = self._if(st.orelse, fenv)
            else:
                fleft = self.block(_body(st.orelse.body), fenv)
        env.clear()
        if tleft and fleft:
            env.update(tenv)
            return True
        if tleft:
            env.update(fenv)
        elif fleft:
            env.update(tenv)
        else:
            env.update(tenv)
            self._merge_into(env, fenv)
        return False

    def _refine(self, test: cst.BaseExpression, tenv: dict[str, Val], fenv: dict[str, Val]) -> None:
        """Allowlist membership, digit checks, containment and host checks sanitize the tested
        variable in the branch where the check passed."""
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            self._refine(test.expression, fenv, tenv)
            return
        if isinstance(test, cst.BooleanOperation):
            if isinstance(test.operator, cst.And):
                self._refine(test.left, tenv, {})
                self._refine(test.right, tenv, {})
            else:
                self._refine(test.left, {}, fenv)
                self._refine(test.right, {}, fenv)
            return
        if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
            comp = test.comparisons[0]
            op = comp.operator
            right = self.expr(comp.comparator, tenv)
            allow = right.const is not NOCONST or right.items is not None and not right.tainted
            if isinstance(op, (cst.In, cst.NotIn)) and allow:
                self._sanitize(test.left, tenv if isinstance(op, cst.In) else fenv, ("*",))
            elif isinstance(op, (cst.Equal, cst.NotEqual)) and right.const is not NOCONST:
                self._sanitize(test.left, tenv if isinstance(op, cst.Equal) else fenv, ("*",))
            return
        if isinstance(test, cst.Call):
            d = dotted(test.func) or ""
            last = d.rsplit(".", 1)[-1]
            if last in {"isdigit", "isnumeric", "isdecimal", "isalnum", "isalpha", "isidentifier"} and \
                    isinstance(test.func, cst.Attribute):
                self._sanitize(test.func.value, tenv, ("*",))
            elif last in {"fullmatch", "match"} and len(test.args) >= 2:
                pat = test.args[0].value
                if isinstance(pat, cst.SimpleString) and (last == "fullmatch" or str(pat.evaluated_value).endswith("$")):
                    self._sanitize(test.args[1].value, tenv, ("*",))
            elif last in {"url_has_allowed_host_and_scheme", "is_safe_url", "is_safe_redirect", "is_allowed_url"} \
                    and test.args:
                self._sanitize(test.args[0].value, tenv, ("redirect", "ssrf"))
            elif last in {"startswith", "is_relative_to", "is_within", "commonpath"} and \
                    isinstance(test.func, cst.Attribute):
                self._sanitize(test.func.value, tenv, ("path",))
            elif last in {"is_safe_path", "safe_join", "within_directory", "is_within_directory"} and test.args:
                self._sanitize(test.args[-1].value, tenv, ("path",))

    def _sanitize(self, node: cst.BaseExpression, env: dict[str, Val], classes: Sequence[str]) -> None:
        names = [n for n in _names_in(node) if n in env]
        if isinstance(node, cst.Name):
            names = [node.value]
        elif len(names) != 1:
            # urlparse(x).hostname in ALLOWED: the one tainted name inside
            names = [n for n in names if env.get(n, EMPTY).tainted][:1]
        for n in names:
            v = env.get(n)
            if v is None:
                continue
            env[n] = replace(v.without(kinds=("*",)), tags=v.tags - {"bodykey", "body"}) if "*" in classes \
                else v.without(safe_for=classes)
            d = dotted(node)
            if d and d != n and d in env:
                env[d] = env[d].without(kinds=("*",)) if "*" in classes else env[d].without(safe_for=classes)

    def _merge_into(self, env: dict[str, Val], other: dict[str, Val]) -> None:
        for k, v in other.items():
            cur = env.get(k)
            env[k] = v if cur is None else merge(cur, v)

    def bind(self, target: cst.CSTNode, v: Val, env: dict[str, Val], at: cst.CSTNode) -> None:
        line = self.mod.line(at)
        shown = self._short(getattr(at, "value", None) or at) if isinstance(at, (cst.Assign, cst.AnnAssign, cst.AugAssign)) \
            else self._short(at)
        if isinstance(target, cst.Name):
            env[target.value] = v.step(Step(self.mod.path, line, f"{target.value} = {shown}"))
            return
        if isinstance(target, (cst.Tuple, cst.List)):
            for i, el in enumerate(target.elements):
                if isinstance(el, cst.StarredElement):
                    self.bind(el.value, replace(v, items=None, const=NOCONST), env, at)
                    continue
                part = v.item(i)
                if part is None:
                    part = replace(v, items=None, const=NOCONST, cls=v.cls if v.tags & {"element"} else None)
                if isinstance(v.const, tuple) and i < len(v.const):
                    part = Val(const=v.const[i])
                self.bind(el.value, part, env, at)
            return
        if isinstance(target, cst.Attribute):
            d = dotted(target)
            if d:
                env[d] = v.step(Step(self.mod.path, line, f"{d} = {shown}"))
                owner = d.rsplit(".", 1)[0]
                if owner in env and v.tainted:
                    cls_before = env[owner].cls
                    env[owner] = replace(join(env[owner], replace(v, const=NOCONST, items=None, tags=frozenset())),
                                         cls=cls_before)
            self.prog.checks.store(self, target, v, env, at)
            return
        if isinstance(target, cst.Subscript):
            self.prog.checks.store(self, target, v, env, at)
            base = target.value
            bname = dotted(base)
            if bname is None:
                return
            cur = env.get(bname, EMPTY)
            key = self._subscript_key(target, env)
            step = Step(self.mod.path, line, f"{self._short(target)} = ...")
            if key is not NOCONST and (cur.items is not None or not cur.tainted):
                items = dict(cur.items or ())
                items[key] = v.step(step)
                env[bname] = Val(srcs=join(cur, v.step(step)).srcs, items=tuple(items.items()), cls=cur.cls,
                                 tags=cur.tags)
            else:
                env[bname] = Val(srcs=join(cur, v.step(step)).srcs, cls=cur.cls, tags=cur.tags)
            return
        if isinstance(target, cst.StarredElement):
            self.bind(target.value, v, env, at)

    def _subscript_key(self, node: cst.Subscript, env: dict[str, Val]) -> Any:
        if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
            return NOCONST
        k = self.expr(node.slice[0].slice.value, env)
        return k.const if k.const is not NOCONST and isinstance(k.const, (str, int, bytes)) else NOCONST

    def _short(self, node: cst.CSTNode) -> str:
        text = " ".join(self.mod.source(node).split())
        return text[:60] + ("..." if len(text) > 60 else "")

    def _tick(self) -> None:
        self.work += 1
        if self.work > MAX_WORK:
            raise Budget()

    # --- expressions -------------------------------------------------------------------------
    def expr(self, node: cst.BaseExpression, env: dict[str, Val]) -> Val:
        self._tick()
        if isinstance(node, cst.Name):
            return self._name(node.value, env)
        if isinstance(node, (cst.Integer, cst.Float, cst.Imaginary)):
            try:
                return Val(const=node.evaluated_value)
            except Exception:  # noqa: BLE001 - odd literal
                return EMPTY
        if isinstance(node, cst.SimpleString):
            try:
                value = node.evaluated_value
                llm = isinstance(value, str) and bool(LLM_URL.search(value))
                return Val(const=value, tags=frozenset({"str", "llm-url"} if llm else {"str"}))
            except Exception:  # noqa: BLE001
                return Val(tags=frozenset({"str"}))
        if isinstance(node, cst.ConcatenatedString):
            return self._strbuild([node.left, node.right], env)
        if isinstance(node, cst.FormattedString):
            parts: list[cst.BaseExpression | str] = []
            for p in node.parts:
                if isinstance(p, cst.FormattedStringText):
                    parts.append(p.value)
                elif isinstance(p, cst.FormattedStringExpression):
                    parts.append(p.expression)
            return self._strbuild(parts, env)
        if isinstance(node, cst.Attribute):
            return self._attribute(node, env)
        if isinstance(node, cst.Call):
            return self._call(node, env)
        if isinstance(node, cst.Subscript):
            base = self.expr(node.value, env)
            key = self._subscript_key(node, env)
            if key is NOCONST:
                for el in node.slice:
                    if isinstance(el.slice, cst.Index):
                        self.expr(el.slice.value, env)
            d = dotted(node.value)
            if key is not NOCONST:
                it = base.item(key)
                if it is not None:
                    return it
                if isinstance(base.const, (str, tuple, bytes)) and isinstance(key, int):
                    try:
                        return Val(const=base.const[key])
                    except IndexError:
                        return EMPTY
                if base.items is not None and not base.tainted:
                    return EMPTY
                if isinstance(key, str) and d is not None:
                    fc = self.prog.phi_of(base, key)
                    if fc is not None:
                        return self._phi_src(fc, node, base)
            return replace(base, const=NOCONST, items=None, tags=base.tags & {"str", "trace", "unverified"} | (
                {"str"} if "request-map" in base.tags else set()), cls=base.cls if "element" in base.tags else None)
        if isinstance(node, cst.BinaryOperation):
            left = self.expr(node.left, env)
            right = self.expr(node.right, env)
            return self._binop_fold(left, right, node.operator, node)
        if isinstance(node, cst.BooleanOperation):
            left = self.expr(node.left, env)
            if left.const is not NOCONST and _fold_ok(left.const):
                if isinstance(node.operator, cst.And) and not left.const:
                    return left
                if isinstance(node.operator, cst.Or) and left.const:
                    return left
                return self.expr(node.right, env)
            right = self.expr(node.right, env)
            return join(left, right)
        if isinstance(node, cst.UnaryOperation):
            v = self.expr(node.expression, env)
            if v.const is not NOCONST and _fold_ok(v.const):
                try:
                    if isinstance(node.operator, cst.Not):
                        return Val(const=not v.const)
                    if isinstance(node.operator, cst.Minus):
                        return Val(const=-v.const)
                    if isinstance(node.operator, cst.Plus):
                        return Val(const=+v.const)
                except TypeError:
                    return EMPTY
            if isinstance(node.operator, cst.Not):
                return EMPTY
            return replace(v, const=NOCONST)
        if isinstance(node, cst.Comparison):
            return self._compare(node, env)
        if isinstance(node, cst.IfExp):
            t = self.expr(node.test, env)
            if t.const is not NOCONST and _fold_ok(t.const):
                return self.expr(node.body if t.const else node.orelse, env)
            tenv, fenv = dict(env), dict(env)
            self._refine(node.test, tenv, fenv)
            return merge(self.expr(node.body, tenv), self.expr(node.orelse, fenv))
        if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
            vals: list[Val] = []
            star: list[Val] = []
            for elem in node.elements:
                if isinstance(elem, cst.StarredElement):
                    star.append(self.expr(elem.value, env))
                else:
                    vals.append(self.expr(elem.value, env))
            whole = join(*vals, *star)
            c: Any = NOCONST
            if not star and all(v.const is not NOCONST and isinstance(v.const, (str, int, float, bytes, bool, type(None)))
                                for v in vals):
                c = tuple(v.const for v in vals) if isinstance(node, cst.Tuple) else frozenset(v.const for v in vals) \
                    if isinstance(node, cst.Set) else tuple(v.const for v in vals)
            items = None if star or isinstance(node, cst.Set) else tuple(enumerate(vals))
            cls = vals[0].cls if vals and all(v.cls == vals[0].cls for v in vals) else None
            return Val(srcs=whole.srcs, const=c, items=items, cls=cls,
                       tags=(whole.tags - POSITIONAL_TAGS) | ({"element"} if cls else set()))
        if isinstance(node, cst.Dict):
            pairs: list[tuple[Any, Val]] = []
            spread: list[Val] = []
            known = True
            for de in node.elements:
                if not isinstance(de, cst.DictElement):
                    spread.append(self.expr(de.value, env))
                    known = False
                    continue
                k = self.expr(de.key, env)
                v = self.expr(de.value, env)
                if k.const is NOCONST or not isinstance(k.const, (str, int, bytes)):
                    known = False
                    spread.append(join(k, v))
                else:
                    pairs.append((k.const, v))
            whole = join(*(v for _, v in pairs), *spread)
            return Val(srcs=whole.srcs, items=tuple(pairs) if known else None,
                       tags=(whole.tags & {"llm-url", "trace", "body"}) | {"dict"})
        if isinstance(node, (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)):
            cenv = dict(env)
            comp: cst.CompFor | None = node.for_in
            conds: list[Val] = []
            while comp is not None:
                it = self.expr(comp.iter, cenv)
                self.bind(comp.target, self._element(it, comp.iter), cenv, comp)
                for cond in comp.ifs:
                    conds.append(self.expr(cond.test, cenv))
                comp = comp.inner_for_in
            if isinstance(node, cst.DictComp):
                out = join(self.expr(node.key, cenv), self.expr(node.value, cenv))
            else:
                out = self.expr(node.elt, cenv)
            return Val(srcs=out.srcs, cls=out.cls, tags=out.tags & {"trace"} | ({"element"} if out.cls else set()))
        if isinstance(node, cst.Await):
            return self.expr(node.expression, env)
        if isinstance(node, cst.NamedExpr):
            v = self.expr(node.value, env)
            self.bind(node.target, v, env, node)
            return v
        if isinstance(node, (cst.Yield,)):
            if isinstance(node.value, cst.BaseExpression):
                self.ret.append(self.expr(node.value, env))
            return EMPTY
        if isinstance(node, cst.Lambda):
            return EMPTY
        if isinstance(node, cst.StarredElement):
            return self.expr(node.value, env)
        if isinstance(node, cst.Ellipsis):
            return Val(const=...)
        return EMPTY

    def _name(self, name: str, env: dict[str, Val]) -> Val:
        v = env.get(name)
        if v is not None:
            return v
        if name in self.local_imports:
            return self._import_val(self.local_imports[name])
        g = self.prog.global_val(self.mod, name)
        if g is not None:
            return g
        if name in self.mod.imports:
            return self._import_val(self.mod.imports[name])
        if name in {"True", "False", "None"}:
            return Val(const={"True": True, "False": False, "None": None}[name])
        if name in self.mod.classes:
            return Val(cls=name)
        return EMPTY

    def _import_val(self, full: str) -> Val:
        tags = {"import"}
        if full in {"flask.request", "quart.request", "bottle.request", "sanic.request"}:
            tags.add("request")
        if full in {"flask.session", "quart.session"}:
            tags.add("session")
        return Val(cls=full, tags=frozenset(tags))

    def _attribute(self, node: cst.Attribute, env: dict[str, Val]) -> Val:
        d = dotted(node)
        if d is not None and d in env:
            return env[d]
        base = self.expr(node.value, env)
        attr = node.attr.value
        if "import" in base.tags and base.cls and "request" not in base.tags:
            return self._import_val(f"{base.cls}.{attr}")
        if "request" in base.tags and attr in REQUEST_INPUTS:
            line = self.mod.line(node)
            tags = {"request-map"} if attr not in {"body", "text", "get_data", "query_string"} else {"str"}
            if REQUEST_INPUTS[attr]:
                tags.add("body")
            if attr in {"json", "get_json", "post", "form", "data", "text", "body"}:
                tags.add("request-call")
            return Val(srcs=frozenset({Src("user", (Step(self.mod.path, line, f"request input {self._short(node)}"),))}),
                       tags=frozenset(tags))
        if "request" in base.tags and attr in {"session"}:
            return Val(tags=frozenset({"session"}))
        if attr in {"validated_data", "cleaned_data"}:
            return replace(base, tags=frozenset({"request-map"}), cls=None)
        if attr == "initial_data":
            return Val(srcs=frozenset({Src("user", (Step(self.mod.path, self.mod.line(node), "serializer.initial_data"),))}),
                       tags=frozenset({"request-map", "body"}))
        if attr in RECORD_METADATA:
            # patient.id, consultation.external_id, obj.__class__: which record, not what it says
            return Val(srcs=frozenset(s for s in base.srcs if s.kind == "user"), tags=frozenset({"str"}))
        fc = self.prog.phi_of(base, attr)
        if fc is not None:
            return self._phi_src(fc, node, base)
        tags = set(base.tags & {"trace", "llm-url", "str"})
        if LLM_NAME.search(attr) and attr.lower().endswith(("url", "endpoint", "base", "host")):
            tags.add("llm-url")
        return Val(srcs=base.srcs, tags=frozenset(tags))

    def _phi_src(self, fc: tuple[str, str, bool], node: cst.CSTNode, base: Val) -> Val:
        kind, label, weak = fc
        s = Src(kind, (Step(self.mod.path, self.mod.line(node), f"{self._short(node)} ({label})"),), label=label, weak=weak)
        return Val(srcs=frozenset({s, *base.srcs}) if base.tainted else frozenset({s}), tags=frozenset({"str"}))

    def _strbuild(self, parts: Sequence[cst.BaseExpression | str], env: dict[str, Val]) -> Val:
        vals: list[Val] = []
        consts: list[Any] = []
        first_text = None
        tags: set[str] = {"str"}
        for i, p in enumerate(parts):
            if isinstance(p, str):
                vals.append(Val(const=p))
                consts.append(p)
                if i == 0:
                    first_text = p
                if LLM_URL.search(p):
                    tags.add("llm-url")
                continue
            v = self.expr(p, env)
            vals.append(v)
            consts.append(v.const)
            if i == 0 and isinstance(v.const, str):
                first_text = v.const
            tags |= v.tags & {"llm-url", "trace"}
            if "fixed-host" in v.tags and i == 0:
                tags.add("fixed-host")
        if first_text and FIXED_PREFIX.match(first_text):
            tags.add("fixed-host")
        whole = join(*vals)
        c: Any = NOCONST
        if all(isinstance(x, str) for x in consts):
            c = "".join(consts)
            if LLM_URL.search(c):
                tags.add("llm-url")
        elif all(isinstance(x, bytes) for x in consts):
            c = b"".join(consts)
        return Val(srcs=whole.srcs, const=c, tags=frozenset(tags))

    def _binop_fold(self, left: Val, right: Val, op: cst.BaseBinaryOp | cst.BaseAugOp, node: cst.CSTNode) -> Val:
        optype = type(op)
        name = optype.__name__.replace("Assign", "")
        fn = next((f for t, f in _BINOPS.items() if t.__name__ == name), None)
        if fn is not None and left.const is not NOCONST and right.const is not NOCONST and \
                _fold_ok(left.const) and _fold_ok(right.const):
            if name == "Multiply" and (isinstance(left.const, (str, bytes, tuple)) or
                                       isinstance(right.const, (str, bytes, tuple))):
                seq, times = (left.const, right.const) if isinstance(left.const, (str, bytes, tuple)) \
                    else (right.const, left.const)
                if not isinstance(times, int) or len(seq) * max(times, 0) > 10_000:
                    fn = None
            if fn is not None:
                try:
                    res = fn(left.const, right.const)
                    if _fold_ok(res):
                        return Val(const=res, tags=(left.tags | right.tags) & {"str"})
                except Exception:  # noqa: BLE001, S110 - 1/0, "a" - 1: no constant
                    pass
        if name in {"Add", "Modulo"} and ("str" in left.tags or isinstance(left.const, str)):
            tags = {"str"} | ((left.tags | right.tags) & {"llm-url", "trace"}) | (left.tags & {"fixed-host"})
            if isinstance(left.const, str) and FIXED_PREFIX.match(left.const):
                tags.add("fixed-host")
            if isinstance(left.const, str) and LLM_URL.search(left.const):
                tags.add("llm-url")
            return Val(srcs=join(left, right).srcs, tags=frozenset(tags))
        if name == "Divide" and ("path" in left.tags or left.cls and "Path" in left.cls):
            return Val(srcs=join(left, right).srcs, cls=left.cls, tags=frozenset({"path"}))
        j = join(left, right)
        return Val(srcs=j.srcs, tags=j.tags & {"str"})

    def _compare(self, node: cst.Comparison, env: dict[str, Val]) -> Val:
        left = self.expr(node.left, env)
        result: Any = True
        vals = [left]
        for comp in node.comparisons:
            right = self.expr(comp.comparator, env)
            vals.append(right)
            fn = _CMPOPS.get(type(comp.operator))
            if result is NOCONST or fn is None or left.const is NOCONST or right.const is NOCONST:
                result = NOCONST
            else:
                try:
                    result = result and bool(fn(left.const, right.const))
                except Exception:  # noqa: BLE001
                    result = NOCONST
            left = right
        return Val(const=result) if result is not NOCONST else EMPTY

    def _element(self, it: Val, node: cst.BaseExpression) -> Val:
        """The value of one element when iterating ``it`` (``for k, v in body.items()``)."""
        tags = set()
        if "body" in it.tags:
            tags.add("bodykey")
        if it.items is not None:
            vals = [v for _, v in it.items]
            j = join(*vals, Val(srcs=it.srcs))
            return Val(srcs=j.srcs, cls=it.cls, tags=frozenset(tags | (j.tags & {"str"})))
        return Val(srcs=it.srcs, cls=it.cls, tags=frozenset(tags | ({"element"} if it.cls else set())))

    # --- calls ---------------------------------------------------------------------------------
    def resolve(self, func: cst.BaseExpression, env: dict[str, Val]) -> tuple[str, str, Val | None]:
        """(dotted name as the checks see it, method name, receiver value)."""
        if isinstance(func, cst.Name):
            n = func.value
            if n in env and env[n].cls and "import" in env[n].tags:
                return env[n].cls or n, n, None
            if n in self.local_imports:
                return self.local_imports[n], n.rsplit(".", 1)[-1], None
            if n in env:
                return n, n, None
            g = self.prog.global_val(self.mod, n)
            if g is not None and g.cls and "import" in g.tags:
                return g.cls, n, None
            return self.mod.imports.get(n, n), n, None
        if isinstance(func, cst.Attribute):
            recv = self.expr(func.value, env)
            method = func.attr.value
            if "import" in recv.tags and recv.cls:
                return f"{recv.cls}.{method}", method, recv
            d = dotted(func.value)
            if recv.cls:
                return f"{recv.cls}.{method}", method, recv
            if d is not None:
                return f"{d}.{method}", method, recv
            if isinstance(func.value, cst.Call):
                inner, _, _ = self.resolve(func.value.func, env)
                return f"{inner}().{method}", method, recv
            return f"?.{method}", method, recv
        return "?", "?", self.expr(func, env)

    def _call(self, node: cst.Call, env: dict[str, Val]) -> Val:
        full, method, recv = self.resolve(node.func, env)
        args: list[tuple[str | None, Val, cst.BaseExpression]] = []
        star: list[Val] = []
        dstar: list[Val] = []
        for a in node.args:
            v = self.expr(a.value, env)
            if a.star == "*":
                star.append(v)
            elif a.star == "**":
                dstar.append(v)
            else:
                args.append((a.keyword.value if a.keyword is not None else None, v, a.value))
        call = Call(node, full, method, recv, args, star, dstar)
        self.prog.checks.call(self, call, env)
        result = self._apply(call, env)
        # mutation of a local container: l.append(x), conf.set(s, k, v), d.update(x)
        if isinstance(node.func, cst.Attribute) and method in MUTATORS | {"set", "__setitem__"}:
            d = dotted(node.func.value)
            if d is not None and d in env:
                cur = env[d]
                added = join(*(v for _, v, _ in args), *star, *dstar)
                if method == "set" and cur.cls and cur.cls.endswith("ConfigParser") and len(args) >= 3 and \
                        args[0][1].const is not NOCONST and args[1][1].const is not NOCONST:
                    items = dict(cur.items or ())
                    items[(args[0][1].const, args[1][1].const)] = args[2][1]
                    env[d] = Val(srcs=join(cur, added).srcs, items=tuple(items.items()), cls=cur.cls, tags=cur.tags)
                elif added.tainted:
                    step = Step(self.mod.path, self.mod.line(node), f"{self._short(node)}")
                    env[d] = Val(srcs=join(cur, added.step(step)).srcs, cls=cur.cls,
                                 tags=cur.tags | (added.tags & {"trace"}))
        return result

    def _apply(self, call: Call, env: dict[str, Val]) -> Val:
        full, method, recv = call.full, call.method, call.receiver
        line = self.mod.line(call.node)
        allargs = [v for _, v, _ in call.args] + call.star + call.dstar
        if self.prog.is_deid(full, method):
            return join(*allargs).without(kinds=("phi", "pii"), safe_for=self.prog.phi_classes)
        if full in CLEAN_CALLS or method in CLEAN_METHODS:
            return Val(tags=frozenset({"str"}) if method in {"hexdigest"} else frozenset())
        # a repository function or class
        target = self._local_or_repo(call, env)
        if target is not None:
            return target
        # sanitizers of the rules (shlex.quote, html.escape, os.path.basename...)
        classes = self.prog.sanitizer_classes(full, method)
        joined = join(*allargs, *( [recv] if recv is not None and "import" not in recv.tags else []))
        if classes:
            return Val(srcs=joined.without(safe_for=classes).srcs, tags=frozenset({"str"}))
        if full in {"traceback.format_exc", "traceback.format_exception", "traceback.format_tb",
                    "traceback.format_stack", "traceback.extract_tb", "traceback.print_exc",
                    "traceback.format_exception_only"}:
            return Val(srcs=frozenset({Src("trace", (Step(self.mod.path, line, f"{full}()"),))}),
                       tags=frozenset({"trace", "str"}))
        if full.endswith("get_unverified_header") or full.endswith("get_unverified_claims"):
            return Val(tags=frozenset({"unverified"}))
        # request.get_json(), request.form.get(...), await request.json()
        if recv is not None and "request" in recv.tags and method in REQUEST_INPUTS:
            tags = {"request-map"} | ({"body"} if REQUEST_INPUTS[method] else set())
            return Val(srcs=frozenset({Src("user", (Step(self.mod.path, line, f"request input {self._short(call.node)}"),))}),
                       tags=frozenset(tags))
        if recv is not None and "request-call" in recv.tags and method in {"json", "form", "body", "text", "post"}:
            return recv
        if recv is not None and recv.items is not None and method == "get" and call.args:
            k = call.args[0][1].const
            if k is not NOCONST:
                it = recv.item(k)
                if it is not None:
                    return it
                if not recv.tainted:
                    return call.args[1][1] if len(call.args) > 1 else EMPTY
        if recv is not None and recv.cls and recv.cls.endswith("ConfigParser") and method in {"get", "getint"} \
                and len(call.args) >= 2:
            k = (call.args[0][1].const, call.args[1][1].const)
            if recv.items is not None and NOCONST not in k:
                it = recv.item(k)
                return it if it is not None else EMPTY
        out_tags: set[str] = set(joined.tags & {"trace", "llm-url"})
        if recv is not None and method in TAG_PASS_METHODS:
            out_tags |= recv.tags & {"body", "request-map", "str", "unverified"}
        if full in {"dict", "list", "tuple", "set", "sorted", "reversed", "copy.copy", "copy.deepcopy", "str",
                    "repr", "format", "json.dumps", "json.loads"}:
            out_tags |= joined.tags & {"body", "str", "dict"}
            if full in {"str", "repr", "format", "json.dumps"}:
                out_tags.add("str")
        if recv is not None and method in {"format", "join", "replace", "strip", "lower", "upper", "encode",
                                           "decode", "lstrip", "rstrip", "split", "title", "capitalize"}:
            out_tags.add("str")
            if recv.const is not NOCONST and isinstance(recv.const, str):
                if method in {"format", "join"} and FIXED_PREFIX.match(recv.const):
                    out_tags.add("fixed-host")
                if LLM_URL.search(recv.const):
                    out_tags.add("llm-url")
            if method == "replace" and "fixed-host" in recv.tags:
                out_tags.add("fixed-host")
        if full in {"os.environ.get", "os.getenv", "os.environ"} or full.startswith("os.environ"):
            return Val(srcs=frozenset(), tags=frozenset({"env"}))
        if full in {"input", "builtins.input"}:
            return Val(srcs=frozenset({Src("env", (Step(self.mod.path, line, "input()"),))}), tags=frozenset({"str"}))
        srcs = joined.srcs if joined.tainted else frozenset()
        if srcs:
            srcs = frozenset(s.step(Step(self.mod.path, line, f"{self._short(call.node)}")) for s in srcs)
        # an object made by a known constructor remembers what made it (openai.OpenAI, redis.Redis)
        cls: str | None = None
        if isinstance(call.node.func, (cst.Name, cst.Attribute)) and (full.split(".")[0] in self.mod.imports.values()
                                                                      or "." in full):
            last = full.rsplit(".", 1)[-1]
            if last[:1].isupper():
                cls = full
        model = next((v.cls for v in allargs if v.cls and self.prog.table_of(v.cls)), None)
        if model is None and recv is not None and recv.cls and self.prog.table_of(recv.cls):
            model = recv.cls
        if model is not None:
            cls = model
            if self.prog.is_patient_table(model):
                self.read_medical = True
            if method in ORM_LOOKUPS and recv is not None and recv.cls == model:
                # Facility.objects.get(external_id=header): the row is stored data, not the request's
                # (the filter value went to the database as a bound parameter)
                srcs = frozenset(s for s in srcs if s.kind != "user")
        c: Any = NOCONST
        if recv is not None and recv.const is not NOCONST and isinstance(recv.const, str) and method in \
                {"lower", "upper", "strip", "format"} and all(v.const is not NOCONST for v in allargs):
            try:
                c = getattr(recv.const, method)(*[v.const for v in allargs])
            except Exception:  # noqa: BLE001
                c = NOCONST
        return Val(srcs=srcs, const=c if _fold_ok(c) else NOCONST, cls=cls, tags=frozenset(out_tags))

    def _local_or_repo(self, call: Call, env: dict[str, Val]) -> Val | None:
        node = call.node
        summ: Summary | None = None
        skip_self = False
        label = call.full
        if isinstance(node.func, cst.Name) and node.func.value in self.local_funcs:
            summ = self.local_funcs[node.func.value]
        else:
            target = self.prog.resolve_call(self, call, env)
            if target is None:
                return None
            kind, obj, skip_self = target
            if kind == "class":
                allargs = [v for _, v, _ in call.args] + call.star + call.dstar
                j = join(*allargs)
                return Val(srcs=j.srcs, cls=str(obj), tags=frozenset())
            summ = obj
            label = call.full
        if summ is None:
            return EMPTY
        return self.apply_summary(summ, call, skip_self, label)

    def apply_summary(self, summ: Summary, call: Call, skip_self: bool, label: str) -> Val:
        line = self.mod.line(call.node)
        positional = [v for k, v, _ in call.args if k is None]
        if skip_self:
            positional = [call.receiver or EMPTY, *positional]
        keywords = {k: v for k, v, _ in call.args if k is not None}
        params = summ.params

        def arg(i: int) -> Val:
            if i < len(positional):
                return positional[i]
            if params and i < len(params) and params[i] in keywords:
                return keywords[params[i]]
            if call.star or call.dstar:
                return join(*call.star, *call.dstar)
            return EMPTY

        step = Step(self.mod.path, line, f"call {label.rsplit('.', 1)[-1]}()")
        out: list[Src] = []
        tags: set[str] = set(summ.ret.tags & {"trace", "str", "body", "request-map", "unverified", "llm-url", "dict"})
        for s in summ.ret.srcs:
            if s.kind.startswith("param:"):
                a = arg(int(s.kind[6:]))
                tags |= a.tags & {"body", "str", "request-map"}
                for x in a.srcs:
                    x2 = x.step(step)
                    for st in s.trace[1:]:
                        x2 = x2.step(st)
                    out.append(replace(x2, safe=x2.safe | s.safe))
            else:
                out.append(s)
        for hit in summ.sinks:
            a = arg(hit.param)
            for x in a.srcs:
                if hit.rule in self.prog.skip_rules:
                    continue
                rule = self.prog.rule(hit.rule)
                if rule is None or rule.cls in (x.safe | hit.safe):
                    continue
                if x.kind.startswith("param:"):
                    key = (hit.rule, int(x.kind[6:]), x.safe | hit.safe)
                    if key not in self.sinks:
                        self.sinks[key] = SinkHit(hit.rule, int(x.kind[6:]), x.step(step).trace + hit.trace[1:],
                                                  x.safe | hit.safe, hit.call)
                elif x.kind in rule.sources:
                    self.prog.hit(rule, x.step(step).trace + hit.trace[1:], x, hit.trace[-1], self,
                                  sink_call=hit.call)
        ret = Val(srcs=frozenset(out), tags=frozenset(tags), cls=summ.ret.cls)
        return ret

    # --- sink reporting (called by the checks) ------------------------------------------------
    def sink(self, rule_id: str, vals: Iterable[Val], node: cst.CSTNode, what: str, call: str = "") -> bool:
        """Record a taint sink: real sources are findings, parameters go into the summary."""
        rule = self.prog.rule(rule_id)
        if rule is None:
            return False
        found = False
        sstep = Step(self.mod.path, self.mod.line(node), what, self.mod.column(node))
        for v in vals:
            for s in v.srcs:
                if rule.cls in s.safe:
                    continue
                if s.kind.startswith("param:"):
                    key = (rule_id, int(s.kind[6:]), s.safe)
                    if key not in self.sinks:
                        self.sinks[key] = SinkHit(rule_id, int(s.kind[6:]), s.step(sstep).trace, s.safe, call)
                elif s.kind in rule.sources:
                    self.prog.hit(rule, s.step(sstep).trace, s, sstep, self, sink_call=call)
                    found = True
        return found


def _names_in(node: cst.CSTNode) -> list[str]:
    out: list[str] = []
    stack: list[cst.CSTNode] = [node]
    while stack and len(out) < 20:
        n = stack.pop()
        if isinstance(n, cst.Name):
            out.append(n.value)
            continue
        if isinstance(n, cst.Attribute):
            stack.append(n.value)
            continue
        if isinstance(n, cst.Call):
            stack.extend(a.value for a in n.args)
            stack.append(n.func)
            continue
        stack.extend(n.children)
    return out
