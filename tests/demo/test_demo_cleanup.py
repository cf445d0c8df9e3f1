"""The servers stop when the audit fails or is interrupted, and they listen on loopback only."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from pulsecheck.demo import runner
from pulsecheck.model import Targets


def _children() -> set[int]:
    """Live child processes of this test process (Linux /proc)."""
    me = os.getpid()
    found: set[int] = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == me and fields[0] != "Z":
            found.add(int(entry.name))
    return found


def _listening_ports(pids: set[int]) -> list[tuple[str, int]]:
    """(local address, port) of the LISTEN sockets of ``pids``."""
    inodes: set[str] = set()
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    out: list[tuple[str, int]] = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            parts = line.split()
            if parts[3] == "0A" and parts[9] in inodes:
                addr, port = parts[1].split(":")
                out.append((addr, int(port, 16)))
    return out


pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")


@pytest.mark.parametrize("error", [RuntimeError("audit blew up"), KeyboardInterrupt()])
def test_servers_are_stopped_when_the_audit_raises(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                   error: BaseException) -> None:
    before = _children()
    during: dict[str, Any] = {}

    def failing_run(targets: Targets, *args: Any, **kwargs: Any) -> Any:
        during["children"] = _children() - before
        during["listening"] = _listening_ports(during["children"])
        during["targets"] = targets
        raise error

    monkeypatch.setattr(runner.engine, "run", failing_run)
    with pytest.raises(type(error)):
        runner.run_demo(fixed=False, output=tmp_path / "out", stages=("profile",))
    assert len(during["children"]) == 2, "expected the HTTP and HTTPS servers to be running"
    ports = {int(u.rsplit(":", 1)[1]) for u in during["targets"].urls}
    listening = [(addr, port) for addr, port in during["listening"] if port in ports]
    assert sorted(port for _, port in listening) == sorted(ports)
    assert all(addr == "0100007F" for addr, _ in listening), listening  # 127.0.0.1, little-endian hex
    assert not (_children() - before), "a demo server outlived the failed audit"
    assert not (tmp_path / "out").exists()
