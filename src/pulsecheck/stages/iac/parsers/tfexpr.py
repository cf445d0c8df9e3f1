"""Terraform expressions as python-hcl2 serializes them (``"${var.x}"``), resolved where a static
reader can: variables (defaults, tfvars, module inputs), locals, literals, ``jsonencode`` of a
literal object and references to other resources (kept as :class:`Ref`). Everything else
(conditionals, most functions, data sources, module outputs, ``each``/``count``) is
:class:`Unresolved`: never a failure, only a note.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from typing import Any

import hcl2
from hcl2.utils import SerializationOptions

from pulsecheck.stages.iac.model import Ref, Unresolved

OPTIONS = SerializationOptions(with_comments=False, strip_string_quotes=True, preserve_heredocs=False,
                               explicit_blocks=False)
MAX_DEPTH = 32
MAX_COMPUTED_LEN = 4096
"""Longer expressions are not evaluated (conditionals and coalesce): bounded work per value."""

_NAME = re.compile(r"^(var|local)\.([A-Za-z_][\w-]*)$")
_RESOURCE_REF = re.compile(r'^([a-z][a-z0-9]*_[a-z0-9_]+)\.([A-Za-z_][\w-]*)(?:\[[^\]]*\])?(?:\.([A-Za-z_]\w*))?')
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")
_LITERAL_CALL = re.compile(r"^(?:toset|tolist|jsonencode)\((.*)\)$", re.S)


def parse_hcl(text: str) -> dict[str, Any]:
    """python-hcl2's dict for one file (raises on invalid HCL)."""
    result: dict[str, Any] = hcl2.loads(text, serialization_options=OPTIONS)
    return result


class HclFiles:
    """Each distinct HCL text of an audit parsed once: the generated per-module copies a real
    repository carries (``wrappers/*/main.tf``, ``modules/*/versions.tf``) share one parse, the
    same dict (read-only: resolving builds new values), and an invalid text the same error."""

    def __init__(self) -> None:
        self._parsed: dict[bytes, dict[str, Any] | Exception] = {}
        self.parses = 0
        """python-hcl2 calls made (one per distinct text: the work bound tests assert)."""

    def parse(self, text: str) -> dict[str, Any]:
        """python-hcl2's dict for ``text`` (raises on invalid HCL, again for every copy)."""
        key = hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
        if key not in self._parsed:
            self.parses += 1
            try:
                self._parsed[key] = parse_hcl(text)
            except Exception as exc:  # noqa: BLE001 - kept and raised for each copy of the text
                self._parsed[key] = exc
        found = self._parsed[key]
        if isinstance(found, Exception):
            raise found
        return found


class Literals:
    """The list/object literals written inside ``${...}`` (``toset([..])``, ``jsonencode({..})``),
    parsed once per audit whatever the number of module instances that resolve them.

    python-hcl2 gives back an expression it cannot reduce to a literal (``[for x in ...]``,
    ``{for k, v in ...}``) as the same ``"${...}"`` string: that is not a literal, never parsed
    again (re-resolving it would parse it once per nesting level, per instance)."""

    def __init__(self) -> None:
        self._parsed: dict[str, Any] = {}
        self.parses = 0
        """python-hcl2 calls made (one per distinct literal text: the work bound tests assert)."""

    def value(self, expr: str) -> Any:
        """The literal ``expr`` spells, else :class:`Unresolved`."""
        expr = expr.strip()
        call = _LITERAL_CALL.match(expr)
        if call:
            expr = call.group(1).strip()
        if expr in ("true", "false"):
            return expr == "true"
        if expr == "null":
            return None
        if len(expr) >= 2 and expr[0] == expr[-1] == '"' and '"' not in expr[1:-1] and "\\" not in expr:
            return expr[1:-1]
        if _NUMBER.match(expr):
            return float(expr) if "." in expr else int(expr)
        if expr[:1] in ("[", "{") and len(expr) < 200_000:
            if expr not in self._parsed:
                self._parsed[expr] = self._parse(expr)
            return self._parsed[expr]
        return Unresolved(expr)

    def _parse(self, expr: str) -> Any:
        self.parses += 1
        try:
            value = parse_hcl(f"__v = {expr}\n").get("__v")
        except Exception:  # noqa: BLE001 - not a literal after all
            return Unresolved(expr)
        return value if isinstance(value, list | dict) else Unresolved(expr)


class Scope:
    """Variables and locals of one module instance; ``lookup`` resolves ``var.x``/``local.x``
    lazily with cycle protection (a local that refers to itself is unresolved)."""

    def __init__(self, variables: Mapping[str, Any], locals_: Mapping[str, Any],
                 literals: Literals | None = None) -> None:
        self.variables = variables
        self.locals = locals_
        self.literals = literals or Literals()
        self._done: dict[str, Any] = {}
        self._active: set[str] = set()

    def lookup(self, kind: str, name: str) -> Any:
        key = f"{kind}.{name}"
        if key in self._done:
            return self._done[key]
        source = self.variables if kind == "var" else self.locals
        if name not in source:
            return Unresolved(key)
        if key in self._active:
            return Unresolved(key)
        self._active.add(key)
        try:
            raw = source[name]
            value = raw if kind == "var" else self.resolve(raw)
        finally:
            self._active.discard(key)
        self._done[key] = value
        return value

    def resolve(self, value: Any, depth: int = 0) -> Any:
        """``value`` with every expression resolved as far as a static reader can."""
        if depth > MAX_DEPTH:
            return Unresolved("nested too deep")
        if isinstance(value, str):
            return self._string(value, depth)
        if isinstance(value, list):
            return [self.resolve(v, depth + 1) for v in value]
        if isinstance(value, dict):
            return {k: self.resolve(v, depth + 1) for k, v in value.items() if not k.startswith("__")}
        return value

    def _expr(self, expr: str, depth: int) -> Any:
        expr = expr.strip()
        name = _NAME.match(expr)
        if name:
            return self.lookup(name.group(1), name.group(2))
        attr = re.match(r"^(var|local)\.([A-Za-z_][\w-]*)\.([A-Za-z_]\w*)$", expr)
        if attr:
            base = self.lookup(attr.group(1), attr.group(2))
            if isinstance(base, Mapping):
                return base.get(attr.group(3), Unresolved(expr))
            return Unresolved(expr)
        computed = self._computed(expr, depth)
        if computed is not _NOT_COMPUTED:
            return computed
        head = expr.split(".", 1)[0].split("[", 1)[0]
        if head in ("data", "module", "each", "count", "self", "path", "terraform"):
            return Unresolved(expr)
        ref = _RESOURCE_REF.match(expr)
        if ref and ref.end() == len(expr):
            return Ref(f"{ref.group(1)}.{ref.group(2)}", ref.group(3) or "")
        value = self.literals.value(expr)
        if isinstance(value, Unresolved):
            return value
        return self.resolve(value, depth + 1)

    def _computed(self, expr: str, depth: int) -> Any:
        """``cond ? a : b`` (cond: ``x == null``, ``x != null``, ``x``, ``!x``) and ``coalesce(...)``,
        the two ways modules pass a caller's value through with a fallback; else _NOT_COMPUTED."""
        if len(expr) > MAX_COMPUTED_LEN:
            return _NOT_COMPUTED
        if "?" not in expr and not expr.startswith("coalesce("):
            return self._boolean(expr, depth) if _is_boolean(expr) else _NOT_COMPUTED
        if depth > MAX_DEPTH:
            return Unresolved(expr)
        parts = _ternary(expr)
        if parts is not None:
            cond = self._condition(parts[0], depth + 1)
            if not isinstance(cond, bool):
                return Unresolved(expr)
            return self._expr(parts[1] if cond else parts[2], depth + 1)
        call = re.match(r"^coalesce\((.*)\)$", expr, re.S)
        args = _split_top(call.group(1), ",") if call else None
        if args is None:
            return _NOT_COMPUTED
        for arg in args:
            value = self._expr(arg, depth + 1)
            if isinstance(value, Unresolved):
                return Unresolved(expr)
            if value is not None and value != "":
                return value
        return Unresolved(expr)

    def _condition(self, cond: str, depth: int) -> Any:
        cond = cond.strip()
        if depth > MAX_DEPTH:  # ``((((x))))``: each level re-scans the rest, so the levels are bounded
            return Unresolved(cond)
        for op, combine in (("|", any), ("&", all)):  # ``a || b``, ``a && b`` (split on the doubled char)
            parts = _split_top(cond, op)
            if parts is not None and len(parts) > 1:
                values = [self._condition(p, depth + 1) for p in parts if p.strip()]
                if all(isinstance(v, bool) for v in values):
                    return combine(values)
                decided = (op == "|" and True in values) or (op == "&" and False in values)
                return (op == "|") if decided else Unresolved(cond)
        if cond.startswith("(") and cond.endswith(")") and _split_top(cond[1:-1], "\x00") is not None:
            return self._condition(cond[1:-1], depth + 1)
        m = re.match(r"^(.*?)\s*(==|!=)\s*null$", cond, re.S)
        if m:
            value = self._expr(m.group(1), depth)
            return value if isinstance(value, Unresolved) else (value is None) == (m.group(2) == "==")
        m = _COMPARISON.match(cond)
        if m:
            return self._compare(m.group(1), m.group(2), m.group(3), depth)
        negate = cond.startswith("!")
        value = self._expr(cond[1:] if negate else cond, depth)
        return (not value if negate else value) if isinstance(value, bool) else Unresolved(cond)

    def _boolean(self, expr: str, depth: int) -> Any:
        """A bare ``a && b`` / ``!a`` / ``n > 0`` (``create_bucket = var.create && var.enabled``)."""
        if depth > MAX_DEPTH:
            return Unresolved(expr)
        value = self._condition(expr, depth + 1)
        return value if isinstance(value, bool) else _NOT_COMPUTED  # e.g. a quoted "a>b": read on

    def _compare(self, left: str, op: str, right: str, depth: int) -> Any:
        """``length(keys(var.versioning)) > 0``, ``var.n >= 2``: how a module turns a caller's map
        or number into ``count``; numbers only (anything else stays unresolved)."""
        a, b = self._number(left, depth), self._number(right, depth)
        if (a is None or b is None) and op in ("==", "!=") and _LENGTH.match(left.strip()) is None:
            x, y = self._expr(left, depth + 1), self._expr(right, depth + 1)
            if isinstance(x, str | bool) and isinstance(y, str | bool):
                return (x == y) == (op == "==")
        if a is None or b is None:
            return Unresolved(f"{left} {op} {right}")
        return {">": a > b, ">=": a >= b, "<": a < b, "<=": a <= b, "==": a == b, "!=": a != b}[op]

    def _number(self, expr: str, depth: int) -> float | None:
        """A number, or ``length(x)`` / ``length(keys(x))`` of a resolved list, map or string."""
        expr = expr.strip()
        call = _LENGTH.match(expr)
        if call:
            value = self._expr(call.group(1) if call.group(1) is not None else call.group(2), depth + 1)
            return float(len(value)) if isinstance(value, list | dict | str) else None
        value = self._expr(expr, depth + 1)
        return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None

    def _string(self, text: str, depth: int) -> Any:
        if "${" not in text:
            return text
        if text.startswith("${") and _close(text, 1) == len(text) - 1:
            return self._expr(text[2:-1], depth)
        out: list[str] = []
        pos = 0
        while True:
            start = text.find("${", pos)
            if start < 0:
                out.append(text[pos:])
                return "".join(out)
            end = _close(text, start + 1)
            if end < 0:
                return Unresolved(text)
            value = self._expr(text[start + 2:end], depth)
            if isinstance(value, bool):
                value = "true" if value else "false"
            if not isinstance(value, str | int | float):
                return Unresolved(text)
            out.append(text[pos:start] + str(value))
            pos = end + 1


_NOT_COMPUTED: Any = object()
_COMPARISON = re.compile(r"^([^<>=!]+?)\s*(>=|<=|==|!=|>|<)\s*([^<>=!]+)$", re.S)
"""``a OP b`` with one comparison operator (no ``!x`` inside: negations are read first)."""
_LENGTH = re.compile(r"^length\((?:keys\((.*)\)|(.*))\)$", re.S)


def _is_boolean(expr: str) -> bool:
    """``expr`` is a logical expression at its top level (a quoted ``"a && b"`` is not)."""
    if expr.startswith("!") and not expr.startswith("!="):
        return True
    return any(len(_split_top(expr, op) or ()) > 1 for op in ("&", "|")) or _COMPARISON.match(expr) is not None
_OPEN = {"(": ")", "[": "]", "{": "}"}


def _split_top(text: str, sep: str) -> list[str] | None:
    """``text`` split at ``sep`` outside brackets and strings (one pass), None if unbalanced."""
    parts: list[str] = []
    stack: list[str] = []
    quote = False
    start = i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == '"':
                quote = False
        elif ch == '"':
            quote = True
        elif ch in _OPEN:
            stack.append(_OPEN[ch])
        elif ch in ")]}":
            if not stack or stack.pop() != ch:
                return None
        elif ch == sep and not stack:
            parts.append(text[start:i])
            start = i + 1
        i += 1
    if stack or quote:
        return None
    parts.append(text[start:])
    return parts


def _ternary(expr: str) -> tuple[str, str, str] | None:
    """(condition, then, else) of a top-level ``c ? a : b``; nested ternaries in ``b`` stay in it."""
    marks = _split_top(expr, "?")
    if marks is None or len(marks) < 2:
        return None
    cond, rest = marks[0], "?".join(marks[1:])
    pending = 0
    for i, ch in enumerate(rest):  # the ':' that closes this '?' (bracket depth is checked below)
        if ch == "?":
            pending += 1
        elif ch == ":" and (pending := pending - 1) < 0:
            then, other = rest[:i], rest[i + 1:]
            if _split_top(then, "\x00") is None:
                continue
            return cond, then, other
    return None


def _close(text: str, open_at: int) -> int:
    """Index of the ``}`` closing the ``{`` at ``open_at`` (quoted strings skipped), or -1."""
    level, i, quoted = 0, open_at, False
    while i < len(text):
        ch = text[i]
        if quoted:
            if ch == "\\":
                i += 1
            elif ch == '"':
                quoted = False
        elif ch == '"':
            quoted = True
        elif ch == "{":
            level += 1
        elif ch == "}":
            level -= 1
            if level == 0:
                return i
        i += 1
    return -1


def references(value: Any, found: Callable[[Ref], None], depth: int = 0) -> None:
    """Call ``found`` for every :class:`Ref` inside a resolved value."""
    if depth > MAX_DEPTH:
        return
    if isinstance(value, Ref):
        found(value)
    elif isinstance(value, list):
        for v in value:
            references(v, found, depth + 1)
    elif isinstance(value, dict):
        for v in value.values():
            references(v, found, depth + 1)
