"""The real redis-server on 127.0.0.1 (skipped when not installed): open without a password is
a critical finding; with ``requirepass`` it is identified and not reported open."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from pulsecheck import engine
from pulsecheck.model import HostLocation, Report, Targets
from pulsecheck.settings import Settings
from stages.recon.servers import free_port


@contextmanager
def redis(work: Path, *extra: str) -> Iterator[int]:
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.skip("redis-server not installed (Debian package redis-server)")
    port = free_port()
    proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(work), *extra], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


def _scan(port: int) -> Report:
    return engine.run(Targets(hosts=(f"127.0.0.1:{port}",)), Settings(stages=("recon",)))


def test_redis_without_password_is_open(tmp_path: Path) -> None:
    with redis(tmp_path) as port:
        report = _scan(port)
    (svc,) = report.stages[0].outcome.facts["services"]  # type: ignore[union-attr]
    assert svc["service"] == "redis" and svc["version"]
    (open_,) = [f for f in report.findings if f.rule_id == "recon.unauthenticated-datastore"]
    assert open_.severity == "critical" and isinstance(open_.location, HostLocation) and open_.location.port == port
    assert "redis_version" in open_.message


def test_redis_with_password_is_not_open(tmp_path: Path) -> None:
    with redis(tmp_path, "--requirepass", "recon-test-only-0f3a9c") as port:
        report = _scan(port)
    (svc,) = report.stages[0].outcome.facts["services"]  # type: ignore[union-attr]
    assert svc["service"] == "redis"
    assert not [f for f in report.findings if f.rule_id == "recon.unauthenticated-datastore"]
    assert "recon-test-only-0f3a9c" not in str([f.to_json() for f in report.findings])
