"""Test-bed servers on 127.0.0.1 (FastAPI via uvicorn, Flask via werkzeug, a plain http.server),
a recorder that must never be hit, and a socket guard: every connection a test opens, the
servers' own included, must go to loopback, and no name other than localhost is resolved."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fixtures.dast import api_bed, flask_bed, plain_bed

from pulsecheck.demo.servers import free_port
from stages.dast.helpers import Bed

LOOPBACK = {"127.0.0.1", "::1", "localhost"}


@pytest.fixture(autouse=True)
def socket_guard(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    seen: list[Any] = []
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def check(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0]
            seen.append(host)
            if host not in LOOPBACK:
                raise AssertionError(f"connection to {host} attempted: tests must stay on 127.0.0.1")

    def connect(self: socket.socket, address: Any) -> None:
        check(self, address)
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        check(self, address)
        return real_connect_ex(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None and str(host) not in LOOPBACK and not str(host).startswith("127."):
            raise AssertionError(f"DNS lookup of {host!r} attempted")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield seen


@dataclass
class Recorder:
    """A local server that is never in scope: it counts every request it gets."""

    hits: list[str] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def outside() -> Iterator[Recorder]:
    rec = Recorder()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            rec.hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_POST = do_DELETE = do_GET  # noqa: N815

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    rec.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield rec
    server.shutdown()
    server.server_close()


class UvicornServer:
    def __init__(self, app: Any) -> None:
        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="error",
                                                    lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc: Any) -> None:
        self.server.should_exit = True
        self.thread.join(5)


def _api(vulnerable: bool, tmp_path: Path) -> Iterator[Bed]:
    files = tmp_path / "files"
    files.mkdir()
    (files / "readme.txt").write_text("readme")
    app, tokens = api_bed.make_app(vulnerable, files)
    bed = Bed("", tokens)

    @app.middleware("http")
    async def record(request: Any, call_next: Any) -> Any:
        bed.methods.append((request.method, request.url.path))
        return await call_next(request)

    with UvicornServer(app) as url:
        bed.url = url
        yield bed


@pytest.fixture
def api_vulnerable(tmp_path: Path) -> Iterator[Bed]:
    yield from _api(True, tmp_path)


@pytest.fixture
def api_fixed(tmp_path: Path) -> Iterator[Bed]:
    yield from _api(False, tmp_path)


def _flask(vulnerable: bool) -> Iterator[Bed]:
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, flask_bed.make_app(vulnerable), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Bed(f"http://127.0.0.1:{server.server_port}")
    server.shutdown()


@pytest.fixture
def flask_vulnerable() -> Iterator[Bed]:
    yield from _flask(True)


@pytest.fixture
def flask_fixed() -> Iterator[Bed]:
    yield from _flask(False)


def _plain(vulnerable: bool, outside: Recorder) -> Iterator[Bed]:
    server = plain_bed.make_server(vulnerable, outside.url)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Bed(f"http://127.0.0.1:{server.server_address[1]}")
    server.shutdown()
    server.server_close()


@pytest.fixture
def plain_vulnerable(outside: Recorder) -> Iterator[Bed]:
    yield from _plain(True, outside)


@pytest.fixture
def plain_fixed(outside: Recorder) -> Iterator[Bed]:
    yield from _plain(False, outside)


