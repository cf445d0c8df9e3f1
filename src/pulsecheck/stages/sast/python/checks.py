"""What the interpreter asks at each call, store, return and raise: the taint sinks of the
catalog (``sinks`` of each taint rule, ``@selectors`` decided here) and the pattern rules
(``check = "..."``) that look at constant arguments rather than data flow."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import libcst as cst

from pulsecheck.stages.sast.catalog import SastRule, Sink
from pulsecheck.stages.sast.python.index import dotted
from pulsecheck.stages.sast.python.interp import (
    ANY_ORIGIN,
    LOG_METHODS,
    NOT_SECRET_NAME,
    PASSWORD_NAME,
    PLACEHOLDER,
    RANDOM_NAME,
    SECRET_NAME,
    Call,
    Interp,
)
from pulsecheck.stages.sast.python.values import EMPTY, NOCONST, Val

if TYPE_CHECKING:
    from pulsecheck.stages.sast.python.engine import Program

HTTP_CLIENT = re.compile(r"^(?:requests|httpx|aiohttp|urllib3|niquests)(?:\.|$)|\.(?:Session|Client|AsyncClient|"
                         r"ClientSession|PoolManager)(?:\(\))?\.|^(?:session|client|http|s)\.", re.I)
HTTP_METHODS = {"get", "post", "put", "patch", "delete", "head", "options", "request", "stream", "send", "urlopen",
                "fetch", "Request"}
RESPONSES = {"PlainTextResponse", "HTMLResponse", "JSONResponse", "Response", "HttpResponse", "JsonResponse",
             "jsonify", "make_response", "StreamingResponse", "ORJSONResponse", "UJSONResponse",
             "HttpResponseBadRequest", "HttpResponseServerError", "web.Response", "json_response"}
WEAK_HASHES = {"hashlib.md5", "hashlib.sha1", "Crypto.Hash.MD5.new", "Crypto.Hash.SHA.new", "Crypto.Hash.SHA1.new",
               "Cryptodome.Hash.MD5.new", "Cryptodome.Hash.SHA1.new", "cryptography.hazmat.primitives.hashes.MD5",
               "cryptography.hazmat.primitives.hashes.SHA1", "md5.new", "sha.new"}
STRONG_HASHES = {"hashlib.sha256", "hashlib.sha512", "hashlib.sha384", "hashlib.sha224", "hashlib.sha3_256",
                 "hashlib.sha3_512", "hashlib.blake2b", "hashlib.blake2s"}
WEAK_CIPHERS = re.compile(r"(?:^|\.)(?:DES|DES3|ARC4|ARC2|Blowfish|XOR|CAST|TripleDES|IDEA|RC4)(?:\.new)?$")
SAFE_YAML_LOADERS = {"SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader"}


def _const(v: Val | None) -> Any:
    return NOCONST if v is None else v.const


def _is_true(v: Val | None) -> bool:
    return v is not None and v.const is True


def _is_false(v: Val | None) -> bool:
    return v is not None and v.const is False


def _last(full: str) -> str:
    return full.rsplit(".", 1)[-1]


class Checks:
    def __init__(self, prog: Program) -> None:
        self.prog = prog
        self.selectors: dict[str, Callable[[Interp, Call], list[Val] | None]] = {
            "@log": self._sel_log, "@llm-http": self._sel_llm_http, "@subprocess": self._sel_subprocess,
            "@http-url": self._sel_http_url, "@http-query": self._sel_http_query, "@response": self._sel_response,
            "@sql-method": self._sel_sql, "@redis": self._sel_redis, "@llm-sdk": self._sel_llm_sdk,
            "@analytics": self._sel_analytics, "@ldap-search": self._sel_ldap,
        }
        self.call_checks: list[tuple[str, Callable[[Interp, Call], None]]] = [
            ("sast.python-weak-hash", self._weak_hash), ("sast.python-weak-random", self._weak_random),
            ("sast.python-weak-cipher-mode", self._cipher), ("sast.python-weak-rsa-key", self._rsa),
            ("sast.python-insecure-cookie", self._cookie), ("sast.python-tls-verify-disabled", self._tls),
            ("sast.python-hardcoded-secret", self._secret_args), ("sast.python-jwt-unverified", self._jwt),
            ("sast.python-debug-enabled", self._debug_run), ("sast.python-cors-credentials-any-origin", self._cors),
            ("sast.python-mass-assignment", self._mass_assign), ("sast.python-xxe", self._xxe),
            ("sast.python-yaml-unsafe-load", self._yaml), ("sast.python-jinja2-autoescape-off", self._jinja),
            ("sast.root-logger-filter-only", self._root_filter),
        ]

    # --- calls -------------------------------------------------------------------------------
    def _index(self) -> None:
        """Sinks by exact name, by method (``*.m``), by prefix (``m.*``), and the selectors."""
        self._exact: dict[str, list[tuple[SastRule, Sink]]] = {}
        self._method: dict[str, list[tuple[SastRule, Sink]]] = {}
        self._other: list[tuple[SastRule, Sink]] = []
        for rule in self.prog.taint_rules:
            for sink in rule.sinks:
                p = sink.pattern
                if p.startswith("*.") and "." not in p[2:] and "(" not in p:
                    self._method.setdefault(p[2:], []).append((rule, sink))
                elif not p.startswith(("@", "*")) and not p.endswith(".*"):
                    self._exact.setdefault(p, []).append((rule, sink))
                else:
                    self._other.append((rule, sink))

    def call(self, it: Interp, call: Call, env: dict[str, Val]) -> None:
        prog = self.prog
        if not hasattr(self, "_exact"):
            self._index()
        cands = [*self._exact.get(call.full, ()), *self._method.get(call.method, ()), *self._other]
        done: set[str] = set()
        for rule, sink in cands:
            if rule.id in prog.skip_rules or rule.id in done:
                continue
            if sink.pattern.startswith("@"):
                sel = self.selectors.get(sink.pattern)
                vals = sel(it, call) if sel is not None else None
                if vals is None:
                    continue
            elif sink.matches(call.full):
                vals = call.select(sink.args)
            else:
                continue
            done.add(rule.id)
            prog.judged.add(rule.id)
            it.sink(rule.id, vals, call.node, f"{_last(call.full)}(): {rule.rule.title.lower()}", call.full)
        for rid, fn in self.call_checks:
            if rid not in prog.skip_rules:
                fn(it, call)
        if not it.logged and ("audit" in call.full.lower() or self._sel_log(it, call) is not None):
            it.logged = True
        if it.report and (call.method in HTTP_METHODS or "." in call.full):
            prog.calls.append((it.mod, it.mod.line(call.node), call.full, call.arg(0, "url") or EMPTY))

    # selectors: the arguments that are the sink, or None when the call is not one
    def _sel_log(self, it: Interp, call: Call) -> list[Val] | None:
        if call.full in {"print", "builtins.print"}:
            return [v for _, v, _ in call.args if _ is None or _ not in {"file", "sep", "end"}] + call.star
        if call.method not in LOG_METHODS:
            return None
        head = call.full.rsplit(".", 1)[0].lower()
        if call.full.startswith(("logging.", "loguru.", "structlog.")) or "log" in head.split(".")[-1] or \
                head.endswith(("getlogger()", "get_logger()")):
            vals = [v for k, v, _ in call.args if k not in {"exc_info", "stack_info", "stacklevel"}]
            return vals + call.star + call.dstar
        return None

    def _http_call(self, call: Call) -> bool:
        if call.method not in HTTP_METHODS:
            return False
        if call.full.startswith(("urllib.request.", "urllib2.", "urllib3.")):
            return True
        return bool(HTTP_CLIENT.search(call.full)) or (call.receiver is not None and bool(call.receiver.cls) and
                                                       bool(HTTP_CLIENT.search((call.receiver.cls or "") + ".")))

    def _sel_llm_http(self, it: Interp, call: Call) -> list[Val] | None:
        if not self._http_call(call) or call.method in {"get", "head", "delete", "options"}:
            return None
        url = call.arg(0, "url")
        recv_llm = call.receiver is not None and "llm-url" in call.receiver.tags
        if not ((url is not None and "llm-url" in url.tags) or recv_llm):
            return None
        return [v for v in (call.kw("json"), call.kw("data"), call.kw("content"), call.kw("params"),
                            call.arg(1)) if v is not None]

    def _sel_llm_sdk(self, it: Interp, call: Call) -> list[Val] | None:
        f = call.full
        imports = set(it.mod.imports.values())
        sdk = f.endswith(("chat.completions.create", "completions.create", "responses.create", "messages.create",
                          "messages.stream", "invoke_model", "invoke_model_with_response_stream", "converse",
                          "converse_stream", "generate_content", "chat.complete", "embeddings.create"))
        if f in {"litellm.completion", "litellm.acompletion", "litellm.text_completion"}:
            sdk = True
        if not sdk and call.method in {"invoke", "ainvoke", "predict", "apredict", "stream", "batch", "query",
                                       "aquery", "chat", "complete", "run"}:
            sdk = any(i.startswith(("langchain", "llama_index", "langchain_openai", "langchain_community",
                                    "langchain_core", "langchain_anthropic")) for i in imports) and \
                (call.receiver is None or "import" not in call.receiver.tags)
        if not sdk:
            return None
        return [v for _, v, _ in call.args] + call.star + call.dstar

    def _sel_analytics(self, it: Interp, call: Call) -> list[Val] | None:
        f = call.full
        m = call.method
        if f.startswith("sentry_sdk.") and m in {"set_user", "set_context", "set_tag", "set_extra", "capture_message",
                                                  "add_breadcrumb", "set_tags"}:
            return [v for _, v, _ in call.args]
        if f.startswith(("analytics.", "segment.analytics.")) and m in {"track", "identify", "page", "group", "alias"}:
            return [v for _, v, _ in call.args]
        if (f.startswith("mixpanel.") or "mixpanel" in f.lower() or "mp." in f) and \
                m in {"track", "people_set", "people_set_once", "alias", "identify"}:
            return [v for _, v, _ in call.args]
        if m in {"set_attribute", "set_attributes", "add_event"} and ("span" in f.lower() or "opentelemetry" in f):
            return [v for _, v, _ in call.args]
        if (f.startswith(("datadog.", "ddtrace.", "statsd.")) or ".statsd." in f) and \
                m in {"set_tag", "increment", "gauge", "event", "histogram", "distribution"}:
            return [v for _, v, _ in call.args]
        if m in {"capture", "identify"} and ("posthog" in f.lower() or "amplitude" in f.lower()):
            return [v for _, v, _ in call.args]
        if self._http_call(call) and call.method == "post":
            url = call.arg(0, "url")
            if url is not None and isinstance(url.const, str) and re.search(
                    r"google-analytics\.com/(?:mp/)?collect|api\.segment\.io|api\.mixpanel\.com|api2\.amplitude", url.const):
                return [v for v in (call.kw("json"), call.kw("data"), call.kw("params")) if v is not None]
        return None

    def _sel_subprocess(self, it: Interp, call: Call) -> list[Val] | None:
        if not call.full.startswith(("subprocess.", "asyncio.create_subprocess")):
            return None
        if call.method not in {"run", "call", "check_call", "check_output", "Popen", "getoutput", "getstatusoutput",
                               "create_subprocess_shell", "create_subprocess_exec"}:
            return None
        first = call.arg(0, "args")
        if first is None:
            return []
        if call.method in {"getoutput", "getstatusoutput", "create_subprocess_shell"} or _is_true(call.kw("shell")):
            return [first]
        if first.items is not None:
            head = first.item(0)
            return [head] if head is not None else []
        if call.method == "create_subprocess_exec":
            return [first]
        return [first]

    def _sel_http_url(self, it: Interp, call: Call) -> list[Val] | None:
        if not self._http_call(call):
            return None
        url = call.arg(0, "url")
        if url is None:
            return []
        if "fixed-host" in url.tags:
            return []
        return [url]

    def _sel_http_query(self, it: Interp, call: Call) -> list[Val] | None:
        if not self._http_call(call):
            return None
        return [v for v in (call.arg(0, "url"), call.kw("params")) if v is not None]

    def _sel_response(self, it: Interp, call: Call) -> list[Val] | None:
        last = _last(call.full)
        if last not in RESPONSES and call.full not in RESPONSES:
            return None
        return [v for k, v, _ in call.args if k in {None, "content", "body", "data", "detail", "text"}]

    def _sel_sql(self, it: Interp, call: Call) -> list[Val] | None:
        if call.method not in {"execute", "executemany", "executescript", "raw", "exec_driver_sql", "mogrify",
                               "read_sql", "read_sql_query", "fetch", "fetchrow", "fetchval"}:
            return None
        if call.method in {"fetch", "fetchrow", "fetchval"} and "asyncpg" not in " ".join(it.mod.imports.values()):
            return None
        q = call.arg(0, "sql") or call.kw("query") or call.kw("statement")
        return [q] if q is not None else []

    def _sel_ldap(self, it: Interp, call: Call) -> list[Val] | None:
        if call.method not in {"search", "search_s", "search_ext_s", "search_st", "search_ext", "search_paged"}:
            return None
        if not any(v.split(".")[0] in {"ldap", "ldap3"} for v in it.mod.imports.values()) or \
                call.full.startswith(("re.", "regex.")):
            return None
        return [v for v in (call.arg(1), call.arg(2), call.kw("filterstr"), call.kw("search_filter")) if v is not None]

    def _sel_redis(self, it: Interp, call: Call) -> list[Val] | None:
        recv_cls = (call.receiver.cls if call.receiver is not None else None) or ""
        redisish = "redis" in recv_cls.lower() or "redis" in call.full.lower() or "memcache" in call.full.lower() \
            or recv_cls.endswith(("Redis", "StrictRedis", "Client")) and "pymemcache" in recv_cls
        django_cache = call.full.startswith(("django.core.cache.cache.", "cache.")) and "django.core.cache.cache" in \
            it.mod.imports.values()
        if not (redisish or django_cache):
            return None
        if call.method not in {"set", "setex", "hset", "hmset", "mset", "lpush", "rpush", "sadd", "set_many",
                               "add", "psetex", "setnx", "xadd", "publish"}:
            return None
        vals = [v for _, v, _ in call.args][1:] if call.method not in {"mset", "hmset", "set_many"} else \
            [v for _, v, _ in call.args]
        return vals + call.dstar

    # --- pattern checks on calls ----------------------------------------------------------------
    def _weak_hash(self, it: Interp, call: Call) -> None:
        f = call.full
        algo = None
        if f in WEAK_HASHES:
            algo = _last(f.replace(".new", ""))
        elif f == "hashlib.new" and isinstance(_const(call.arg(0, "name")), str) and \
                str(_const(call.arg(0, "name"))).lower() in {"md5", "sha1", "md4", "sha"}:
            algo = str(_const(call.arg(0, "name")))
        passwordish = self._passwordish(it, call)
        if algo is None:
            if f in STRONG_HASHES and passwordish:
                self.prog.pattern("sast.python-unsalted-password-hash", it, call.node,
                                  note=f"{_last(f)} over a password, with no salt or work factor")
            return
        if _is_false(call.kw("usedforsecurity")):
            return
        if passwordish:
            self.prog.pattern("sast.python-weak-password-hash", it, call.node, note=f"{algo} over a password")
        else:
            self.prog.pattern("sast.python-weak-hash", it, call.node, note=algo)

    def _passwordish(self, it: Interp, call: Call) -> bool:
        texts = [it.mod.source(n) for _, _, n in call.args]
        if any(PASSWORD_NAME.search(t) for t in texts):
            return True
        return bool(PASSWORD_NAME.search(it.fn.name)) or bool(PASSWORD_NAME.search(it.target_name))

    def _weak_random(self, it: Interp, call: Call) -> None:
        f = call.full
        if not f.startswith("random.") or f.startswith("random.SystemRandom"):
            return
        if _last(f) not in {"random", "randint", "choice", "choices", "getrandbits", "randrange", "sample", "uniform",
                            "randbytes", "shuffle"}:
            return
        ctx = " ".join((it.target_name, it.fn.name if it.fn.name != "<module>" else ""))
        if RANDOM_NAME.search(ctx):
            self.prog.pattern("sast.python-weak-random", it, call.node, note=f"{f}() for {ctx.strip()[:40]}")

    def _cipher(self, it: Interp, call: Call) -> None:
        f = call.full
        args_src = " ".join(it.mod.source(n) for _, _, n in call.args)
        if _last(f) == "ECB" and "modes" in f or "MODE_ECB" in args_src and _last(f) == "new":
            self.prog.pattern("sast.python-weak-cipher-mode", it, call.node, note="ECB mode")
            return
        if WEAK_CIPHERS.search(f) and ("Crypto" in f or "algorithms" in f or "Cryptodome" in f):
            self.prog.pattern("sast.python-weak-cipher-mode", it, call.node, note=f"{_last(f.replace('.new', ''))} cipher")
            return
        iv: Val | None = None
        if _last(f) in {"CBC", "CFB", "OFB", "CTR", "GCM"} and "modes" in f:
            iv = call.arg(0, "initialization_vector") or call.kw("nonce") or call.kw("tweak")
        elif _last(f) == "new" and ("AES" in f or "Cipher" in f):
            iv = call.kw("iv") or call.kw("nonce") or call.arg(2)
        if iv is not None and isinstance(iv.const, (bytes, str)) and iv.const:
            self.prog.pattern("sast.python-static-iv", it, call.node, note="constant IV/nonce")

    def _rsa(self, it: Interp, call: Call) -> None:
        f = call.full
        size: Any = NOCONST
        if f.endswith(("rsa.generate_private_key", "dsa.generate_private_key")):
            size = _const(call.arg(1, "key_size")) if "rsa." in f else _const(call.arg(0, "key_size"))
        elif f.endswith(("RSA.generate", "DSA.generate")) and ("Crypto" in f or "Cryptodome" in f):
            size = _const(call.arg(0, "bits"))
        elif f in {"rsa.newkeys"}:
            size = _const(call.arg(0, "nbits"))
        if isinstance(size, int) and not isinstance(size, bool) and size < 2048:
            self.prog.pattern("sast.python-weak-rsa-key", it, call.node, note=f"{size}-bit key")

    def _cookie(self, it: Interp, call: Call) -> None:
        if call.method != "set_cookie":
            return
        if call.receiver is not None and "import" in call.receiver.tags:
            return
        web = ("flask", "fastapi", "starlette", "django", "aiohttp", "werkzeug", "quart", "sanic", "bottle",
               "falcon", "pyramid", "tornado", "litestar")
        if not any(v.split(".")[0] in web for v in it.mod.imports.values()):
            return  # a cookie jar of an HTTP client library, not a response
        secure, httponly = call.kw("secure"), call.kw("httponly")
        missing = [n for n, v in (("Secure", secure), ("HttpOnly", httponly)) if not _is_true(v)
                   and not (v is not None and v.const is NOCONST)]
        if missing:
            self.prog.pattern("sast.python-insecure-cookie", it, call.node, note=f"no {' or '.join(missing)}")

    def _tls(self, it: Interp, call: Call) -> None:
        f = call.full
        if f in {"ssl._create_unverified_context", "ssl._create_stdlib_context"}:
            self.prog.pattern("sast.python-tls-verify-disabled", it, call.node, note=f)
            return
        verify = call.kw("verify")
        if verify is not None and verify.const is False and (self._http_call(call) or call.method in
                                                              {"Client", "AsyncClient", "Session", "request"}):
            self.prog.pattern("sast.python-tls-verify-disabled", it, call.node, note="verify=False")
            return
        ssl_kw = call.kw("ssl")
        if ssl_kw is not None and ssl_kw.const is False and ("aiohttp" in f or self._http_call(call)):
            self.prog.pattern("sast.python-tls-verify-disabled", it, call.node, note="ssl=False")

    def _secret_args(self, it: Interp, call: Call) -> None:
        f = call.full
        # keyword arguments named like a secret with a literal value: Settings(jwt_secret="northwind")
        for k, v, n in call.args:
            if k is not None and SECRET_NAME.search(k) and not NOT_SECRET_NAME.search(k) and self._literal_secret(v, n):
                self.prog.pattern("sast.python-hardcoded-secret", it, n, note=f"{k} = <literal>")
                return
        key: Val | None = None
        if f in {"jwt.encode", "jwt.decode"}:
            key = call.arg(1, "key")
        elif f in {"hmac.new", "hmac.HMAC"}:
            key = call.arg(0, "key")
        if key is not None:
            node = call.node_of(1, "key") if f.startswith("jwt") else call.node_of(0, "key")
            if node is not None and self._literal_secret(key, node):
                self.prog.pattern("sast.python-hardcoded-secret", it, call.node, note=f"{f} key is a literal")

    def _literal_secret(self, v: Val, node: cst.BaseExpression | None) -> bool:
        if not isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
            return False
        c = v.const
        if isinstance(c, bytes):
            c = c.decode("latin-1")
        if not isinstance(c, str) or len(c) < 4 or PLACEHOLDER.match(c.strip()):
            return False
        return not (len(set(c)) <= 2)

    def _jwt(self, it: Interp, call: Call) -> None:
        if call.full not in {"jwt.decode", "jose.jwt.decode", "jwt.api_jwt.decode"} and \
                not (call.method == "decode" and call.full.split(".")[0] in {"jwt", "pyjwt"}):
            return
        if _is_false(call.kw("verify")):
            self.prog.pattern("sast.python-jwt-unverified", it, call.node, note="verify=False")
            return
        opts = call.kw("options")
        if opts is not None:
            vs = opts.item("verify_signature")
            if vs is not None and vs.const is False:
                self.prog.pattern("sast.python-jwt-unverified", it, call.node, note="verify_signature False")
                return
        algs = call.kw("algorithms")
        if algs is not None:
            consts = algs.const if isinstance(algs.const, tuple) else ()
            if any(isinstance(a, str) and a.lower() == "none" for a in consts):
                self.prog.pattern("sast.python-jwt-unverified", it, call.node, note='algorithms include "none"')
                return
            if "unverified" in algs.tags or any("unverified" in v.tags for _, v in (algs.items or ())):
                self.prog.pattern("sast.python-jwt-unverified", it, call.node,
                                  note="algorithm taken from the token's own header")

    def _debug_run(self, it: Interp, call: Call) -> None:
        if call.method == "run" and _is_true(call.kw("debug")):
            recv = call.receiver
            if recv is None or "import" not in recv.tags or (recv.cls or "").startswith(("flask", "uvicorn")):
                self.prog.pattern("sast.python-debug-enabled", it, call.node, note="debug=True")
        if call.full.endswith(("FastAPI", "Starlette", "Flask")) and _is_true(call.kw("debug")):
            self.prog.pattern("sast.python-debug-enabled", it, call.node, note="debug=True")

    def _cors(self, it: Interp, call: Call) -> None:
        f = call.full
        kw = call.kw
        if call.method == "add_middleware" and call.args:
            first = call.node_of(0)
            name = dotted(first) if first is not None else None
            if not name or not name.endswith("CORSMiddleware"):
                return
        elif _last(f) == "CORSMiddleware":
            pass
        elif f in {"flask_cors.CORS", "flask_cors.cross_origin"} or _last(f) in {"CORS", "cross_origin"} and \
                any(v.startswith("flask_cors") for v in it.mod.imports.values()):
            creds = kw("supports_credentials")
            origins = kw("origins") or kw("resources")
            if _is_true(creds) and (origins is None or self._any_origin(origins)):
                self.prog.pattern("sast.python-cors-credentials-any-origin", it, call.node,
                                  note="supports_credentials with any origin")
            return
        else:
            return
        creds = kw("allow_credentials")
        if not _is_true(creds):
            return
        origins, regex = kw("allow_origins"), kw("allow_origin_regex")
        if (origins is not None and self._any_origin(origins)) or (regex is not None and
                                                                   isinstance(regex.const, str) and
                                                                   regex.const in ANY_ORIGIN):
            self.prog.pattern("sast.python-cors-credentials-any-origin", it, call.node,
                              note="credentials allowed for any origin")

    def _any_origin(self, v: Val) -> bool:
        c = v.const
        if isinstance(c, str):
            return c in ANY_ORIGIN
        if isinstance(c, (tuple, frozenset)):
            return any(isinstance(x, str) and x in ANY_ORIGIN for x in c)
        return False

    def _mass_assign(self, it: Interp, call: Call) -> None:
        if call.full in {"setattr", "builtins.setattr"} and len(call.args) >= 2:
            key = call.args[1][1]
            if "bodykey" in key.tags or ("request-map" in key.tags and key.tainted and
                                         any(s.kind == "user" for s in key.srcs)):
                self.prog.pattern("sast.python-mass-assignment", it, call.node, note="attribute names from the request")
            return
        if any("body" in v.tags and v.tainted for v in call.dstar):
            if call.method in {"update", "create", "get_or_create", "update_or_create", "filter_by"} or \
                    (call.full.rsplit(".", 1)[-1][:1].isupper() and (self.prog.table_of(call.full.rsplit(".", 1)[-1])
                                                                     or "(" not in call.full)):
                self.prog.pattern("sast.python-mass-assignment", it, call.node, note="**request body")
            return
        if call.method == "update" and isinstance(call.node.func, cst.Attribute) and \
                str(dotted(call.node.func.value)).endswith("__dict__") and \
                any("body" in v.tags and v.tainted for _, v, _ in call.args):
            self.prog.pattern("sast.python-mass-assignment", it, call.node, note="__dict__.update(request body)")

    def _xxe(self, it: Interp, call: Call) -> None:
        f = call.full
        if _last(f) == "XMLParser" and ("lxml" in f or "etree" in f):
            if _is_true(call.kw("resolve_entities")) or _is_false(call.kw("no_network")) or \
                    _is_true(call.kw("load_dtd")) and not _is_false(call.kw("resolve_entities")):
                self.prog.pattern("sast.python-xxe", it, call.node, note="XML parser resolves external entities")
            return
        if call.method == "setFeature" and len(call.args) >= 2:
            feat = it.mod.source(call.args[0][2])
            if ("external_ges" in feat or "external-general-entities" in feat or "external_pes" in feat) and \
                    _is_true(call.args[1][1]):
                self.prog.pattern("sast.python-xxe", it, call.node, note="external entities enabled")
        if f in {"xml.dom.pulldom.parseString", "xml.dom.pulldom.parse"}:
            self.prog.pattern("sast.python-xxe", it, call.node, note="pulldom expands entities")

    def _yaml(self, it: Interp, call: Call) -> None:
        f = call.full
        if f in {"yaml.unsafe_load", "yaml.unsafe_load_all", "yaml.full_load", "yaml.full_load_all"}:
            self.prog.pattern("sast.python-yaml-unsafe-load", it, call.node, note=_last(f))
            return
        if f not in {"yaml.load", "yaml.load_all"}:
            return
        loader = call.kw("Loader") or call.arg(1)
        lname = (loader.cls or "") if loader is not None else ""
        if loader is None or _last(lname) not in SAFE_YAML_LOADERS:
            self.prog.pattern("sast.python-yaml-unsafe-load", it, call.node,
                              note=f"Loader={_last(lname) or 'default'}")

    def _jinja(self, it: Interp, call: Call) -> None:
        if call.full not in {"jinja2.Environment", "jinja2.Template", "jinja2.environment.Environment"}:
            return
        ae = call.kw("autoescape")
        if call.full.endswith("Environment") and (ae is None or ae.const is False):
            self.prog.pattern("sast.python-jinja2-autoescape-off", it, call.node, note="autoescape off")

    def _root_filter(self, it: Interp, call: Call) -> None:
        if call.method != "addFilter":
            return
        node = call.node.func
        if not isinstance(node, cst.Attribute):
            return
        base = node.value
        root = False
        if isinstance(base, cst.Call) and dotted(base.func) in {"logging.getLogger", "getLogger"}:
            root = not base.args or (isinstance(base.args[0].value, cst.SimpleString) and
                                     base.args[0].value.evaluated_value in {"", "root"})
        elif dotted(base) in {"logging.root", "root_logger", "logging.getLogger()"}:
            root = True
        elif call.receiver is not None and call.receiver.cls in {"logging.getLogger"} and \
                call.receiver.const is NOCONST and not any(True for _ in ()):
            root = False
        if root:
            self.prog.pattern("sast.root-logger-filter-only", it, call.node,
                              note="a filter on the root logger does not run for records of module loggers")

    # --- assignments, stores, returns, raises -----------------------------------------------------
    def assignment(self, it: Interp, target: cst.BaseExpression, value: cst.BaseExpression, v: Val,
                   env: dict[str, Val]) -> None:
        name = dotted(target) or ""
        key_const: Any = None
        if isinstance(target, cst.Subscript) and len(target.slice) == 1 and isinstance(target.slice[0].slice, cst.Index):
            k = target.slice[0].slice.value
            if isinstance(k, cst.SimpleString):
                key_const = k.evaluated_value
        last = (str(key_const) if key_const is not None else name.rsplit(".", 1)[-1])
        prog = self.prog
        if last and SECRET_NAME.search(last) and not NOT_SECRET_NAME.search(last) and self._literal_secret(v, value):
            prog.pattern("sast.python-hardcoded-secret", it, value, note=f"{last} = <literal>")
        up = last.upper()
        path = it.mod.path.lower()
        production = not re.search(r"(?:^|/|_)(?:dev|local|test|tests|testing|example|sample)[^/]*(?:\.py)?$", path)
        if up == "DEBUG" and v.const is True and ("settings" in path or "config" in path or
                                                  name.endswith(("app.debug", "config")) or key_const is not None) \
                and production:
            prog.pattern("sast.python-debug-enabled", it, value, note="DEBUG = True")
        if up in {"SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY"} and v.const is False:
            prog.pattern("sast.python-insecure-cookie", it, value, note=f"{up} = False")
        if up in {"WTF_CSRF_ENABLED", "CSRF_ENABLED", "WTF_CSRF_CHECK_DEFAULT"} and v.const is False:
            prog.pattern("sast.python-csrf-disabled", it, value, note=f"{up} = False")
        if up in {"CORS_ALLOW_ALL_ORIGINS", "CORS_ORIGIN_ALLOW_ALL"} and v.const is True:
            creds = prog.global_val(it.mod, "CORS_ALLOW_CREDENTIALS") or env.get("CORS_ALLOW_CREDENTIALS")
            if creds is not None and creds.const is True:
                prog.pattern("sast.python-cors-credentials-any-origin", it, value, note=f"{up} with credentials")
        if name.endswith(("verify_mode",)) and (v.cls or "").endswith("CERT_NONE"):
            prog.pattern("sast.python-tls-verify-disabled", it, value, note="CERT_NONE")
        if name.endswith("check_hostname") and v.const is False:
            prog.pattern("sast.python-tls-verify-disabled", it, value, note="check_hostname = False")

    def store(self, it: Interp, target: cst.BaseExpression, v: Val, env: dict[str, Val], at: cst.CSTNode) -> None:
        if isinstance(target, cst.Subscript):
            base = target.value
            bval = it.expr(base, env) if isinstance(base, (cst.Name, cst.Attribute)) else EMPTY
            bname = dotted(base) or ""
            if "session" in bval.tags or bname in {"session", "flask.session"} or bname.endswith(".session"):
                it.sink("sast.python-trust-boundary", [v], at, "stored in the session")
            key = target.slice[0].slice if len(target.slice) == 1 else None
            if isinstance(key, cst.Index) and isinstance(key.value, cst.SimpleString) and \
                    str(key.value.evaluated_value).lower() == "access-control-allow-origin" and \
                    any(s.kind == "user" for s in v.srcs):
                self.prog.pattern("sast.python-cors-credentials-any-origin", it, at,
                                  note="Access-Control-Allow-Origin reflects the request")

    def returned(self, it: Interp, node: cst.Return, v: Val) -> None:
        if it.route or it.handler:
            if "trace" in v.tags or any(s.kind == "trace" for s in v.srcs):
                it.sink("sast.python-stack-trace-to-client", [v], node, "returned to the client")
            flask = any(x.startswith(("flask", "quart", "bottle")) for x in it.mod.imports.values())
            if flask and "str" in v.tags and "dict" not in v.tags:
                it.sink("sast.python-xss", [v], node, "returned as HTML")

    def raised(self, it: Interp, node: cst.Raise, v: Val) -> None:
        it.sink("sast.phi-in-exception", [v], node, "exception message")

    def decorator(self, it: Interp, d: cst.Decorator, fn: cst.FunctionDef) -> None:
        name = dotted(d.decorator.func if isinstance(d.decorator, cst.Call) else d.decorator) or ""
        if _last(name) in {"csrf_exempt"} or name.endswith("csrf.exempt"):
            self.prog.pattern("sast.python-csrf-disabled", it, d, note=f"@{name} on {fn.name.value}()")
