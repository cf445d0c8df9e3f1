"""Which config files an audit reads, and how far each is trusted.

Two kinds of file, because the code under audit is not trusted:

* the **repository's** config: ``pulsecheck.toml`` or ``[tool.pulsecheck]`` in ``pyproject.toml``
  found in the scanned repository, or a ``--config FILE`` that lies inside it. It may narrow the
  audit (applied and reported) but not reach the network, point at databases, write files or raise
  resource use, and its paths must stay inside the repository. ``--no-repo-config`` (or
  ``PULSECHECK_NO_REPO_CONFIG=1``) ignores it entirely.
* the **user's** own config: a ``--config FILE`` outside the repository, and
  ``<user config dir>/pulsecheck/config.toml`` (``PULSECHECK_USER_CONFIG`` names another file, or
  none when empty). Fully trusted; its relative paths are relative to the file.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

ENV_PREFIX = "PULSECHECK_"
MAX_CONFIG_BYTES = 1 << 20
Trust = Literal["repository", "user"]


class ConfigError(Exception):
    """A config source is invalid; the message is one line naming the source, key and problem."""


@dataclass(frozen=True)
class ConfigFile:
    path: Path
    table: dict[str, Any]
    """The pulsecheck table (the whole file, or ``[tool.pulsecheck]`` of a pyproject.toml)."""
    prefix: str
    """How keys are named in errors: ``""`` or ``"tool.pulsecheck."``."""
    trust: Trust

    @property
    def label(self) -> str:
        return f"{self.path.absolute()} ({self.trust})"


def config_files(config_file: Path | None, repo: Path | None, env: Mapping[str, str],
                 no_repo_config: bool = False) -> list[ConfigFile]:
    """The config files in use, lowest precedence first: the user's file, then the explicit or
    repository file."""
    found: list[ConfigFile] = []
    user = user_config_file(env)
    if user is not None and user.is_file():
        found.append(_load(user, "user"))
    if config_file is not None:
        if not config_file.is_file():
            raise ConfigError(f"{config_file}: config file not found")
        inside = repo is not None and config_file.resolve().is_relative_to(repo.resolve())
        if inside and no_repo_config:
            raise ConfigError(f"{config_file}: --config lies inside the repository, whose config "
                              "--no-repo-config ignores; move it out of the repository or drop --no-repo-config")
        found.append(_load(config_file, "repository" if inside else "user"))
    elif repo is not None and not no_repo_config:
        own = _repo_file(repo)
        if own is not None:
            found.append(own)
    return found


def user_config_file(env: Mapping[str, str]) -> Path | None:
    """``PULSECHECK_USER_CONFIG`` (empty: none), else ``pulsecheck/config.toml`` in the user config dir."""
    named = env.get(f"{ENV_PREFIX}USER_CONFIG")
    if named is not None:
        return Path(named).expanduser() if named.strip() else None
    from platformdirs import user_config_path

    return user_config_path("pulsecheck") / "config.toml"


def _repo_file(repo: Path) -> ConfigFile | None:
    root = repo.resolve()
    own = repo / "pulsecheck.toml"
    if own.is_symlink() and not own.resolve().is_relative_to(root):
        raise ConfigError(f"{own}: a symbolic link out of the repository; refused")
    if own.is_file():
        return _load(own, "repository")
    pyproject = repo / "pyproject.toml"
    if pyproject.is_file() and pyproject.resolve().is_relative_to(root):
        data = _read_toml(pyproject)
        if isinstance(data.get("tool"), dict) and "pulsecheck" in data["tool"]:
            return ConfigFile(pyproject, _tool_table(data, pyproject), "tool.pulsecheck.", "repository")
    return None


def _load(path: Path, trust: Trust) -> ConfigFile:
    data = _read_toml(path)
    if path.name == "pyproject.toml":
        return ConfigFile(path, _tool_table(data, path), "tool.pulsecheck.", trust)
    return ConfigFile(path, data, "", trust)


def _tool_table(data: dict[str, Any], path: Path) -> dict[str, Any]:
    table = data.get("tool", {}).get("pulsecheck", {}) if isinstance(data.get("tool"), dict) else {}
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: tool.pulsecheck: must be a table")
    return table


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_CONFIG_BYTES + 1)
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config file ({type(exc).__name__})") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path}: config file larger than {MAX_CONFIG_BYTES} bytes; refused")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        where = re.search(r"line (\d+)", str(exc))
        line = f"line {where.group(1)}: " if where else ""
        problem = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", str(exc))
        raise ConfigError(f"{path}: {line}invalid TOML: {problem}") from None
