"""The little BSON the MongoDB probe needs: encode a flat command, decode a reply.

Decoding is bounded: at most ``MAX_DEPTH`` nested documents and ``MAX_ITEMS`` elements in all,
each length checked against the buffer; an unknown element type ends the document (what was
read so far is returned)."""

from __future__ import annotations

import struct
from typing import Any

MAX_DEPTH = 8
MAX_ITEMS = 10_000


def encode(doc: dict[str, Any]) -> bytes:
    out = b""
    for key, value in doc.items():
        name = key.encode() + b"\x00"
        if isinstance(value, bool):
            out += b"\x08" + name + (b"\x01" if value else b"\x00")
        elif isinstance(value, int):
            out += b"\x10" + name + struct.pack("<i", value)
        elif isinstance(value, str):
            raw = value.encode() + b"\x00"
            out += b"\x02" + name + struct.pack("<i", len(raw)) + raw
        elif isinstance(value, dict):
            out += b"\x03" + name + encode(value)
        elif isinstance(value, list):
            out += b"\x04" + name + encode({str(i): v for i, v in enumerate(value)})
        else:
            raise TypeError(f"bson: {type(value).__name__} not supported")
    return struct.pack("<i", len(out) + 5) + out + b"\x00"


def decode(data: bytes) -> dict[str, Any] | None:
    budget = [MAX_ITEMS]
    try:
        doc, _ = _doc(data, 0, 0, budget)
    except (struct.error, IndexError, UnicodeDecodeError, ValueError):
        return None
    return doc


def _cstring(data: bytes, pos: int) -> tuple[str, int]:
    end = data.index(b"\x00", pos)
    return data[pos:end].decode("utf-8", "replace"), end + 1


def _doc(data: bytes, pos: int, depth: int, budget: list[int]) -> tuple[dict[str, Any], int]:
    if depth > MAX_DEPTH:
        raise ValueError("too deep")
    size = struct.unpack_from("<i", data, pos)[0]
    end = pos + size
    if size < 5 or end > len(data):
        raise ValueError("bad length")
    pos += 4
    out: dict[str, Any] = {}
    while pos < end - 1 and budget[0] > 0:
        budget[0] -= 1
        kind = data[pos]
        key, pos = _cstring(data, pos + 1)
        value: Any
        if kind == 0x01:
            value, pos = struct.unpack_from("<d", data, pos)[0], pos + 8
        elif kind == 0x02:
            n = struct.unpack_from("<i", data, pos)[0]
            value, pos = data[pos + 4:pos + 3 + n].decode("utf-8", "replace"), pos + 4 + n
        elif kind in (0x03, 0x04):
            sub, pos = _doc(data, pos, depth + 1, budget)
            value = list(sub.values()) if kind == 0x04 else sub
        elif kind == 0x08:
            value, pos = data[pos] == 1, pos + 1
        elif kind == 0x10:
            value, pos = struct.unpack_from("<i", data, pos)[0], pos + 4
        elif kind in (0x11, 0x12, 0x09):
            value, pos = struct.unpack_from("<q", data, pos)[0], pos + 8
        elif kind == 0x0A:
            value = None
        elif kind == 0x07:
            value, pos = data[pos:pos + 12].hex(), pos + 12
        elif kind == 0x05:
            n = struct.unpack_from("<i", data, pos)[0]
            value, pos = b"", pos + 5 + n
        else:
            break
        out[key] = value
    return out, end
