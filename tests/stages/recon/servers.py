"""Real servers on 127.0.0.1 for the recon tests: TLS (legacy where OpenSSL allows), plain HTTP,
a RESP (Redis) server without AUTH. Each runs in a thread and stops on exit."""

from __future__ import annotations

import contextlib
import http.server
import socket
import socketserver
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

from pulsecheck.demo.tls import allow_legacy, require_modern, write_self_signed


class _Handler(http.server.BaseHTTPRequestHandler):
    server_version = "nginx/1.18.0"
    sys_version = ""

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        body = b"<html><head><title>Clinic portal</title></head><body>hi</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


class _Threaded(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


@contextlib.contextmanager
def http_server(tls: ssl.SSLContext | None = None) -> Iterator[int]:
    server = _Threaded(("127.0.0.1", 0), _Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def tls_context(directory: Path, legacy: bool) -> ssl.SSLContext:
    cert, key = write_self_signed(directory)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    (allow_legacy if legacy else require_modern)(ctx)
    return ctx


class _Resp(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        buf = b""
        while True:
            try:
                chunk = self.request.recv(4096)
            except OSError:
                return
            if not chunk:
                return
            buf += chunk
            while b"\r\n" in buf:
                if buf.startswith(b"*"):
                    n = int(buf[1:buf.index(b"\r\n")])
                    parts = buf.split(b"\r\n")
                    if len(parts) < 1 + 2 * n + 1:
                        break
                    words = [parts[2 + 2 * i].upper() for i in range(n)]
                    buf = b"\r\n".join(parts[1 + 2 * n:])
                else:
                    line, _, buf = buf.partition(b"\r\n")
                    words = line.split()
                self.request.sendall(self.answer(words))

    def answer(self, words: list[bytes]) -> bytes:
        if words[:1] == [b"PING"]:
            return b"+PONG\r\n"
        if words[:1] == [b"INFO"]:
            info = b"# Server\r\nredis_version:6.0.16\r\nredis_mode:standalone\r\n\r\n"
            return b"$%d\r\n%s\r\n" % (len(info), info)
        return b"-ERR unknown command\r\n"


@contextlib.contextmanager
def resp_server() -> Iterator[int]:
    class Server(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True
    server = Server(("127.0.0.1", 0), _Resp)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port
