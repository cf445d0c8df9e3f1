"""Copy the demo app into a scratch directory and give it a real, reproducible git history.

The history is what makes the history-only secrets real: a deploy file with a cloud key and
a database password is committed and deleted again, so it exists only in old commits. The
fixed twin gets the same history shape with environment references instead of values.
Author, committer and dates are fixed and git runs with no global or system config.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from pulsecheck.demo.fakes import FakeSecrets

PLACEHOLDERS = {"__DEMO_OPENAI_KEY__": "openai_api_key"}
NOT_COPIED = ("VULNERABILITIES.md", "__pycache__", "var", "*.pyc", ".pytest_cache")
AUTHOR = ("Sam Rivera", "sam.rivera@northwind.example")

_DEPLOY_ENV = """# Northwind Clinic production deploy settings (sourced by deploy.sh)
AWS_REGION=us-east-1
AWS_ACCESS_KEY_ID={key_id}
AWS_SECRET_ACCESS_KEY={secret}

# primary database
DATABASE_URL=postgresql://clinic:{db_password}@clinic-production.c8x2k1pq.us-east-1.rds.amazonaws.com:5432/clinic
"""


class DemoError(Exception):
    """The demo could not be prepared or started; the message says what and why."""


def copy_app(source: Path, dest: Path, fakes: FakeSecrets) -> None:
    """Copy ``source`` to ``dest`` (which must not exist), filling in the generated secrets."""
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns(*NOT_COPIED))
    for path in dest.rglob("*"):
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        if "__DEMO_" in text:
            for marker, attr in PLACEHOLDERS.items():
                text = text.replace(marker, getattr(fakes, attr))
            path.write_text(text, encoding="utf-8")


def _git(repo: Path, *args: str, date: str | None = None) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, GIT_TERMINAL_PROMPT="0")
    if date:
        env.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    cmd = ["git", "-c", f"user.name={AUTHOR[0]}", "-c", f"user.email={AUTHOR[1]}",
           "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", "-c", "core.autocrlf=false", *args]
    try:
        subprocess.run(cmd, cwd=repo, env=env, check=True, capture_output=True, timeout=60)
    except FileNotFoundError:
        raise DemoError("git is not installed; the demo needs it to build the app's history") from None
    except subprocess.CalledProcessError as exc:
        detail = exc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["failed"]
        raise DemoError(f"git {args[0]} in {repo}: {detail[0]}") from None


def _commit(repo: Path, message: str, date: str, paths: list[str]) -> None:
    present = [p for p in paths if (repo / p).exists()]
    if present:
        _git(repo, "add", "--all", "--", *present)
    _git(repo, "commit", "--quiet", "--allow-empty", "-m", message, date=date)


def build_history(repo: Path, fakes: FakeSecrets, fixed: bool) -> None:
    """Commit the copied app in a few realistic steps, with the deploy file added then removed."""
    _git(repo, "init", "--quiet")
    deploy = repo / "deploy" / "production.env"
    later = ["infra", "k8s", "Dockerfile", "logs"]
    first = [p.name for p in sorted(repo.iterdir()) if p.name not in (".git", *later)]
    _commit(repo, "Patient portal: accounts, patients, charts and FHIR read API", "2024-03-04T10:12:00+00:00",
            first)
    deploy.parent.mkdir(exist_ok=True)
    if fixed:
        values = {"key_id": "${AWS_ACCESS_KEY_ID}", "secret": "${AWS_SECRET_ACCESS_KEY}",
                  "db_password": "${DB_PASSWORD}"}
    else:
        values = {"key_id": fakes.aws_access_key_id, "secret": fakes.aws_secret_access_key,
                  "db_password": fakes.db_password}
    deploy.write_text(_DEPLOY_ENV.format(**values), encoding="utf-8")
    _commit(repo, "Add production deploy settings", "2024-03-11T16:40:00+00:00", ["deploy"])
    _commit(repo, "Terraform, Dockerfile and Kubernetes manifest for AWS", "2024-03-18T09:05:00+00:00",
            ["infra", "k8s", "Dockerfile"])
    _git(repo, "rm", "--quiet", "-r", "deploy")
    _commit(repo, "Remove deploy settings from the repository", "2024-04-02T11:30:00+00:00", [])
    _commit(repo, "Support ticket 4411: attach portal log", "2024-05-02T12:00:00+00:00", ["logs"])
    leftovers = [p for p in repo.iterdir() if p.name != ".git"]
    _git(repo, "add", "--all", "--", *[p.name for p in leftovers])
    _git(repo, "commit", "--quiet", "--allow-empty", "-m", "Tidy up", date="2024-05-03T08:00:00+00:00")
