"""Service identification and open-access checks per protocol, against listeners on 127.0.0.1:
a real DICOM SCP (pynetdicom), and small servers speaking HL7 MLLP, memcached, FTP and MongoDB
OP_MSG as the real ones do (each answers only its own protocol; an accepting and a refusing
variant, so every open-access check is seen to fail and to pass)."""

from __future__ import annotations

import socketserver
import struct
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

import pytest

from pulsecheck import engine
from pulsecheck.model import Finding, Report, Targets
from pulsecheck.settings import Settings
from pulsecheck.stages.recon import bson
from stages.recon.servers import free_port

Handler = Callable[[socketserver.BaseRequestHandler], None]


@contextmanager
def listener(handle: Handler) -> Iterator[int]:
    class H(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            with suppress(OSError):
                handle(self)

    class S(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True
    server = S(("127.0.0.1", 0), H)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def _scan(port: int) -> tuple[dict[str, object], list[Finding]]:
    report: Report = engine.run(Targets(hosts=(f"127.0.0.1:{port}",)), Settings(stages=("recon",)))
    (result,) = report.stages
    (svc,) = result.outcome.facts["services"]  # type: ignore[union-attr]
    return svc, [f for f in report.findings if f.rule_id == "recon.unauthenticated-datastore"]


def _recv_until(h: socketserver.BaseRequestHandler, end: bytes, limit: int = 65536) -> bytes:
    data = b""
    while end not in data and len(data) < limit:
        chunk = h.request.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def hl7(code: str) -> Handler:
    def handle(h: socketserver.BaseRequestHandler) -> None:
        while True:
            msg = _recv_until(h, b"\x1c\r")
            if b"MSH|" not in msg:
                return
            control = msg.split(b"\r")[0].split(b"|")[9]
            ack = (b"MSH|^~\\&|RIS|HOSPITAL|PULSECHECK|RECON|20260101||ACK^N01|A1|P|2.3\r"
                   b"MSA|" + code.encode() + b"|" + control + b"\r")
            h.request.sendall(b"\x0b" + ack + b"\x1c\r")
    return handle


@pytest.mark.parametrize(("code", "open_"), [("AA", True), ("AR", False)])
def test_hl7_mllp(code: str, open_: bool) -> None:
    with listener(hl7(code)) as port:
        svc, found = _scan(port)
    assert svc["service"] == "hl7-mllp"
    assert bool(found) is open_
    if open_:
        assert found[0].severity == "critical" and "MSA|AA" in found[0].message


def memcached(h: socketserver.BaseRequestHandler) -> None:
    while True:
        line = _recv_until(h, b"\r\n")
        if not line:
            return
        if line.startswith(b"stats"):
            h.request.sendall(b"STAT pid 1\r\nSTAT version 1.6.18\r\nSTAT curr_items 3\r\nEND\r\n")
        else:
            h.request.sendall(b"ERROR\r\n")


def test_memcached_stats_is_open_high() -> None:
    with listener(memcached) as port:
        svc, found = _scan(port)
    assert (svc["service"], svc["version"]) == ("memcached", "1.6.18")
    assert [f.severity for f in found] == ["high"]


def ftp(anonymous: bool) -> Handler:
    def handle(h: socketserver.BaseRequestHandler) -> None:
        h.request.sendall(b"220 (vsFTPd 3.0.3)\r\n")
        while True:
            line = _recv_until(h, b"\r\n")
            if not line or line.startswith(b"QUIT"):
                return
            if line.startswith(b"USER"):
                h.request.sendall(b"331 Please specify the password.\r\n")
            elif line.startswith(b"PASS"):
                h.request.sendall(b"230 Login successful.\r\n" if anonymous else b"530 Login incorrect.\r\n")
            else:
                h.request.sendall(b"500 Unknown command.\r\n")
    return handle


@pytest.mark.parametrize("anonymous", [True, False])
def test_ftp_anonymous(anonymous: bool) -> None:
    with listener(ftp(anonymous)) as port:
        svc, found = _scan(port)
    assert (svc["service"], svc["product"], svc["version"]) == ("ftp", "vsFTPd", "3.0.3")
    assert bool(found) is anonymous


def mongo(auth: bool) -> Handler:
    def reply(request_id: int, doc: dict[str, object]) -> bytes:
        body = struct.pack("<I", 0) + b"\x00" + bson.encode(doc)  # type: ignore[arg-type]
        return struct.pack("<iiii", 16 + len(body), 1, request_id, 2013) + body

    def handle(h: socketserver.BaseRequestHandler) -> None:
        while True:
            head = h.request.recv(16)
            if len(head) < 16:
                return
            length, request_id, _, opcode = struct.unpack("<iiii", head)
            rest = b""
            while len(rest) < length - 16:
                chunk = h.request.recv(length - 16 - len(rest))
                if not chunk:
                    return
                rest += chunk
            cmd = bson.decode(rest[5:]) or {}
            if "hello" in cmd:
                doc: dict[str, object] = {"isWritablePrimary": True, "maxWireVersion": 21, "ok": 1}
            elif "buildInfo" in cmd:
                doc = {"version": "4.4.29", "ok": 1}
            elif "listDatabases" in cmd and not auth:
                doc = {"databases": [{"name": "admin"}, {"name": "ehr"}], "ok": 1}
            else:
                doc = {"ok": 0, "errmsg": "command requires authentication", "code": 13}
            h.request.sendall(reply(request_id, doc))
    return handle


@pytest.mark.parametrize("auth", [False, True])
def test_mongodb_hello_and_listdatabases(auth: bool) -> None:
    with listener(mongo(auth)) as port:
        svc, found = _scan(port)
    assert (svc["service"], svc["version"]) == ("mongodb", "4.4.29")
    assert bool(found) is not auth


def test_dicom_association_and_echo_against_pynetdicom() -> None:
    pynetdicom = pytest.importorskip("pynetdicom")
    from pynetdicom.sop_class import Verification  # type: ignore[import-not-found,unused-ignore]

    ae = pynetdicom.AE(ae_title="PACS")
    ae.add_supported_context(Verification)
    port = free_port()
    server = ae.start_server(("127.0.0.1", port), block=False)
    try:
        svc, found = _scan(port)
    finally:
        server.shutdown()
    assert svc["service"] == "dicom"
    assert len(found) == 1 and "C-ECHO succeeded" in found[0].message, svc
