"""Fixtures of the hostile-repository tests: a 127.0.0.1 listener that records requests."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest


@dataclass
class Listener:
    """An HTTP server on 127.0.0.1 that records every request it gets."""

    url: str
    requests: list[str] = field(default_factory=list)


@pytest.fixture
def listener() -> Iterator[Listener]:
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            seen.append(self.path)
            body = b'{"info": {"version": "99.0"}, "version": "99.0"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Listener(f"http://127.0.0.1:{server.server_address[1]}", seen)
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def empty_db(tmp_path: Path) -> dict[str, str]:
    """An environment whose OSV database is an empty one outside every repository."""
    return {"PULSECHECK_DB": str(tmp_path / "no-such-db" / "osv.sqlite")}
