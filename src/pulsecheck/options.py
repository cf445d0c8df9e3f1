"""The base every stage's ``Options`` model derives from, its field types and trust markers.

A stage declares its ``[stages.<name>]`` table as a frozen pydantic model in
``stages/<name>/options.py``. The configuration loader validates it once, before anything is
scanned, so a typo or a wrong type stops the audit with one line naming the file and the key
(:func:`one_line_error`). Fields are marked by what they can do, because a scanned repository's
own config file is not trusted:

* ``user_only``: the option reaches the network, writes files, raises resource use or points at a
  database. It is taken from flags, the environment and the user's own config file; set by the
  scanned repository's config it is ignored with a warning in the report.
* ``narrows``: the option reduces coverage (an allowlist, an exclude, history off). It is applied
  wherever it comes from, and the report lists it with its source and how many findings it hid.

Field types that carry a rule of their own live here too: :data:`RepoPath` (a path that, in a
repository's config, must stay inside the repository), :data:`Re2Patterns` (regexes that a
linear-time engine can run), :data:`Strings` (a list, never a string split into characters),
:data:`Workers` (a bounded process count).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
)

TRUST_KEY = "pulsecheck_trust"
KIND_KEY = "pulsecheck_effect"
USER_ONLY = "user-only"
NARROWS = "narrows"
MAX_WORKERS = 64

CONFINE_TO = "confine_to"
"""Validation context key: the repository root a path must stay in (a repository's config)."""
BASE_DIR = "base_dir"
"""Validation context key: the directory relative paths are resolved against (the config file's)."""


class StageOptions(BaseModel):
    """Frozen, unknown keys forbidden, no silent type coercion (``workers = "many"`` is an error)."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class UntypedOptions(StageOptions):
    """Options of a stage that declares no model yet, as given (only built in code, never from a file)."""

    model_config = ConfigDict(frozen=True, extra="allow", strict=True)


def user_only(default: Any = None, description: str = "", **kwargs: Any) -> Any:
    """A field the scanned repository's config may not set (network, writes, resources, databases)."""
    return Field(default, description=description, json_schema_extra={TRUST_KEY: USER_ONLY}, **kwargs)


def narrows(default: Any = None, description: str = "", kind: str = "other", **kwargs: Any) -> Any:
    """A field that reduces coverage; applied, and reported with its source and what it hid.

    ``kind`` is the :class:`pulsecheck.model.ConfigEffect` kind (``exclude``, ``allowlist``...)."""
    extra: dict[str, Any] = {TRUST_KEY: NARROWS, KIND_KEY: kind}
    return Field(default, description=description, json_schema_extra=extra, **kwargs)


def _extra(model: type[BaseModel], name: str, key: str) -> str | None:
    info = model.model_fields.get(name)
    extra = info.json_schema_extra if info is not None else None
    if isinstance(extra, dict):
        value = extra.get(key)
        return str(value) if value is not None else None
    return None


def field_trust(model: type[BaseModel], name: str) -> str | None:
    """The trust marker of one field of an options model (None: harmless)."""
    return _extra(model, name, TRUST_KEY)


def effect_kind(model: type[BaseModel], name: str) -> str:
    """The report's effect kind of a ``narrows`` field."""
    return _extra(model, name, KIND_KEY) or "other"


def _strings(value: Any) -> Any:
    """TOML gives lists; a bare string would be split into characters downstream, so refuse it."""
    if isinstance(value, str):
        raise ValueError(f"must be a list of strings, not a string (write [{value!r}])")
    if isinstance(value, list | tuple):
        if not all(isinstance(v, str) and v for v in value):
            raise ValueError("must be a list of non-empty strings")
        return tuple(value)
    return value


def _repo_path(value: str, info: ValidationInfo) -> str:
    """Resolve against the config file's directory; inside a repository's config, stay inside it."""
    if "\x00" in value or not value:
        raise ValueError("must be a non-empty path without NUL bytes")
    context = info.context if isinstance(info.context, dict) else {}
    base = context.get(BASE_DIR)
    root = context.get(CONFINE_TO)
    path = Path(value).expanduser()
    if base is not None:
        path = (Path(base) / path).resolve()
    if root is not None:
        resolved = path.resolve()
        if not resolved.is_relative_to(Path(root).resolve()):
            raise ValueError(f"'{value}' resolves outside the repository ({root}); refused")
    return str(path)


def compile_re2(pattern: str) -> Any:
    """``pattern`` compiled by RE2 (linear time on any input); ValueError when RE2 cannot run it."""
    import re2

    options = re2.Options()
    options.log_errors = False
    try:
        return re2.compile(pattern, options)
    except re2.error as exc:
        reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise ValueError(f"{pattern!r} is not a linear-time (RE2) regex: {reason}") from None


def _re2_patterns(value: tuple[str, ...]) -> tuple[str, ...]:
    for pattern in value:
        compile_re2(pattern)
    return value


Strings = Annotated[tuple[str, ...], BeforeValidator(_strings)]
"""A list of non-empty strings (globs, stopwords); a bare string is refused."""
Re2Patterns = Annotated[tuple[str, ...], BeforeValidator(_strings), AfterValidator(_re2_patterns)]
"""Regexes from configuration, each checked at load by RE2; backreferences and lookaround are refused."""
RepoPath = Annotated[str, AfterValidator(_repo_path)]
"""A path; relative to its config file; from a repository's config it must stay inside the repository."""
Workers = Annotated[int, Field(ge=1, le=MAX_WORKERS)]
"""Worker processes (the engine caps them further by its CPU budget)."""
Bytes = Annotated[int, Field(ge=1, le=64 * 1024 ** 3)]
"""A size limit in bytes."""


def one_line_error(exc: ValidationError, prefix: str = "", model: type[BaseModel] | None = None) -> str:
    """``key.path: problem`` for the first error of ``exc`` (``(+N more)`` when there are several).

    Never pydantic's multi-line dump: a config error is one line naming the key. With ``model``,
    an unknown top-level key is told the keys it could have meant."""
    errors = exc.errors(include_url=False)
    first = errors[0]
    key = prefix
    for part in first["loc"]:
        key = f"{key}[{part}]" if isinstance(part, int) else (f"{key}.{part}" if key else str(part))
    problem = _problem(first)
    if first["type"] == "extra_forbidden" and model is not None and len(first["loc"]) == 1:
        problem += f" (expected one of: {', '.join(model.model_fields) or 'none'})"
    more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{key}: {problem}{more}" if key else f"{problem}{more}"


def _problem(error: Any) -> str:
    kind, message = error["type"], str(error["msg"])
    if kind == "extra_forbidden":
        return "unknown option"
    if kind == "value_error":
        message = message.removeprefix("Value error, ")
    message = message.replace("Input should be", "must be")
    return " ".join(message.split())
