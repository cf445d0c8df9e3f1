"""``[stages.dast]``: the DAST stage's options (flags ``--plan --active --allow-destructive
--openapi --har --auth --auth-b --login --login-b`` land here).

    active = false              # also send attacks (injection, BOLA object creation, JWT forging...)
    allow_destructive = false   # also send DELETE and operations the spec marks destructive
    openapi = "spec.json"       # a file, or a URL inside the scan's scope
    max_requests = 2000         # per target; max_seconds the hard wall-clock budget per target

Everything that reaches the network harder, raises resource use or carries credentials is
``user_only``: a scanned repository's own config cannot turn on attacks or hand in identities.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from pulsecheck.options import StageOptions, Strings, narrows, user_only


class Options(StageOptions):
    plan: bool = narrows(False, "DAST plan only: nothing sent beyond planning")
    active: bool = user_only(False, "send active (attack) checks")
    allow_destructive: bool = user_only(False, "send DELETE and destructive operations")
    openapi: str | None = user_only(None, "OpenAPI/Swagger spec: file or in-scope URL")
    har: str | None = user_only(None, "HAR recording whose requests seed the crawl")
    auth: Strings = user_only((), "identity A: 'Header: value' or 'Cookie: name=value'")
    auth_b: Strings = user_only((), "identity B, as auth")
    login: str | None = user_only(None, "identity A: login recipe (TOML)")
    login_b: str | None = user_only(None, "identity B: login recipe (TOML)")
    max_requests: Annotated[int, Field(ge=1, le=1_000_000)] = user_only(2000, "requests per target")
    max_depth: Annotated[int, Field(ge=0, le=50)] = user_only(5, "crawl depth")
    per_second: Annotated[float, Field(gt=0, le=1000)] = user_only(10.0, "requests per second per target")
    concurrency: Annotated[int, Field(ge=1, le=64)] = user_only(4, "requests in flight")
    max_seconds: Annotated[float, Field(gt=0, le=86_400)] = user_only(300.0, "wall-clock budget per target")
    time_delay: Annotated[float, Field(gt=0, le=30)] = user_only(2.0, "delay of time-based probes (s)")
    delay_budget: Annotated[float, Field(ge=0, le=600)] = user_only(20.0, "total seconds time-based probes may sleep")
    login_burst: Annotated[int, Field(ge=0, le=100)] = user_only(12, "wrong-password burst of the rate-limit test")
    verify_tls: bool = user_only(True, "check the target's TLS certificate (false: accept self-signed)")
    disable: Strings = narrows((), "DAST rules not run")


DastOptions = Options
