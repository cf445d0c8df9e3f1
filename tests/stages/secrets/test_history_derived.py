"""History mode sees derived secrets whose context is outside a -U0 hunk (Terraform variables)."""

from __future__ import annotations

import random
from pathlib import Path

from sources.gitutil import commit_files, init

from pulsecheck.stages.secrets.options import SecretsOptions
from pulsecheck.stages.secrets.scan import scan_directory


def _password(rng: random.Random) -> str:
    alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789!#%^"
    return "".join(rng.choice(alphabet) for _ in range(20))


def _tf(default: str, extra_before: int = 0) -> str:
    pad = "".join(f'variable "region_{i}" {{\n  type = string\n  default = "eu-west-{i}"\n}}\n\n'
                  for i in range(extra_before))
    return (pad + 'variable "db_password" {\n  description = "Password of the EHR database"\n'
            f'  type        = string\n  sensitive   = true\n  default     = "{default}"\n}}\n')


def test_terraform_default_changed_alone_is_found_in_history(tmp_path: Path) -> None:
    rng = random.Random(13)
    first, second = _password(rng), _password(rng)
    repo = init(tmp_path / "infra")
    commit_files(repo, {"variables.tf": _tf(first, extra_before=3)}, "add vars", date="2024-01-01T00:00:00+00:00")
    sha = commit_files(repo, {"variables.tf": _tf(second, extra_before=3)}, "rotate", date="2024-02-01T00:00:00+00:00")
    commit_files(repo, {"variables.tf": _tf("${var.from_vault}", extra_before=3)}, "use vault",
                 date="2024-03-01T00:00:00+00:00")
    notes: list[str] = []
    found = scan_directory(repo, SecretsOptions(worktree=False, jobs=1), note=notes.append, gap=notes.append)
    by_commit = {f.location.commit: f for f in found}
    assert sha in by_commit, [f.message for f in found]
    hit = by_commit[sha]
    assert hit.location.path == "variables.tf" and hit.location.line == 20
    assert len(found) == 2  # the first default and the rotated one; the vault lookup is not a secret


def test_default_of_a_non_secret_variable_changed_alone_is_not_reported(tmp_path: Path) -> None:
    repo = init(tmp_path / "infra")
    text = 'variable "db_password" {\n  default = "Zq8#pL2v!xR7"\n}\n\nvariable "region" {\n  default = "eu-west-1"\n}\n'
    commit_files(repo, {"main.tf": text}, "one")
    commit_files(repo, {"main.tf": text.replace("eu-west-1", "Kp4vQ9zX7wR2")}, "two",
                 date="2024-02-01T00:00:00+00:00")
    found = scan_directory(repo, SecretsOptions(worktree=False, jobs=1), note=lambda _m: None,
                           gap=lambda _m: None)
    assert [(f.location.line, f.location.commit is not None) for f in found] == [(2, True)]
