"""What ``pulsecheck demo`` hands the DAST stage: active checks, a faster pace (the app is on
loopback), and a login recipe for the clinician (so the session cookie the login sets is
checked). The recipe's values are written to files of the demo's scratch directory (mode 0600),
never into the recipe or the options."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def demo_options(work: Path, email: str, password: str) -> dict[str, Any]:
    secrets_dir = work / "dast-login"
    secrets_dir.mkdir(mode=0o700, exist_ok=True)
    for name, value in (("user", email), ("password", password)):
        path = secrets_dir / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(value)
    recipe = secrets_dir / "login.toml"
    recipe.write_text('url = "/api/auth/login"\nkind = "json"\ntoken_path = "access_token"\n'
                      '[fields]\nemail = { file = "user" }\npassword = { file = "password" }\n', encoding="utf-8")
    return {"active": True, "per_second": 20.0, "max_seconds": 40.0, "time_delay": 1.0, "delay_budget": 6.0, "verify_tls": False,
            "login": str(recipe)}
