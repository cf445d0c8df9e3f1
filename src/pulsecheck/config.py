"""Build the immutable :class:`~pulsecheck.settings.Settings` from every config source.

Precedence, highest first: command-line flags > ``PULSECHECK_*`` environment > the config file
(``--config FILE``, else ``pulsecheck.toml`` in the repository, else ``[tool.pulsecheck]`` in its
``pyproject.toml``) > defaults. Every value is checked here, once, so that a typo in a config
file stops the audit with one line naming the file, the key and the problem instead of
silently scanning with defaults.

Because TOML cannot hold both ``stages = [...]`` and ``[stages.sast]`` tables, the enabled
stages may also be given as ``[stages] enabled = [...]``, and one stage can be switched off
with ``enabled = false`` in its own table.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pulsecheck.model import Severity
from pulsecheck.settings import ALL_STAGES, Settings

ENV_PREFIX = "PULSECHECK_"
_TOP_KEYS = ("stages", "fail_on", "exclude", "stage_timeout", "baseline", "rules")
_RULES_KEYS = ("disable", "severity")
_FLAG_KEYS = ("stages", "fail_on", "baseline", "exclude", "stage_timeout")
_SEVERITIES = ", ".join(s.value for s in Severity)

Err = Callable[[str], "ConfigError"]
"""Builds the error for one key from a description of the problem."""
KeyErr = Callable[[str, str], "ConfigError"]
"""Builds the error for a named key of the config file."""


class ConfigError(Exception):
    """A config source is invalid; the message is one line naming the source, key and problem."""


def load_settings(
    flags: Mapping[str, object],
    config_file: Path | None,
    repo: Path | None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Merge flags, environment, config file and defaults into validated Settings."""
    values: dict[str, Any] = {}
    source = _find_config(config_file, repo)
    if source is not None:
        path, table, label = source
        values.update(_from_file(table, path, label, repo))
    values.update(_from_env(os.environ if env is None else env))
    values.update(_from_flags(flags))
    if values.get("baseline"):
        from pulsecheck.suppress import load_baseline

        load_baseline(Path(values["baseline"]))  # a bad baseline stops the audit before scanning
    return Settings(**values)


def _find_config(config_file: Path | None, repo: Path | None) -> tuple[Path, dict[str, Any], str] | None:
    """The config file in use, its pulsecheck table and how to name that table in errors."""
    if config_file is not None:
        if not config_file.is_file():
            raise ConfigError(f"{config_file}: config file not found")
        data = _read_toml(config_file)
        if config_file.name == "pyproject.toml":
            return config_file, _tool_table(data, config_file), "tool.pulsecheck."
        return config_file, data, ""
    if repo is None:
        return None
    own = repo / "pulsecheck.toml"
    if own.is_file():
        return own, _read_toml(own), ""
    pyproject = repo / "pyproject.toml"
    if pyproject.is_file():
        data = _read_toml(pyproject)
        if isinstance(data.get("tool"), dict) and "pulsecheck" in data["tool"]:
            return pyproject, _tool_table(data, pyproject), "tool.pulsecheck."
    return None


def _tool_table(data: dict[str, Any], path: Path) -> dict[str, Any]:
    table = data.get("tool", {}).get("pulsecheck", {}) if isinstance(data.get("tool"), dict) else {}
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: tool.pulsecheck: must be a table")
    return table


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config file ({type(exc).__name__})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        where = re.search(r"line (\d+)", str(exc))
        line = f"line {where.group(1)}: " if where else ""
        problem = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", str(exc))
        raise ConfigError(f"{path}: {line}invalid TOML: {problem}") from None


def _from_file(table: Mapping[str, Any], path: Path, prefix: str, repo: Path | None) -> dict[str, Any]:
    """Validate the pulsecheck table of one config file and turn it into Settings fields."""

    def err(key: str, problem: str) -> ConfigError:
        return ConfigError(f"{path}: {prefix}{key}: {problem}")

    root = (repo if repo is not None else path.parent).resolve()
    out: dict[str, Any] = {}
    for key in table:
        if key not in _TOP_KEYS:
            raise err(key, f"unknown key (expected one of: {', '.join(_TOP_KEYS)})")
    if "fail_on" in table:
        out["fail_on"] = _severity(table["fail_on"], lambda p: err("fail_on", p))
    if "exclude" in table:
        out["exclude"] = tuple(_str_list(table["exclude"], lambda p: err("exclude", p)))
    if "stage_timeout" in table:
        out["stage_timeout_s"] = _timeout(table["stage_timeout"], lambda p: err("stage_timeout", p))
    if "baseline" in table:
        if not isinstance(table["baseline"], str) or not table["baseline"]:
            raise err("baseline", "must be a file name (string)")
        out["baseline"] = _inside(table["baseline"], path.parent, root, lambda p: err("baseline", p))
    if "stages" in table:
        out.update(_stages(table["stages"], err, path.parent, root))
    if "rules" in table:
        out.update(_rules(table["rules"], err))
    return out


def _stages(value: Any, err: KeyErr, base: Path, root: Path) -> dict[str, Any]:
    if isinstance(value, list):
        return {"stages": _stage_names(value, lambda p: err("stages", p))}
    if not isinstance(value, dict):
        raise err("stages", "must be a list of stage names or a table of [stages.<name>] tables")
    out: dict[str, Any] = {}
    enabled = list(ALL_STAGES)
    if "enabled" in value:
        enabled = list(_stage_names(value["enabled"], lambda p: err("stages.enabled", p)))
    options: dict[str, dict[str, Any]] = {}
    for name, opts in value.items():
        if name == "enabled":
            continue
        if name not in ALL_STAGES:
            raise err(f"stages.{name}", f"unknown stage (choose from {', '.join(ALL_STAGES)})")
        if not isinstance(opts, dict):
            raise err(f"stages.{name}", "must be a table of options")
        opts = dict(opts)
        switch = opts.pop("enabled", True)
        if not isinstance(switch, bool):
            raise err(f"stages.{name}.enabled", "must be true or false")
        if not switch and name in enabled:
            enabled.remove(name)
        options[name] = _path_options(opts, f"stages.{name}", err, base, root)
    if "enabled" in value or len(enabled) != len(ALL_STAGES):
        out["stages"] = tuple(enabled)
    out["stage_options"] = options
    return out


def _path_options(opts: dict[str, Any], key: str, err: KeyErr, base: Path, root: Path) -> dict[str, Any]:
    """Resolve every ``*_path``/``*_file`` option, refusing one that leaves the repository."""
    out: dict[str, Any] = {}
    for name, val in opts.items():
        full = f"{key}.{name}"
        if isinstance(val, dict):
            out[name] = _path_options(val, full, err, base, root)
        elif isinstance(val, list) and val and all(isinstance(v, dict) for v in val):
            out[name] = [_path_options(v, f"{full}[{i}]", err, base, root) for i, v in enumerate(val)]
        elif name.endswith(("_path", "_file", "_paths", "_files")):
            items = val if isinstance(val, list) else [val]
            if not all(isinstance(v, str) and v for v in items):
                raise err(full, "must be a path (string) or a list of paths")
            resolved = [_inside(v, base, root, _bind(err, full)) for v in items]
            out[name] = resolved if isinstance(val, list) else resolved[0]
        else:
            out[name] = val
    return out


def _inside(value: str, base: Path, root: Path, err: Err) -> str:
    """``value`` resolved against ``base``; a ConfigError when it lies outside ``root``."""
    if "\x00" in value:
        raise err("path contains a NUL byte")
    resolved = (base / Path(value).expanduser()).resolve()
    if not resolved.is_relative_to(root):
        raise err(f"'{value}' resolves outside the repository ({root}); refused")
    return str(resolved)


def _rules(value: Any, err: KeyErr) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise err("rules", "must be a table with 'disable' and/or [rules.severity]")
    for key in value:
        if key not in _RULES_KEYS:
            raise err(f"rules.{key}", f"unknown key (expected one of: {', '.join(_RULES_KEYS)})")
    out: dict[str, Any] = {}
    if "disable" in value:
        out["disabled_rules"] = tuple(_str_list(value["disable"], lambda p: err("rules.disable", p)))
    if "severity" in value:
        table = value["severity"]
        if not isinstance(table, dict):
            raise err("rules.severity", 'must be a table of "rule.id" = "severity"')
        out["severity_overrides"] = {
            rid: _severity(sev, _bind(err, f'rules.severity."{rid}"')) for rid, sev in table.items()
        }
    return out


def _from_env(env: Mapping[str, str]) -> dict[str, Any]:
    def err(name: str) -> Err:
        return lambda p: ConfigError(f"environment {ENV_PREFIX}{name}: {p}")

    out: dict[str, Any] = {}
    if env.get(f"{ENV_PREFIX}STAGES", "").strip():
        out["stages"] = _stage_names(_split(env[f"{ENV_PREFIX}STAGES"]), err("STAGES"))
    if env.get(f"{ENV_PREFIX}FAIL_ON", "").strip():
        out["fail_on"] = _severity(env[f"{ENV_PREFIX}FAIL_ON"].strip(), err("FAIL_ON"))
    if f"{ENV_PREFIX}EXCLUDE" in env:
        out["exclude"] = tuple(_split(env[f"{ENV_PREFIX}EXCLUDE"]))
    if env.get(f"{ENV_PREFIX}BASELINE", "").strip():
        out["baseline"] = env[f"{ENV_PREFIX}BASELINE"].strip()
    if env.get(f"{ENV_PREFIX}STAGE_TIMEOUT", "").strip():
        raw = env[f"{ENV_PREFIX}STAGE_TIMEOUT"].strip()
        try:
            number = float(raw)
        except ValueError:
            raise err("STAGE_TIMEOUT")(f"'{raw}' is not a number of seconds") from None
        out["stage_timeout_s"] = _timeout(number, err("STAGE_TIMEOUT"))
    return out


def _from_flags(flags: Mapping[str, object]) -> dict[str, Any]:
    def err(name: str) -> Err:
        return lambda p: ConfigError(f"--{name.replace('_', '-')}: {p}")

    out: dict[str, Any] = {}
    for key, value in flags.items():
        if value is None:
            continue
        if key not in _FLAG_KEYS:
            raise ConfigError(f"flag '{key}': not a setting (expected one of: {', '.join(_FLAG_KEYS)})")
        if key == "stages":
            names = _split(value) if isinstance(value, str) else value
            out["stages"] = _stage_names(names, err("stage"))
        elif key == "fail_on":
            out["fail_on"] = _severity(value, err(key))
        elif key == "baseline":
            out["baseline"] = str(value)
        elif key == "exclude":
            out["exclude"] = tuple(_str_list(list(value) if isinstance(value, tuple) else value, err(key)))
        else:
            out["stage_timeout_s"] = _timeout(value, err(key))
    return out


def _bind(err: KeyErr, key: str) -> Err:
    return lambda problem: err(key, problem)


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _severity(value: Any, err: Err) -> Severity:
    if isinstance(value, Severity):
        return value
    if isinstance(value, str) and value.strip().lower() in {s.value for s in Severity}:
        return Severity(value.strip().lower())
    raise err(f"{value!r} is not a severity (choose from {_SEVERITIES})")


def _str_list(value: Any, err: Err) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise err("must be a list of non-empty strings")
    return list(value)


def _stage_names(value: Any, err: Err) -> tuple[str, ...]:
    names = _str_list(list(value) if isinstance(value, tuple) else value, err)
    for name in names:
        if name not in ALL_STAGES:
            raise err(f"unknown stage '{name}' (choose from {', '.join(ALL_STAGES)})")
    return tuple(dict.fromkeys(names))


def _timeout(value: Any, err: Err) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise err(f"{value!r} must be a positive number of seconds")
    return float(value)
