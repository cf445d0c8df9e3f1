"""``[stages.secrets]``: the stage's options, validated once when the configuration loads.

    history = true            # scan every commit of every ref, not only the working tree
    since = "origin/main"     # only commits in since..HEAD (CI on a pull request)
    staged = false            # only the staged changes (pre-commit hook)
    worktree = true
    max_file_bytes = 5000000
    respect_gitignore = true
    gitleaks_config = "gitleaks.toml"   # from a repository's config: must stay inside it
    jobs = 2                  # worker processes for the history (default: available cores); user only
    salt = "..."              # HMAC key for secret identities in reports and baselines
    [stages.secrets.allowlist]
    paths = ["docs/examples/**"]   regexes = ["^sk_test_"]   stopwords = ["dummy"]

Allowlist regexes must compile with RE2 (linear time on any input): a backtracking pattern
from a hostile repository cannot stall the scan. Everything that narrows the scan is applied
and listed in the report with where it came from.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, ValidationError

from pulsecheck.options import (
    Bytes,
    Re2Patterns,
    RepoPath,
    StageOptions,
    Strings,
    Workers,
    narrows,
    one_line_error,
    user_only,
)


class OptionsError(ValueError):
    """An option has the wrong type or value; the message names it on one line."""


class AllowlistOptions(StageOptions):
    paths: Strings = narrows((), "path globs never scanned for secrets", kind="allowlist")
    regexes: Re2Patterns = narrows((), "secrets matching one of these are not reported", kind="allowlist")
    stopwords: Strings = narrows((), "secrets containing one of these are not reported", kind="allowlist")


class Options(StageOptions):
    history: bool = narrows(True, "scan every commit of every ref")
    since: str | None = narrows(None, "only commits in since..HEAD")
    staged: bool = narrows(False, "only the staged changes")
    worktree: bool = narrows(True, "scan the working tree")
    max_file_bytes: Bytes = narrows(5_000_000, "largest file scanned")
    respect_gitignore: bool = True
    gitleaks_config: RepoPath | None = None
    jobs: Workers | None = user_only(None, "worker processes (default: available cores)")
    salt: str | None = Field(None, min_length=1, description="HMAC key (None: the built-in one)")
    allowlist: AllowlistOptions = AllowlistOptions()

    @property
    def allow_paths(self) -> tuple[str, ...]:
        return self.allowlist.paths

    @property
    def allow_regexes(self) -> tuple[str, ...]:
        return self.allowlist.regexes

    @property
    def allow_stopwords(self) -> tuple[str, ...]:
        return self.allowlist.stopwords

    @classmethod
    def from_options(cls, raw: Any) -> Options:
        """The typed options from a typed instance (returned as is) or a raw table."""
        if isinstance(raw, cls):
            return raw
        try:
            return cls.model_validate(raw.model_dump() if isinstance(raw, StageOptions) else raw)
        except ValidationError as exc:
            raise OptionsError(f"[stages.secrets] {one_line_error(exc, model=cls)}") from None


SecretsOptions = Options
