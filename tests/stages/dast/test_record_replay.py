"""``pulsecheck dast record`` (mitmproxy as a library) and ``dast replay`` on 127.0.0.1: the proxy
records in-scope traffic with credentials redacted and refuses other origins; replay with a
second identity flags the object it should not read; the HAR seeds the stage."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import httpx

from pulsecheck.commands.dast import load_har, record, replay
from pulsecheck.demo.servers import free_port
from stages.dast.conftest import Recorder
from stages.dast.helpers import Bed, rule_ids, run_dast


def _record(bed: Bed, outside: Recorder, out: Path) -> None:
    port = free_port()
    stop, ready = threading.Event(), threading.Event()
    thread = threading.Thread(target=record, args=(f"127.0.0.1:{port}", out, [bed.url]),
                              kwargs={"stop": stop, "ready": ready}, daemon=True)
    thread.start()
    assert ready.wait(20)
    alice = {"Authorization": f"Bearer {bed.tokens['alice']}"}
    with httpx.Client(proxy=f"http://127.0.0.1:{port}", trust_env=False, timeout=10) as client:
        assert client.get(f"{bed.url}/api/notes/1", headers=alice).status_code == 200
        assert client.get(f"{bed.url}/api/search", params={"q": "Had"}, headers=alice).status_code == 200
        assert client.get(f"{outside.url}/elsewhere").status_code == 403
    stop.set()
    thread.join(20)


def test_record_then_replay_with_another_identity(api_vulnerable: Bed, outside: Recorder, tmp_path: Path) -> None:
    har = tmp_path / "session.har"
    _record(api_vulnerable, outside, har)
    assert outside.hits == []  # refused by the proxy, never forwarded
    text = har.read_text()
    assert api_vulnerable.tokens["alice"] not in text and "…REDACTED" in text
    entries = load_har(har)
    assert [urlpath(e["url"]) for e in entries] == ["/api/notes/1", "/api/search"]
    bob = f"Authorization: Bearer {api_vulnerable.tokens['bob']}"
    # the recording's own credentials are redacted: replay "as recorded" is anonymous, bob reads alice's note
    rows = replay(entries, scope=[], auth=[bob], anonymous=False, mutate=True, active=False, allow_destructive=False)
    flagged = [r for r in rows if r.get("variant") == "identity" and r["url"].endswith("/api/notes/1")]
    assert flagged and flagged[0]["status"] == 200
    assert any(r.get("variant", "").startswith("query:q") for r in rows)
    report = run_dast(api_vulnerable.url, api_vulnerable.identities(), har=str(har))
    assert "dast.exposed-env" in rule_ids(report)


def test_replay_fixed_twin_denies_the_other_identity(api_fixed: Bed, tmp_path: Path) -> None:
    har = tmp_path / "s.har"
    har.write_text(json.dumps({"log": {"entries": [{"request": {
        "method": "GET", "url": f"{api_fixed.url}/api/notes/1",
        "headers": [{"name": "Authorization", "value": f"Bearer {api_fixed.tokens['alice']}"}]}},
        {"request": {"method": "DELETE", "url": f"{api_fixed.url}/api/notes/1", "headers": []}}]}}))
    bob = f"Authorization: Bearer {api_fixed.tokens['bob']}"
    rows = replay(load_har(har), scope=[], auth=[bob], anonymous=True, mutate=False, active=False,
                  allow_destructive=False)
    by = {r.get("variant"): r for r in rows if r["method"] == "GET"}
    assert by["as-recorded"]["status"] == 200
    assert by["identity"]["status"] == 404 and not by["identity"].get("access")
    assert by["anonymous"]["status"] == 401
    assert [r["skipped"] for r in rows if r["method"] == "DELETE"] == ["needs --active"]
    assert ("DELETE", "/api/notes/1") not in api_fixed.methods


def urlpath(url: str) -> str:
    return httpx.URL(url).path
