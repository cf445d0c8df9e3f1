"""Hostile replies: every parser of service answers is bounded and never raises."""

from __future__ import annotations

import struct

from hypothesis import given, settings
from hypothesis import strategies as st

from pulsecheck.stages.recon import bson
from pulsecheck.stages.recon.probes import Service, _amqp_table, _mysql_greeting, from_banner
from pulsecheck.stages.recon.wire import is_tls_reply, parse_http


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2048))
def test_parsers_never_raise(data: bytes) -> None:
    from_banner(Service("127.0.0.1", 1), data)
    parse_http(b"HTTP/1.1 200 OK\r\n" + data)
    bson.decode(data)
    _amqp_table(data)
    _mysql_greeting(data)
    is_tls_reply(data)


def test_bson_bounds() -> None:
    deep = b""
    inner = bson.encode({"a": 1})
    for _ in range(50):  # 50 nested documents: decoding stops at MAX_DEPTH
        body = b"\x03x\x00" + (deep or inner)
        deep = struct.pack("<i", len(body) + 5) + body + b"\x00"
    assert bson.decode(deep) is None
    assert bson.decode(bson.encode({"hello": 1, "$db": "admin", "ok": True})) == {"hello": 1, "$db": "admin", "ok": True}
    assert bson.decode(b"\xff\xff\xff\x7f" + b"\x00" * 10) is None


def test_banners() -> None:
    svc = Service("127.0.0.1", 2222)
    assert from_banner(svc, b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n")
    assert (svc.service, svc.product, svc.version) == ("ssh", "OpenSSH", "9.2p1")
    greeting = b"\x0a" + b"5.5.5-10.11.6-MariaDB-0+deb12u1\x00" + b"\x00" * 40
    packet = len(greeting).to_bytes(3, "little") + b"\x00" + greeting
    svc = Service("127.0.0.1", 3306)
    assert from_banner(svc, packet) and (svc.product, svc.version) == ("MariaDB", "10.11.6")
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nffffffffffff\r\nx"
    reply = parse_http(chunked)
    assert reply is not None and reply.body.startswith(b"hello") and len(reply.body) < 16  # a truncated chunk is kept, bounded
