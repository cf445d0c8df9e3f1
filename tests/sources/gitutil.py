"""A tiny git helper for tests: isolated from the user's config, fixed identity and dates."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ENV = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
ENV.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, GIT_AUTHOR_NAME="Ana Test",
           GIT_AUTHOR_EMAIL="ana@clinic.example", GIT_COMMITTER_NAME="Ana Test",
           GIT_COMMITTER_EMAIL="ana@clinic.example")


def git(repo: Path, *args: str, date: str = "2024-01-02T03:04:05+00:00") -> str:
    env = dict(ENV, GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    proc = subprocess.run(["git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args],
                          cwd=repo, env=env, check=True, capture_output=True)
    return proc.stdout.decode().strip()


def commit_files(repo: Path, files: dict[str, str], message: str, date: str = "2024-01-02T03:04:05+00:00") -> str:
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message, date=date)
    return git(repo, "rev-parse", "HEAD")


def init(repo: Path) -> Path:
    repo.mkdir(parents=True, exist_ok=True)
    git(repo, "init", "-q")
    return repo
