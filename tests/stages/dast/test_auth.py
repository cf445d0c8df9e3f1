"""Identities: login recipes (env and file values, relative URL), refresh on a 401, and the
errors of a bad recipe or auth value (one line, no secret in it)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from pulsecheck.runtime.http import HostLimiter, Scope, scoped_client
from pulsecheck.stages.dast.auth import AuthError, from_auth_strings, load_recipe
from pulsecheck.stages.dast.client import Budget, Scanner
from pulsecheck.targets import Credential
from stages.dast.helpers import Bed


def _scanner(url: str) -> Scanner:
    client = scoped_client(Scope.of([url]), HostLimiter(per_second=100))
    return Scanner(client, (url,), Budget(100, 30, 100, 2), active=False, allow_destructive=False, plan=False,
                   cancel=threading.Event())


def test_login_recipe_refreshes_once_on_401(api_vulnerable: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BED_PW", "alice-pw")
    (tmp_path / "user.txt").write_text("alice@example.org")
    recipe = tmp_path / "r.toml"
    recipe.write_text('url = "/api/login"\nkind = "json"\n[fields]\nemail = { file = "user.txt" }\npassword = "BED_PW"\n')
    session = load_recipe(str(recipe), "A")
    scanner = _scanner(api_vulnerable.url)
    assert session.do_login(scanner) and session.logins == 1
    assert "alice-pw" not in repr(session.field_values) and "alice-pw" not in str(session.headers)
    session.headers = [("Authorization", Credential("Bearer expired.token.value"))]
    r = scanner.send("GET", f"{api_vulnerable.url}/api/me", identity=session)
    assert r.status_code == 200 and r.json()["email"] == "alice@example.org"
    assert session.logins == 2
    session.field_values["password"] = Credential("wrong")
    session.headers = [("Authorization", Credential("Bearer expired.token.value"))]
    assert scanner.send("GET", f"{api_vulnerable.url}/api/me", identity=session).status_code == 401  # tried once


def test_recipe_errors_are_one_line_without_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOPE_PW", raising=False)
    recipe = tmp_path / "r.toml"
    recipe.write_text('url = "https://x.test/login"\n[fields]\npassword = "NOPE_PW"\n')
    with pytest.raises(AuthError, match="NOPE_PW is not set"):
        load_recipe(str(recipe), "A")
    recipe.write_text('url = "ftp://x"\n')
    with pytest.raises(AuthError, match="needs url"):
        load_recipe(str(recipe), "A")
    with pytest.raises(AuthError) as exc:
        from_auth_strings("A", ("Bearer s3cr3t-value",))
    assert "s3cr3t" not in str(exc.value)
    cookies = from_auth_strings("B", ("Cookie: a=1; b=2", "X-Api-Key: k"))
    headers: dict[str, str] = {}
    cookies.apply(headers)
    assert headers == {"X-Api-Key": "k", "Cookie": "a=1; b=2"}
