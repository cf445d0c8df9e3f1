"""Service and version identification by protocol behaviour, never by port number.

On each open port: a TLS ClientHello first (a TLS record back means TLS, and the protocol inside
is identified over TLS); whatever a server says first (SSH, SMTP, FTP, IMAP, POP3, MySQL) is its
banner; then small, read-only probes, each answered only by the protocol it speaks: Redis
``PING``/``INFO``, HTTP ``GET /`` (then Elasticsearch/OpenSearch ``/`` and FHIR ``/metadata``),
memcached ``stats``, PostgreSQL ``SSLRequest`` + startup, MongoDB ``hello`` over OP_MSG, AMQP,
MQTT, HL7 MLLP (an ``NMQ`` query), DICOM (A-ASSOCIATE + C-ECHO, then A-RELEASE), LDAP (anonymous
rootDSE), RDP (X.224), SMB (negotiate). The port only orders the probes (the likely one first).

Unauthenticated access is recorded in :attr:`Service.open_access` when the service answered a
read-only request without credentials: Redis ``INFO``, MongoDB ``listDatabases``, an
Elasticsearch cluster banner, memcached ``stats``, an anonymous FTP login, an accepted DICOM
association, an HL7 acknowledgement, a PostgreSQL ``trust`` login, FHIR ``_summary=count``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import ssl
import struct
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from pulsecheck.runtime.net import Net
from pulsecheck.stages.recon import bson
from pulsecheck.stages.recon.wire import (
    Dial,
    HttpReply,
    client_hello,
    dialer,
    http_get,
    is_tls_reply,
    parse_http,
    permissive_context,
)

NetErrors = (OSError, TimeoutError, asyncio.TimeoutError, ssl.SSLError, EOFError, ValueError, struct.error)


@dataclass
class Service:
    host: str
    port: int
    tls: bool = False
    service: str = "unknown"
    product: str = ""
    version: str = ""
    banner: str = ""
    tls_version: str = ""
    tls_cipher: str = ""
    open_access: str = ""
    """What answered without credentials (empty: nothing, or credentials were required)."""
    open_kind: str = ""
    """The kind of open service (redis, mongodb, ...), naming the finding."""
    http: HttpReply | None = None
    details: dict[str, str] = field(default_factory=dict)

    @property
    def scheme(self) -> str:
        return "https" if self.tls else "http"

    @property
    def origin(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    def fact(self) -> dict[str, Any]:
        return {"host": self.host, "port": self.port, "tls": self.tls, "service": self.service,
                "product": self.product or None, "version": self.version or None}


def _text(data: bytes, limit: int = 200) -> str:
    return data[:limit].decode("latin-1").replace("\r", "\\r").replace("\n", "\\n")


# --- banners a server sends first ---------------------------------------------------------------

_SSH = re.compile(rb"^SSH-(\d\.\d+)-([^\r\n ]+)(?: ([^\r\n]*))?")
_NAME_VERSION = re.compile(r"^([A-Za-z][A-Za-z0-9._+-]*?)[_/ -]v?(\d+(?:\.\d+)*[a-z0-9.+~-]*)")


def split_product(text: str) -> tuple[str, str]:
    """``OpenSSH_9.2p1`` / ``nginx/1.22.1`` / ``Apache/2.4.57 (Debian)`` -> (product, version)."""
    m = _NAME_VERSION.match(text.strip())
    if m:
        return m.group(1), m.group(2).rstrip(".")
    return text.strip().split(" ")[0].split("/")[0][:60], ""


def from_banner(svc: Service, data: bytes) -> bool:
    """Identify ``svc`` from the first bytes a server sent; True when it did."""
    if m := _SSH.match(data):
        svc.service, svc.banner = "ssh", _text(data.split(b"\n")[0])
        svc.product, svc.version = split_product(m.group(2).decode("latin-1"))
        if m.group(3):
            svc.details["os"] = m.group(3).decode("latin-1")[:80]
        return True
    if data.startswith(b"RFB "):
        svc.service, svc.banner = "vnc", _text(data[:12])
        return True
    if data.startswith(b"* OK") or data.startswith(b"* PREAUTH"):
        svc.service, svc.banner = "imap", _text(data.split(b"\n")[0])
        _mail_product(svc)
        return True
    if data.startswith(b"+OK"):
        svc.service, svc.banner = "pop3", _text(data.split(b"\n")[0])
        _mail_product(svc)
        return True
    if mysql := _mysql_greeting(data):
        svc.service = "mysql"
        svc.product, svc.version = mysql
        svc.banner = f"{svc.product} {svc.version}"
        return True
    if data.startswith(b"220"):
        first = data.split(b"\n")[0]
        svc.banner = _text(first)
        svc.service = "smtp" if re.search(rb"SMTP|Postfix|Exim|Sendmail", first, re.I) else "ftp"
        if svc.service == "ftp":
            ftp = re.search(rb"(ProFTPD|vsFTPd|Pure-FTPd|FileZilla Server)[ /]?v?(\d[\d.]*[a-z]?)?", first, re.I)
            if ftp:
                svc.product, svc.version = ftp.group(1).decode(), (ftp.group(2) or b"").decode()
        else:
            smtp = re.search(rb"(Postfix|Exim|Sendmail)[ /]?(\d[\d.]*)?", first, re.I)
            if smtp:
                svc.product, svc.version = smtp.group(1).decode(), (smtp.group(2) or b"").decode()
        return True
    if reply := parse_http(data):
        svc.service = "http"
        svc.http = reply
        return True
    return False


def _mail_product(svc: Service) -> None:
    m = re.search(r"(Dovecot|Cyrus|Courier)", svc.banner, re.I)
    if m:
        svc.product = m.group(1)


def _mysql_greeting(data: bytes) -> tuple[str, str] | None:
    if len(data) < 6:
        return None
    length = data[0] | data[1] << 8 | data[2] << 16
    if length + 4 > len(data) + 64 or data[3] != 0:
        return None
    if data[4] == 0x0A:
        end = data.find(b"\x00", 5)
        if end < 0 or end - 5 > 80:
            return None
        version = data[5:end].decode("latin-1")
        if not re.match(r"^\d+\.\d+", version):
            return None
        product = "MariaDB" if "mariadb" in version.lower() else "MySQL"
        number = re.sub(r"^5\.5\.5-", "", version)  # MariaDB's replication-compatible prefix
        return product, re.match(r"[\d.]+", number).group(0).rstrip(".")  # type: ignore[union-attr]
    if data[4] == 0xFF and b"MySQL" in data or b"MariaDB" in data[:200]:
        return "MySQL", ""
    return None


# --- client-first probes ------------------------------------------------------------------------

Probe = Callable[[Service, Dial, float], Awaitable[bool]]


async def _one(dial: Dial, payload: bytes, until: Callable[[bytes], bool] | None = None) -> bytes:
    async with dial() as s:
        await s.send(payload)
        return await s.recv(until)


def _resp(*words: str) -> bytes:
    out = f"*{len(words)}\r\n".encode()
    for w in words:
        out += f"${len(w)}\r\n{w}\r\n".encode()
    return out


async def probe_redis(svc: Service, dial: Dial, timeout: float) -> bool:
    data = await _one(dial, _resp("PING"), lambda d: d.endswith(b"\r\n"))
    if data.startswith(b"+PONG"):
        svc.service, svc.product = "redis", "Redis"
        info = await _one(dial, _resp("INFO", "server"), lambda d: b"\r\n\r\n" in d or len(d) > 8192)
        m = re.search(rb"redis_version:([\d.]+)", info)
        if m:
            svc.version = m.group(1).decode()
            svc.open_access, svc.open_kind = f"INFO answered without AUTH (redis_version:{svc.version})", "redis"
            if b"valkey" in info.lower():
                svc.product = "Valkey"
        svc.banner = "+PONG"
        return True
    if data.startswith((b"-NOAUTH", b"-ERR operation not permitted", b"-DENIED")):
        svc.service, svc.product, svc.banner = "redis", "Redis", _text(data)
        svc.details["auth"] = "required"
        return True
    return False


async def probe_http(svc: Service, dial: Dial, timeout: float) -> bool:
    reply = svc.http or await http_get(dial, svc.host, svc.port)
    if reply is None:
        return False
    if svc.http is not None and reply.status == 400:  # the answer to a ClientHello or PING: ask properly
        reply = await http_get(dial, svc.host, svc.port) or reply
    svc.service, svc.http = ("https" if svc.tls else "http"), reply
    server = reply.header("server")
    powered = reply.header("x-powered-by")
    if server:
        svc.product, svc.version = split_product(server)
        svc.details["server"] = server[:120]
    elif powered:
        svc.product, svc.version = split_product(powered)
    if powered:
        svc.details["x-powered-by"] = powered[:120]
    body = reply.body[:65536].decode("utf-8", "replace")
    if m := re.search(r"<title[^>]*>([^<]{0,200})", body, re.I):
        svc.details["title"] = " ".join(m.group(1).split())[:120]
    if m := re.search(r"<meta[^>]+name=[\"']generator[\"'][^>]+content=[\"']([^\"']{1,120})", body, re.I):
        svc.details["generator"] = m.group(1)
    svc.banner = f"HTTP {reply.status} {server}".strip()
    await _elasticsearch(svc, reply)
    await _fhir(svc, dial)
    return True


async def _elasticsearch(svc: Service, reply: HttpReply) -> None:
    if "json" not in reply.header("content-type") and not reply.body.lstrip().startswith(b"{"):
        return
    try:
        doc = json.loads(reply.body[:65536])
    except ValueError:
        return
    if not isinstance(doc, dict) or not isinstance(doc.get("version"), dict):
        return
    version = doc["version"]
    if doc.get("tagline") == "You Know, for Search" or "cluster_name" in doc:
        dist = str(version.get("distribution") or "")
        svc.product = "OpenSearch" if dist == "opensearch" else "Elasticsearch"
        svc.version = str(version.get("number") or "")[:40]
        svc.service = "elasticsearch"
        if reply.status == 200 and "cluster_name" in doc:
            svc.open_access = f"GET / answered without credentials ({svc.product} {svc.version})"
            svc.open_kind = "elasticsearch"


async def _fhir(svc: Service, dial: Dial) -> None:
    accept = "application/fhir+json"
    for base in ("", "/fhir"):
        meta = await http_get(dial, svc.host, svc.port, f"{base}/metadata", accept)
        if meta is None or meta.status != 200:
            continue
        try:
            doc = json.loads(meta.body[:1_000_000])
        except ValueError:
            continue
        if not isinstance(doc, dict) or doc.get("resourceType") != "CapabilityStatement":
            continue
        raw_software = doc.get("software")
        software: dict[str, Any] = raw_software if isinstance(raw_software, dict) else {}
        svc.service = "fhir"
        svc.details["fhirVersion"] = str(doc.get("fhirVersion") or "")[:20]
        if software.get("name"):
            svc.product, svc.version = str(software["name"])[:60], str(software.get("version") or "")[:40]
        # _summary=count returns only a total: no patient record is read or kept
        count = await http_get(dial, svc.host, svc.port, f"{base}/Patient?_summary=count", accept)
        if count is not None and count.status == 200:
            with contextlib.suppress(ValueError):
                bundle = json.loads(count.body[:65536])
                if isinstance(bundle, dict) and bundle.get("resourceType") == "Bundle":
                    svc.open_access = (f"GET {base}/Patient?_summary=count answered without credentials "
                                       f"(total {bundle.get('total', '?')})")
                    svc.open_kind = "fhir"
        return


async def probe_memcached(svc: Service, dial: Dial, timeout: float) -> bool:
    data = await _one(dial, b"stats\r\n", lambda d: d.endswith(b"END\r\n") or d.startswith((b"ERROR", b"CLIENT_ERROR")))
    m = re.search(rb"STAT version ([\d.]+)", data)
    if data.startswith(b"STAT ") and m:
        svc.service, svc.product, svc.version = "memcached", "memcached", m.group(1).decode()
        svc.open_access, svc.open_kind = f"stats answered without authentication (version {svc.version})", "memcached"
        svc.banner = f"STAT version {svc.version}"
        return True
    return False


async def probe_postgres(svc: Service, dial: Dial, timeout: float) -> bool:
    data = await _one(dial, struct.pack("!II", 8, 80877103), lambda d: len(d) >= 1)
    if data not in (b"S", b"N"):
        return False
    svc.service, svc.product = "postgresql", "PostgreSQL"
    svc.details["ssl"] = "offered" if data == b"S" else "not offered"
    body = b"user\x00pulsecheck\x00database\x00pulsecheck\x00application_name\x00pulsecheck-recon\x00\x00"
    startup = struct.pack("!II", 8 + len(body), 196608) + body
    reply = await _one(dial, startup, lambda d: len(d) >= 9)
    if reply[:1] == b"R" and len(reply) >= 9:
        code = struct.unpack("!I", reply[5:9])[0]
        svc.details["auth"] = {0: "trust (none)", 3: "password", 5: "md5", 10: "scram-sha-256"}.get(code, str(code))
        if code == 0:
            if m := re.search(rb"server_version\x00([\d.]+)", reply):
                svc.version = m.group(1).decode()
            svc.open_access, svc.open_kind = "a login as 'pulsecheck' succeeded without a password (trust)", "postgresql"
    elif reply[:1] == b"E":
        msg = re.search(rb"M([^\x00]{1,200})", reply)
        svc.details["startup"] = msg.group(1).decode("latin-1") if msg else "error"
    svc.banner = f"SSLRequest -> {data.decode()}"
    return True


def _op_msg(doc: dict[str, Any], request_id: int) -> bytes:
    body = struct.pack("<I", 0) + b"\x00" + bson.encode(doc)
    return struct.pack("<iiii", 16 + len(body), request_id, 0, 2013) + body


def _op_msg_reply(data: bytes) -> dict[str, Any] | None:
    if len(data) < 21:
        return None
    length, _, _, opcode = struct.unpack("<iiii", data[:16])
    if opcode != 2013 or length > len(data) or data[20] != 0:
        return None
    return bson.decode(data[21:length])


def _mongo_complete(d: bytes) -> bool:
    return len(d) >= 4 and len(d) >= struct.unpack("<i", d[:4])[0]


async def probe_mongodb(svc: Service, dial: Dial, timeout: float) -> bool:
    async with dial() as s:
        await s.send(_op_msg({"hello": 1, "$db": "admin"}, 1))
        hello = _op_msg_reply(await s.recv(_mongo_complete))
        if not hello or "maxWireVersion" not in hello:
            return False
        svc.service, svc.product = "mongodb", "MongoDB"
        await s.send(_op_msg({"buildInfo": 1, "$db": "admin"}, 2))
        info = _op_msg_reply(await s.recv(_mongo_complete)) or {}
        if isinstance(info.get("version"), str):
            svc.version = info["version"][:40]
        await s.send(_op_msg({"listDatabases": 1, "nameOnly": True, "$db": "admin"}, 3))
        dbs = _op_msg_reply(await s.recv(_mongo_complete)) or {}
        if dbs.get("ok") in (1, 1.0) and isinstance(dbs.get("databases"), list):
            svc.open_access = f"listDatabases answered without authentication ({len(dbs['databases'])} databases)"
            svc.open_kind = "mongodb"
        svc.banner = f"hello maxWireVersion={hello.get('maxWireVersion')}"
    return True


async def probe_amqp(svc: Service, dial: Dial, timeout: float) -> bool:
    data = await _one(dial, b"AMQP\x00\x00\x09\x01", lambda d: len(d) >= 7 and len(d) >= 8 + struct.unpack("!I", d[3:7])[0])
    if data.startswith(b"AMQP"):
        svc.service, svc.banner = "amqp", _text(data[:8])
        return True
    if len(data) < 11 or data[0] != 1 or data[7:11] != b"\x00\x0a\x00\x0a":
        return False
    svc.service = "amqp"
    props = _amqp_table(data[13:])
    svc.product, svc.version = props.get("product", "AMQP")[:60], props.get("version", "")[:40]
    svc.banner = f"{svc.product} {svc.version}".strip()
    return True


def _amqp_table(data: bytes) -> dict[str, str]:
    out: dict[str, str] = {}
    if len(data) < 4:
        return out
    size = struct.unpack("!I", data[:4])[0]
    table, pos = data[4:4 + size], 0
    while pos < len(table):
        n = table[pos]
        name = table[pos + 1:pos + 1 + n].decode("latin-1")
        pos += 1 + n
        kind = table[pos:pos + 1]
        pos += 1
        if kind == b"S":
            ln = struct.unpack("!I", table[pos:pos + 4])[0]
            out[name] = table[pos + 4:pos + 4 + ln].decode("utf-8", "replace")
            pos += 4 + ln
        elif kind == b"F":
            ln = struct.unpack("!I", table[pos:pos + 4])[0]
            pos += 4 + ln
        elif kind == b"t":
            pos += 1
        else:
            break
    return out


async def probe_mqtt(svc: Service, dial: Dial, timeout: float) -> bool:
    client = b"pulsecheck-recon"
    variable = b"\x00\x04MQTT\x04\x02\x00\x1e"
    payload = struct.pack("!H", len(client)) + client
    packet = b"\x10" + bytes([len(variable) + len(payload)]) + variable + payload
    async with dial() as s:
        await s.send(packet)
        data = await s.recv(lambda d: len(d) >= 4)
        if len(data) < 4 or data[0] != 0x20 or data[1] != 2:
            return False
        svc.service, svc.product = "mqtt", "MQTT broker"
        svc.details["anonymous"] = "accepted" if data[3] == 0 else f"refused (code {data[3]})"
        svc.banner = f"CONNACK {data[3]}"
        if data[3] == 0:
            await s.send(b"\xe0\x00")
    return True


_NMQ = ("MSH|^~\\&|PULSECHECK|RECON|ANY|ANY|20260101000000||NMQ^N01|PC{n}|P|2.3\r"
        "NCK|20260101000000\r")


async def probe_hl7(svc: Service, dial: Dial, timeout: float) -> bool:
    """An HL7 v2 network-management query (NMQ, no patient data) framed in MLLP."""
    message = _NMQ.replace("{n}", "0001").encode()
    data = await _one(dial, b"\x0b" + message + b"\x1c\r", lambda d: b"\x1c" in d)
    start = data.find(b"\x0bMSH")
    if start < 0:
        return False
    svc.service, svc.product = "hl7-mllp", "HL7 v2 MLLP"
    msh = data[start + 1:].split(b"\r")[0]
    fields = msh.split(b"|")
    if len(fields) > 3:
        svc.details["sending_application"] = fields[2].decode("latin-1")[:60]
    ack = re.search(rb"\rMSA\|(AA|CA|AE|AR|CE|CR)", data)
    code = ack.group(1).decode() if ack else ""
    svc.banner = f"MLLP reply MSA {code or '?'}"
    if code in ("AA", "CA"):
        svc.open_access, svc.open_kind = f"an unauthenticated HL7 message was acknowledged (MSA|{code})", "hl7"
    return True


def _dicom_associate_rq() -> bytes:
    def item(kind: int, value: bytes) -> bytes:
        return bytes([kind, 0]) + struct.pack("!H", len(value)) + value
    app = item(0x10, b"1.2.840.10008.3.1.1.1")
    abstract = item(0x30, b"1.2.840.10008.1.1")  # Verification SOP Class
    transfer = item(0x40, b"1.2.840.10008.1.2")  # Implicit VR Little Endian
    pres = item(0x20, b"\x01\x00\x00\x00" + abstract + transfer)
    user = item(0x50, item(0x51, struct.pack("!I", 16384)) + item(0x52, b"1.2.826.0.1.3680043.9.7433.1.1"))
    body = struct.pack("!HH", 1, 0) + b"ANY-SCP".ljust(16) + b"PULSECHECK".ljust(16) + b"\x00" * 32
    body += app + pres + user
    return b"\x01\x00" + struct.pack("!I", len(body)) + body


def _dicom_echo_rq() -> bytes:
    def el(group: int, elem: int, value: bytes) -> bytes:
        return struct.pack("<HHI", group, elem, len(value)) + value
    uid = b"1.2.840.10008.1.1\x00"
    rest = (el(0, 0x0002, uid) + el(0, 0x0100, struct.pack("<H", 0x0030)) + el(0, 0x0110, struct.pack("<H", 1))
            + el(0, 0x0800, struct.pack("<H", 0x0101)))
    command = el(0, 0x0000, struct.pack("<I", len(rest))) + rest
    pdv = struct.pack("!I", len(command) + 2) + b"\x01\x03" + command
    return b"\x04\x00" + struct.pack("!I", len(pdv)) + pdv


def _pdu_complete(d: bytes) -> bool:
    return len(d) >= 6 and len(d) >= 6 + struct.unpack("!I", d[2:6])[0]


async def probe_dicom(svc: Service, dial: Dial, timeout: float) -> bool:
    """A-ASSOCIATE-RQ for Verification from an unknown AE title; if accepted, C-ECHO, then
    A-RELEASE. A transient rejection (a PACS whose association slots are still held by the
    earlier probes' connections) is retried twice, a second apart."""
    for attempt in range(3):
        outcome = await _dicom_once(svc, dial)
        if outcome != "transient":
            return outcome == "dicom"
        await asyncio.sleep(1.0 + attempt)
    return True


async def _dicom_once(svc: Service, dial: Dial) -> str:
    async with dial() as s:
        await s.send(_dicom_associate_rq())
        data = await s.recv(_pdu_complete)
        if len(data) < 6 or data[0] not in (0x02, 0x03, 0x07) or data[1] != 0 or not _pdu_complete(data):
            return "no"
        svc.service, svc.product = "dicom", "DICOM"
        if data[0] == 0x03:
            result, source, reason = (data[7], data[8], data[9]) if len(data) >= 10 else (0, 0, 0)
            svc.banner = f"A-ASSOCIATE-RJ (result {result}, source {source}, reason {reason})"
            return "transient" if result == 2 else "dicom"
        if data[0] == 0x07:
            svc.banner = "A-ABORT"
            return "transient"
        impl = re.search(rb"\x55\x00(..)", data[74:], re.S)
        if impl:
            n = struct.unpack("!H", impl.group(1))[0]
            name = data[74 + impl.end():74 + impl.end() + n].decode("latin-1").strip()
            if name:
                svc.product, svc.version = split_product(name)
        await s.send(_dicom_echo_rq())
        echo = await s.recv(_pdu_complete)
        ok = len(echo) > 12 and echo[0] == 0x04 and b"\x00\x00\x00\x09\x02\x00\x00\x00\x00\x00" in echo
        what = "C-ECHO succeeded" if ok else "association accepted"
        svc.banner = f"A-ASSOCIATE-AC, {what}"
        svc.open_access = f"an association from an unknown AE title (PULSECHECK) was accepted, {what}"
        svc.open_kind = "dicom"
        await s.send(b"\x05\x00\x00\x00\x00\x04\x00\x00\x00\x00")  # A-RELEASE-RQ
        await s.recv(_pdu_complete)
    return "dicom"


_LDAP_ROOTDSE = bytes.fromhex("3025020101632004000a01000a0100020100020100010100870b6f626a656374636c6173733000")


async def probe_ldap(svc: Service, dial: Dial, timeout: float) -> bool:
    data = await _one(dial, _LDAP_ROOTDSE, lambda d: b"\x65" in d[:64] or len(d) > 4096)
    if len(data) < 8 or data[0] != 0x30 or b"\x02\x01\x01" not in data[:8]:
        return False
    idx = data.find(b"\x02\x01\x01")
    if data[idx + 3:idx + 4] not in (b"\x64", b"\x65"):
        return False
    svc.service, svc.banner = "ldap", "rootDSE search answered"
    if m := re.search(rb"vendorName.{2,6}?\x04([\x01-\x7f])", data, re.S):
        n = m.group(1)[0]
        svc.product = data[m.end():m.end() + n].decode("latin-1")
    return True


_RDP = bytes.fromhex("030000130ee000000000000100080003000000")


async def probe_rdp(svc: Service, dial: Dial, timeout: float) -> bool:
    data = await _one(dial, _RDP, lambda d: len(d) >= 11)
    if len(data) >= 11 and data[:2] == b"\x03\x00" and data[5] == 0xD0:
        svc.service, svc.banner = "rdp", "X.224 connection confirm"
        return True
    return False


def _smb_negotiate() -> bytes:
    dialects = b"".join(b"\x02" + d + b"\x00" for d in (b"NT LM 0.12", b"SMB 2.002", b"SMB 2.???"))
    header = b"\xffSMB\x72" + b"\x00" * 4 + b"\x18\x01\x28" + b"\x00" * 20
    body = header + b"\x00" + struct.pack("<H", len(dialects)) + dialects
    return struct.pack("!I", len(body)) + body


async def probe_smb(svc: Service, dial: Dial, timeout: float) -> bool:
    data = await _one(dial, _smb_negotiate(), lambda d: len(d) >= 8)
    if len(data) >= 8 and data[0] == 0 and data[4:8] in (b"\xffSMB", b"\xfeSMB"):
        svc.service, svc.banner = "smb", "SMB2" if data[4] == 0xFE else "SMB1"
        return True
    return False


async def probe_ftp_anonymous(svc: Service, dial: Dial, timeout: float) -> None:
    async with dial() as s:
        banner = await s.recv(lambda d: d.endswith(b"\r\n"))
        if not banner.startswith(b"220"):
            return
        await s.send(b"USER anonymous\r\n")
        user = await s.recv(lambda d: d.endswith(b"\r\n"))
        if user.startswith(b"230"):
            svc.open_access = "USER anonymous logged in without a password"
        elif user.startswith(b"331"):
            await s.send(b"PASS pulsecheck@example.invalid\r\n")
            if (await s.recv(lambda d: d.endswith(b"\r\n"))).startswith(b"230"):
                svc.open_access = "anonymous login accepted"
        elif user[:3] in (b"500", b"502") and svc.service == "ftp":
            svc.service = "smtp"  # a 220 greeter that does not know USER
        if svc.open_access:
            svc.open_kind = "ftp"
        with contextlib.suppress(*NetErrors):
            await s.send(b"QUIT\r\n")


PROBES: dict[str, Probe] = {
    "redis": probe_redis, "http": probe_http, "dicom": probe_dicom, "hl7": probe_hl7, "memcached": probe_memcached,
    "postgresql": probe_postgres, "mongodb": probe_mongodb, "amqp": probe_amqp, "mqtt": probe_mqtt,
    "ldap": probe_ldap, "rdp": probe_rdp, "smb": probe_smb,
}
"""In the order tried. DICOM comes early: a PACS gives each connection an association slot until
its ACSE timeout, so after ten garbage probes it rejects the real one (local limit exceeded)."""
HINTS: dict[int, str] = {
    6379: "redis", 11211: "memcached", 5432: "postgresql", 27017: "mongodb", 5672: "amqp", 1883: "mqtt",
    2575: "hl7", 104: "dicom", 11112: "dicom", 4242: "dicom", 389: "ldap", 3389: "rdp", 445: "smb", 9200: "http",
}


def probe_order(port: int) -> list[str]:
    """Every probe, the one the port suggests first (the port orders; the reply decides)."""
    names = list(PROBES)
    hint = HINTS.get(port)
    return [hint, *[n for n in names if n != hint]] if hint else names


async def identify(net: Net, address: str, port: int, timeout: float) -> Service:
    """What listens on an open port: TLS or not, then the protocol, product and version."""
    svc = Service(address, port)
    raw = dialer(net, address, port, timeout, None)
    try:
        async with raw() as s:
            await s.send(client_hello())
            first = await s.recv(lambda d: len(d) >= 5)
            if is_tls_reply(first):
                svc.tls = True
            elif first and not is_tls_reply(first):
                first += await s.recv(first=0.2) if not s.closed and len(first) < 5 else b""
    except NetErrors:
        first = b""
    dial = raw
    if svc.tls:
        dial = dialer(net, address, port, timeout, permissive_context())
        try:
            async with dial() as s:
                svc.tls_version, svc.tls_cipher = s.tls_info
                first = await s.recv(first=min(timeout, 0.5))
        except NetErrors:
            svc.service = "tls"
            svc.details["handshake"] = "no TLS handshake this client can complete (see the TLS checks)"
            return svc
    if first and from_banner(svc, first):
        if svc.service == "http":
            with contextlib.suppress(*NetErrors):
                await probe_http(svc, dial, timeout)
        elif svc.service in ("ftp", "smtp"):
            with contextlib.suppress(*NetErrors):
                await probe_ftp_anonymous(svc, dial, timeout)
        return svc
    if first.startswith((b"-ERR", b"-NOAUTH", b"-DENIED")):
        order = ["redis", *[n for n in probe_order(port) if n != "redis"]]
    elif first.startswith((b"ERROR", b"CLIENT_ERROR")):
        order = ["memcached", *[n for n in probe_order(port) if n != "memcached"]]
    else:
        order = probe_order(port)
    for name in order:
        try:
            if await PROBES[name](svc, dial, timeout):
                return svc
        except NetErrors:
            continue
    if first:
        svc.banner = _text(first)
    if svc.tls:
        svc.service = "tls"
    return svc
