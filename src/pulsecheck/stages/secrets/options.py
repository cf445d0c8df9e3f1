"""The stage's options (``[stages.secrets]`` in pulsecheck.toml), validated once.

    history = true            # scan every commit of every ref, not only the working tree
    since = "origin/main"     # only commits in since..HEAD (CI on a pull request)
    staged = false            # only the staged changes (pre-commit hook)
    worktree = true
    max_file_bytes = 5000000
    respect_gitignore = true
    gitleaks_config = "gitleaks.toml"
    jobs = 2                  # worker processes for the history (default: available cores)
    salt = "..."              # HMAC key for secret identities in reports and baselines
    [stages.secrets.allowlist]
    paths = ["docs/examples/**"]   regexes = ["^sk_test_"]   stopwords = ["dummy"]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pulsecheck.stages.secrets.findings import DEFAULT_SALT


class OptionsError(ValueError):
    """An option has the wrong type or value; the message names it."""


@dataclass(frozen=True, slots=True)
class SecretsOptions:
    history: bool = True
    since: str | None = None
    staged: bool = False
    worktree: bool = True
    max_file_bytes: int = 5_000_000
    respect_gitignore: bool = True
    gitleaks_config: str | None = None
    jobs: int | None = None
    salt: str = DEFAULT_SALT
    allow_paths: tuple[str, ...] = ()
    allow_regexes: tuple[str, ...] = ()
    allow_stopwords: tuple[str, ...] = ()

    @classmethod
    def from_options(cls, raw: dict[str, Any]) -> SecretsOptions:
        known = {"history", "since", "staged", "worktree", "max_file_bytes", "respect_gitignore",
                 "gitleaks_config", "jobs", "salt", "allowlist"}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise OptionsError(f"[stages.secrets]: unknown option(s) {', '.join(unknown)}")
        allow = raw.get("allowlist") or {}
        if not isinstance(allow, dict):
            raise OptionsError("[stages.secrets] allowlist: expected a table with paths/regexes/stopwords")
        opts = cls(
            history=_bool(raw, "history", True), since=_str(raw, "since"), staged=_bool(raw, "staged", False),
            worktree=_bool(raw, "worktree", True), max_file_bytes=_int(raw, "max_file_bytes", 5_000_000),
            respect_gitignore=_bool(raw, "respect_gitignore", True),
            gitleaks_config=_str(raw, "gitleaks_config"), jobs=_int(raw, "jobs", 0) or None,
            salt=_str(raw, "salt") or DEFAULT_SALT,
            allow_paths=_strs(allow, "paths"), allow_regexes=_strs(allow, "regexes"),
            allow_stopwords=_strs(allow, "stopwords"),
        )
        for pattern in opts.allow_regexes:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise OptionsError(f"[stages.secrets] allowlist regex {pattern!r}: {exc}") from None
        return opts


def _bool(raw: dict[str, Any], key: str, default: bool) -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        raise OptionsError(f"[stages.secrets] {key}: expected true or false, got {value!r}")
    return value


def _int(raw: dict[str, Any], key: str, default: int) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise OptionsError(f"[stages.secrets] {key}: expected a non-negative integer, got {value!r}")
    return value


def _str(raw: dict[str, Any], key: str) -> str | None:
    value = raw.get(key)
    if value is not None and not isinstance(value, str):
        raise OptionsError(f"[stages.secrets] {key}: expected a string, got {value!r}")
    return value or None


def _strs(raw: dict[str, Any], key: str) -> tuple[str, ...]:
    value = raw.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise OptionsError(f"[stages.secrets] allowlist.{key}: expected a list of strings")
    return tuple(value)
