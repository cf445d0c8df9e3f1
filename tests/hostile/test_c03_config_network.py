"""Class 3: a repository's config cannot turn on network access or write files anywhere.

The repository's ``pulsecheck.toml`` asks for the outdated check against a registry on
127.0.0.1 and points the database outside itself: no request reaches the listener, and no
file or directory appears where the repository pointed.
"""

from __future__ import annotations

from pathlib import Path

from .conftest import Listener
from .kit import pulsecheck, write


def test_repository_config_cannot_call_out_or_place_the_database(tmp_path: Path, listener: Listener,
                                                                  empty_db: dict[str, str]) -> None:
    elsewhere = tmp_path / "elsewhere"
    repo = write(tmp_path / "repo", {
        "requirements.txt": "django==1.2\nprivate-internal-lib==0.1\n",
        "pulsecheck.toml": (f'[stages.deps]\noutdated = true\npypi_url = "{listener.url}"\n'
                            f'npm_url = "{listener.url}"\ndb = "{elsewhere}/osv.sqlite"\n'),
    })
    out = tmp_path / "report.json"
    run = pulsecheck("audit", str(repo), "--stage", "deps", "-f", "json", "-o", str(out), cwd=tmp_path,
                     report=out, env=empty_db)
    assert listener.requests == [], "the repository's config made pulsecheck call out"
    assert not elsewhere.exists(), "the repository's config placed a file outside it"
    assert run.report is not None
