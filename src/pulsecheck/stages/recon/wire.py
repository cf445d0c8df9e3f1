"""Byte-level helpers of the probes: a bounded session over a scoped connection, the TLS
ClientHello used to tell TLS from cleartext, and a small HTTP/1.0 exchange.

Every read is bounded in bytes (``MAX_READ``) and in time (the probe timeout for the first byte,
a short idle gap after it), so a hostile service that drips or floods costs a bounded amount.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import ssl
import warnings
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from functools import cache

from pulsecheck.runtime.net import Net

MAX_READ = 256 * 1024
IDLE_S = 0.25


def permissive_context() -> ssl.SSLContext:
    """A client context that completes a handshake with anything this OpenSSL still speaks and
    verifies nothing: recon wants to see the service, sslyze judges the TLS."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with contextlib.suppress(ValueError, ssl.SSLError), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = ssl.TLSVersion.TLSv1
    with contextlib.suppress(ssl.SSLError):
        ctx.set_ciphers("ALL:@SECLEVEL=0")
    return ctx


@cache
def client_hello() -> bytes:
    """The first flight of a TLS handshake, as bytes to send on a raw connection."""
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = permissive_context().wrap_bio(incoming, outgoing, server_side=False)
    with contextlib.suppress(ssl.SSLWantReadError):
        obj.do_handshake()
    return outgoing.read()


def is_tls_reply(data: bytes) -> bool:
    """A TLS record (handshake or alert) or an SSLv2 server hello."""
    if len(data) >= 3 and data[0] in (0x15, 0x16) and data[1] == 0x03 and data[2] <= 0x04:
        return True
    return len(data) >= 3 and data[0] & 0x80 == 0x80 and data[2] == 0x04


class Session:
    """One open connection: ``send`` bytes, ``recv`` bounded by bytes and time."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, timeout: float) -> None:
        self.reader, self.writer, self.timeout = reader, writer, timeout
        self.closed = False

    @property
    def tls_info(self) -> tuple[str, str]:
        obj = self.writer.get_extra_info("ssl_object")
        if obj is None:
            return "", ""
        cipher = obj.cipher()
        return obj.version() or "", cipher[0] if cipher else ""

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await asyncio.wait_for(self.writer.drain(), self.timeout)

    async def recv(self, until: Callable[[bytes], bool] | None = None, *, first: float | None = None,
                   limit: int = MAX_READ) -> bytes:
        """Read until ``until(data)``, EOF, ``limit`` bytes, no first byte within ``first`` (the
        probe timeout), or an idle gap once data came."""
        data = b""
        wait = self.timeout if first is None else first
        while len(data) < limit and not self.closed:
            try:
                chunk = await asyncio.wait_for(self.reader.read(min(65536, limit - len(data))), wait)
            except TimeoutError:
                break
            except (OSError, ssl.SSLError, asyncio.IncompleteReadError):
                self.closed = True
                break
            if not chunk:
                self.closed = True
                break
            data += chunk
            if until is not None and until(data):
                break
            wait = IDLE_S if until is None else self.timeout
        return data


Dial = Callable[[], "contextlib.AbstractAsyncContextManager[Session]"]


def dialer(net: Net, address: str, port: int, timeout: float, tls: ssl.SSLContext | None) -> Dial:
    @contextlib.asynccontextmanager
    async def dial() -> AsyncIterator[Session]:
        async with net.connection(address, port, timeout=timeout, tls=tls) as (reader, writer):
            yield Session(reader, writer, timeout)
    return dial


@dataclass
class HttpReply:
    status: int
    reason: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    raw_head: str = ""

    def header(self, name: str) -> str:
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), "")

    def all(self, name: str) -> list[str]:
        name = name.lower()
        return [v for k, v in self.headers if k.lower() == name]


_STATUS = re.compile(rb"^HTTP/\d(?:\.\d)? (\d{3})(?: ([^\r\n]*))?")


def parse_http(data: bytes) -> HttpReply | None:
    m = _STATUS.match(data)
    if not m:
        return None
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers: list[tuple[str, str]] = []
    for line in lines[1:200]:
        name, sep, value = line.partition(":")
        if sep and name.strip():
            headers.append((name.strip(), value.strip()[:2000]))
    reply = HttpReply(int(m.group(1)), (m.group(2) or b"").decode("latin-1"), headers, body, "\r\n".join(lines[:60]))
    if "chunked" in reply.header("transfer-encoding").lower():
        reply.body = _dechunk(body)
    return reply


def _dechunk(body: bytes) -> bytes:
    out, pos = bytearray(), 0
    while pos < len(body) and len(out) < MAX_READ:
        end = body.find(b"\r\n", pos)
        if end < 0:
            break
        size_text = body[pos:end].split(b";")[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            break
        if size == 0:
            break
        out += body[end + 2:end + 2 + size]
        pos = end + 2 + size + 2
    return bytes(out)


def http_request(host: str, port: int, path: str = "/", accept: str = "*/*") -> bytes:
    return (f"GET {path} HTTP/1.0\r\nHost: {host}:{port}\r\nUser-Agent: pulsecheck-recon\r\n"
            f"Accept: {accept}\r\nConnection: close\r\n\r\n").encode("ascii")


async def http_get(dial: Dial, host: str, port: int, path: str = "/", accept: str = "*/*") -> HttpReply | None:
    try:
        async with dial() as s:
            await s.send(http_request(host, port, path, accept))
            data = await s.recv()
    except (OSError, TimeoutError, ssl.SSLError):
        return None
    return parse_http(data)
