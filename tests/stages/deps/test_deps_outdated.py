"""``outdated = true``: latest versions from registry JSON served on 127.0.0.1, cached on disk,
with a clean offline fallback."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from pulsecheck import engine
from pulsecheck.model import Completed, Targets
from pulsecheck.settings import Settings

LATEST = {"/pypi/jinja2/json": {"info": {"version": "3.1.4"}}, "/lodash/latest": {"version": "4.17.21"}}


class _Registry(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.hits.append(self.path)
        body = LATEST.get(self.path)
        self.send_response(200 if body else 404)
        data = json.dumps(body or {}).encode()
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def registry() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Registry)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _run(repo: Path, options: dict[str, object]) -> tuple[list[str], Completed]:
    report = engine.run(Targets(path=str(repo)), Settings(stages=("deps",), stage_options={"deps": options}))
    outcome = report.stages[0].outcome
    assert isinstance(outcome, Completed)
    return sorted(f.message for f in report.findings if f.rule_id == "deps.outdated-package"), outcome


def test_outdated_online_then_cached_offline(registry: str, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "web").mkdir(parents=True)
    (repo / "requirements.txt").write_text("Jinja2==3.1.4\nsix==1.0.0\n")
    (repo / "web" / "package-lock.json").write_text(json.dumps(
        {"lockfileVersion": 3, "packages": {"node_modules/lodash": {"version": "4.17.4"}}}))
    options: dict[str, object] = {"db": str(tmp_path / "cache" / "osv.sqlite"), "outdated": True,
                                  "pypi_url": registry, "npm_url": registry}
    messages, outcome = _run(repo, options)
    assert messages == ["lodash 4.17.4 (npm) is behind the latest release 4.17.21"]
    assert any("latest version unknown" in n and "six" in n for n in outcome.notes)
    assert (tmp_path / "cache" / "latest-versions.json").is_file()
    _Registry.hits = []
    offline = {**options, "pypi_url": "http://127.0.0.1:9", "npm_url": "http://127.0.0.1:9"}
    assert _run(repo, offline)[0] == messages  # fresh cache: no request at all
    assert _Registry.hits == []
