"""Typed targets: credentials never print, host strings parse once, URL targets carry identities."""

from __future__ import annotations

import pytest

from pulsecheck.model import Targets
from pulsecheck.targets import Credential, HostTarget, Identity, UrlTarget

TOKEN = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXBhdGllbnQtYQ.sig"


def test_a_token_never_shows_in_repr_or_str_of_targets() -> None:
    targets = Targets(path="/r", web=(UrlTarget("http://127.0.0.1:8000", identities=(Identity.bearer("a", TOKEN),)),))
    assert TOKEN not in repr(targets) and TOKEN not in str(targets)
    assert targets.urls == ("http://127.0.0.1:8000",)
    header = targets.web[0].identities[0].headers[0]
    assert header[0] == "Authorization" and header[1].reveal() == f"Bearer {TOKEN}"
    assert str(Credential("x")) == "…REDACTED"


def test_plain_urls_and_hosts_become_typed_targets() -> None:
    targets = Targets(urls=("https://portal.test/app",), hosts=("127.0.0.1:80,443", "[::1]:8000-8002", "db"))
    assert targets.web[0].in_scope() == ("https://portal.test",)
    assert [(h.host, h.ports) for h in targets.network] == [("127.0.0.1", (80, 443)), ("::1", (8000, 8001, 8002)),
                                                            ("db", ())]
    assert targets.network[0].is_loopback and targets.network[1].is_loopback and not targets.network[2].is_loopback


@pytest.mark.parametrize("bad", ["127.0.0.1:0", "h:70000", ":80", "h:9-3"])
def test_a_bad_host_target_is_refused_with_its_text(bad: str) -> None:
    with pytest.raises(ValueError, match="port|no host"):
        HostTarget.parse(bad)
