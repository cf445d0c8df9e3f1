"""Build the immutable :class:`~pulsecheck.settings.Settings` from every config source.

Precedence, highest first: command-line flags > ``PULSECHECK_*`` environment > the scanned
repository's config > the user's own config > defaults (see :mod:`pulsecheck.config_files` for
which file is which). Every value is checked here, once, before anything is scanned: a typo or a
wrong type in any source stops the audit with one line naming the file, the key and the problem.
Each ``[stages.<name>]`` table is validated by that stage's ``Options`` model.

Trust: the scanned repository's config cannot set ``user_only`` options (network, databases,
writes, resources) nor raise ``stage_timeout``; such keys are ignored with a warning that the
report carries, so a vendor repository that asks for them is still audited. What narrows the
audit (disabled rules, excludes, allowlists, severity overrides, disabled stages, a baseline) is
applied from any source and listed in ``Settings.effects`` with where it came from.

Because TOML cannot hold both ``stages = [...]`` and ``[stages.sast]`` tables, the enabled
stages may also be given as ``[stages] enabled = [...]``, and one stage can be switched off
with ``enabled = false`` in its own table.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pulsecheck.config_effects import Set, effects_of
from pulsecheck.config_files import ENV_PREFIX, ConfigError, ConfigFile, config_files
from pulsecheck.config_values import (
    Err,
    KeyErr,
    Layer,
    bind,
    set_fields,
    severity,
    split,
    stage_names,
    str_list,
    timeout,
    validate_options,
)
from pulsecheck.options import BASE_DIR, CONFINE_TO, USER_ONLY, field_trust
from pulsecheck.settings import ALL_STAGES, Settings
from pulsecheck.stage_options import OptionsCatalog, options_catalog

__all__ = ["ENV_PREFIX", "ConfigError", "load_settings"]

_TOP_KEYS = ("stages", "fail_on", "exclude", "stage_timeout", "baseline", "rules")
_RULES_KEYS = ("disable", "severity")
_FLAG_KEYS = ("stages", "fail_on", "baseline", "exclude", "stage_timeout")
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")
_DEFAULT_TIMEOUT = float(Settings.model_fields["stage_timeout_s"].default)

def load_settings(
    flags: Mapping[str, object],
    config_file: Path | None,
    repo: Path | None,
    env: Mapping[str, str] | None = None,
    *,
    stage_flags: Mapping[str, Mapping[str, object]] | None = None,
    defaults: Mapping[str, object] | None = None,
    no_repo_config: bool = False,
) -> Settings:
    """Merge flags, environment, config files and defaults into validated Settings.

    ``stage_flags`` are stage options given on the command line (``secrets scan --since``);
    ``defaults`` are a command's own defaults (``secrets scan`` fails on ``low``), used only
    when no source sets the value."""
    env = os.environ if env is None else env
    catalog = options_catalog()
    no_repo = no_repo_config or _env_flag(env, "NO_REPO_CONFIG")
    layers = [_from_flags(defaults or {}, {}, catalog, source="default")]
    layers += [_from_file(cfg, repo, catalog) for cfg in config_files(config_file, repo, env, no_repo)]
    layers += [_from_env(env, catalog), _from_flags(flags, stage_flags or {}, catalog)]
    values: dict[str, Set] = {}
    options: dict[str, dict[str, Set]] = {}
    warnings: list[str] = []
    for layer in layers:
        timeout = layer.values.get("stage_timeout_s")
        current = values["stage_timeout_s"].value if "stage_timeout_s" in values else _DEFAULT_TIMEOUT
        if layer.repository and timeout is not None and timeout.value > current:
            warnings.append(f"{timeout.source}: stage_timeout ignored: a repository's config may lower "
                            f"the stage time limit ({current:g}s), not raise it")
            del layer.values["stage_timeout_s"]
        values.update(layer.values)
        for stage, fields in layer.options.items():
            options.setdefault(stage, {}).update(fields)
        warnings += layer.warnings
    typed = {name: catalog.models[name].model_validate({k: s.value for k, s in fields.items()})
             for name, fields in options.items()}
    if "baseline" in values:
        from pulsecheck.suppress import load_baseline

        load_baseline(Path(values["baseline"].value))  # a bad baseline stops the audit before scanning
    effects = effects_of(values, options, typed, catalog)
    return Settings(**{k: s.value for k, s in values.items()}, stage_options=typed, warnings=tuple(warnings),
                    effects=effects, option_errors=dict(catalog.errors))


def _env_flag(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(f"{ENV_PREFIX}{name}", "").strip().lower()
    if raw in _TRUE or raw in _FALSE:
        return raw in _TRUE
    raise ConfigError(f"environment {ENV_PREFIX}{name}: '{raw}' is not a boolean (use 1 or 0)")


def _from_file(cfg: ConfigFile, repo: Path | None, catalog: OptionsCatalog) -> Layer:
    """Validate the pulsecheck table of one config file and turn it into a layer."""
    path, table, prefix = cfg.path, cfg.table, cfg.prefix

    def err(key: str, problem: str) -> ConfigError:
        return ConfigError(f"{path}: {prefix}{key}: {problem}")

    def put(name: str, setting: str, value: Any) -> None:
        layer.values[name] = Set(value, f"{prefix}{setting}", cfg.label)

    layer = Layer(repository=cfg.trust == "repository")
    root = (repo if repo is not None else path.parent).resolve()
    for key in table:
        if key not in _TOP_KEYS:
            raise err(key, f"unknown key (expected one of: {', '.join(_TOP_KEYS)})")
    if "fail_on" in table:
        put("fail_on", "fail_on", severity(table["fail_on"], lambda p: err("fail_on", p)))
    if "exclude" in table:
        put("exclude", "exclude", tuple(str_list(table["exclude"], lambda p: err("exclude", p))))
    if "stage_timeout" in table:
        put("stage_timeout_s", "stage_timeout", timeout(table["stage_timeout"], lambda p: err("stage_timeout", p)))
    if "baseline" in table:
        if not isinstance(table["baseline"], str) or not table["baseline"]:
            raise err("baseline", "must be a file name (string)")
        confine = root if layer.repository else None
        put("baseline", "baseline", _inside(table["baseline"], path.parent, confine, lambda p: err("baseline", p)))
    if "stages" in table:
        _stages(table["stages"], err, layer, cfg, root, catalog)
    if "rules" in table:
        for name, (setting, value) in _rules(table["rules"], err).items():
            put(name, setting, value)
    return layer


def _stages(value: Any, err: KeyErr, layer: Layer, cfg: ConfigFile, root: Path, catalog: OptionsCatalog) -> None:
    setting = f"{cfg.prefix}stages"
    if isinstance(value, list):
        layer.values["stages"] = Set(stage_names(value, lambda p: err("stages", p)), setting, cfg.label)
        return
    if not isinstance(value, dict):
        raise err("stages", "must be a list of stage names or a table of [stages.<name>] tables")
    enabled = list(ALL_STAGES)
    if "enabled" in value:
        enabled = list(stage_names(value["enabled"], lambda p: err("stages.enabled", p)))
        setting = f"{cfg.prefix}stages.enabled"
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
            if "enabled" not in value:
                setting = f"{cfg.prefix}stages.{name}.enabled"
        fields = _stage_table(name, opts, err, layer, cfg, root, catalog)
        if fields:
            layer.options[name] = fields
    if "enabled" in value or len(enabled) != len(ALL_STAGES):
        layer.values["stages"] = Set(tuple(enabled), setting, cfg.label)


def _stage_table(name: str, opts: dict[str, Any], err: KeyErr, layer: Layer, cfg: ConfigFile, root: Path,
                 catalog: OptionsCatalog) -> dict[str, Set]:
    """One ``[stages.<name>]`` table validated by the stage's model; user-only keys of a
    repository's config dropped with a warning."""
    model = catalog.models.get(name)
    if model is None:
        if name in catalog.errors or not opts:
            return {}  # a broken stage is reported errored by the engine; an empty table is fine
        raise err(f"stages.{name}", f"the {name} stage takes no options yet (only 'enabled'); "
                                    f"remove {', '.join(sorted(opts))}")
    def make(line: str) -> ConfigError:
        return ConfigError(f"{cfg.path}: {cfg.prefix}{line}")

    if layer.repository:
        # Checked like any value (a typo is still an error), then dropped: never taken from here.
        ignored = {k: opts.pop(k) for k in [k for k in opts if field_trust(model, k) == USER_ONLY]}
        validate_options(model, ignored, {BASE_DIR: cfg.path.parent}, f"stages.{name}", make)
        layer.warnings += [f"{cfg.label}: stages.{name}.{key} ignored: only your own config, the "
                           "environment or a flag may set it (network, databases, files or resources)"
                           for key in ignored]
    context = {BASE_DIR: cfg.path.parent, CONFINE_TO: root if layer.repository else None}
    instance = validate_options(model, opts, context, f"stages.{name}", make)
    return set_fields(instance, f"{cfg.prefix}stages.{name}", cfg.label)


def _inside(value: str, base: Path, root: Path | None, err: Err) -> str:
    """``value`` resolved against ``base``; a ConfigError when ``root`` is set and it lies outside."""
    if "\x00" in value:
        raise err("path contains a NUL byte")
    resolved = (base / Path(value).expanduser()).resolve()
    if root is not None and not resolved.is_relative_to(root):
        raise err(f"'{value}' resolves outside the repository ({root}); refused")
    return str(resolved)


def _rules(value: Any, err: KeyErr) -> dict[str, tuple[str, Any]]:
    if not isinstance(value, dict):
        raise err("rules", "must be a table with 'disable' and/or [rules.severity]")
    for key in value:
        if key not in _RULES_KEYS:
            raise err(f"rules.{key}", f"unknown key (expected one of: {', '.join(_RULES_KEYS)})")
    out: dict[str, tuple[str, Any]] = {}
    if "disable" in value:
        out["disabled_rules"] = ("rules.disable", tuple(str_list(value["disable"], lambda p: err("rules.disable", p))))
    if "severity" in value:
        table = value["severity"]
        if not isinstance(table, dict):
            raise err("rules.severity", 'must be a table of "rule.id" = "severity"')
        out["severity_overrides"] = ("rules.severity", {
            rid: severity(sev, bind(err, f'rules.severity."{rid}"')) for rid, sev in table.items()})
    return out


def _from_env(env: Mapping[str, str], catalog: OptionsCatalog) -> Layer:
    def err(name: str) -> Err:
        return lambda p: ConfigError(f"environment {ENV_PREFIX}{name}: {p}")

    layer = Layer()

    def put(name: str, var: str, value: Any) -> None:
        layer.values[name] = Set(value, f"{ENV_PREFIX}{var}", f"environment {ENV_PREFIX}{var}")

    if env.get(f"{ENV_PREFIX}STAGES", "").strip():
        put("stages", "STAGES", stage_names(split(env[f"{ENV_PREFIX}STAGES"]), err("STAGES")))
    if env.get(f"{ENV_PREFIX}FAIL_ON", "").strip():
        put("fail_on", "FAIL_ON", severity(env[f"{ENV_PREFIX}FAIL_ON"].strip(), err("FAIL_ON")))
    if f"{ENV_PREFIX}EXCLUDE" in env:
        put("exclude", "EXCLUDE", tuple(split(env[f"{ENV_PREFIX}EXCLUDE"])))
    if env.get(f"{ENV_PREFIX}BASELINE", "").strip():
        put("baseline", "BASELINE", env[f"{ENV_PREFIX}BASELINE"].strip())
    if env.get(f"{ENV_PREFIX}STAGE_TIMEOUT", "").strip():
        raw = env[f"{ENV_PREFIX}STAGE_TIMEOUT"].strip()
        try:
            number = float(raw)
        except ValueError:
            raise err("STAGE_TIMEOUT")(f"'{raw}' is not a number of seconds") from None
        put("stage_timeout_s", "STAGE_TIMEOUT", timeout(number, err("STAGE_TIMEOUT")))
    db = env.get(f"{ENV_PREFIX}DB", "").strip()
    if db and "deps" in catalog.models:
        instance = validate_options(catalog.models["deps"], {"db": db}, None, "",
                             lambda line: err("DB")(line.partition(": ")[2]))
        layer.options["deps"] = {k: Set(s.value, f"{ENV_PREFIX}DB", s.source)
                                 for k, s in set_fields(instance, "", f"environment {ENV_PREFIX}DB").items()}
    return layer


def _from_flags(flags: Mapping[str, object], stage_flags: Mapping[str, Mapping[str, object]],
                catalog: OptionsCatalog, source: str = "flag") -> Layer:
    def err(name: str) -> Err:
        return lambda p: ConfigError(f"--{name.replace('_', '-')}: {p}")

    layer = Layer()

    def put(name: str, flag: str, value: Any) -> None:
        label = source if source == "default" else f"flag --{flag.replace('_', '-')}"
        layer.values[name] = Set(value, f"--{flag.replace('_', '-')}", label)

    for key, value in flags.items():
        if value is None:
            continue
        if key not in _FLAG_KEYS:
            raise ConfigError(f"flag '{key}': not a setting (expected one of: {', '.join(_FLAG_KEYS)})")
        if key == "stages":
            names = split(value) if isinstance(value, str) else value
            put("stages", "stage", stage_names(names, err("stage")))
        elif key == "fail_on":
            put("fail_on", key, severity(value, err(key)))
        elif key == "baseline":
            put("baseline", key, str(value))
        elif key == "exclude":
            put("exclude", key, tuple(str_list(list(value) if isinstance(value, tuple) else value, err(key))))
        else:
            put("stage_timeout_s", key, timeout(value, err(key)))
    for stage, table in stage_flags.items():
        model = catalog.models.get(stage)
        if model is None:
            raise ConfigError(f"stage '{stage}': {catalog.errors.get(stage, 'takes no options')}")
        instance = validate_options(model, dict(table), None, f"stages.{stage}",
                             lambda line: ConfigError(f"command line: {line}"))
        layer.options[stage] = set_fields(instance, f"stages.{stage}", "command line")
    return layer


