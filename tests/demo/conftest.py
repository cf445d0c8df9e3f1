"""Session fixtures: the demo is slow, so each variant runs once, under a loopback-only guard."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from pulsecheck.demo.runner import DemoResult, run_demo


class NonLoopbackConnection(AssertionError):
    pass


def _is_loopback(address: Any) -> bool:
    if not isinstance(address, tuple):  # AF_UNIX paths stay on this machine
        return True
    host = str(address[0])
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@contextmanager
def loopback_only(seen: list[Any]) -> Iterator[None]:
    """Refuse (and record) every connection this process tries outside 127.0.0.0/8 and ::1."""
    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex

    def connect(self: socket.socket, address: Any) -> None:
        seen.append(address)
        if not _is_loopback(address):
            raise NonLoopbackConnection(f"demo tried to connect to {address!r}")
        original_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        seen.append(address)
        if not _is_loopback(address):
            raise NonLoopbackConnection(f"demo tried to connect to {address!r}")
        return original_connect_ex(self, address)

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    try:
        yield
    finally:
        socket.socket.connect = original_connect  # type: ignore[method-assign]
        socket.socket.connect_ex = original_connect_ex  # type: ignore[method-assign]


def _run(fixed: bool, out: Path) -> tuple[DemoResult, list[Any]]:
    seen: list[Any] = []
    with loopback_only(seen):
        result = run_demo(fixed=fixed, output=out)
    return result, seen


@pytest.fixture(scope="session")
def vulnerable_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoResult, list[Any]]:
    return _run(False, tmp_path_factory.mktemp("demo-vulnerable"))


@pytest.fixture(scope="session")
def fixed_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoResult, list[Any]]:
    return _run(True, tmp_path_factory.mktemp("demo-fixed"))
