"""A real PostgreSQL on 127.0.0.1 (skipped when not installed): identified by its SSLRequest
answer, TLS judged through the SSLRequest upgrade, password auth is not "open"."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pulsecheck import engine
from pulsecheck.demo.tls import write_self_signed
from pulsecheck.model import HostLocation, Targets
from pulsecheck.settings import Settings
from stages.recon.servers import free_port


def _as_postgres() -> dict[str, object]:
    if os.geteuid() != 0:
        return {}
    import pwd

    try:
        pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("no postgres user to run PostgreSQL as")
    return {"user": "postgres"}


def _binary(name: str) -> str | None:
    """On PATH, or where Debian's postgresql package puts it (/usr/lib/postgresql/<major>/bin)."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    return str(candidates[-1]) if candidates else None


@pytest.fixture(scope="module")
def postgres() -> Iterator[int]:
    initdb, server = _binary("initdb"), _binary("postgres")
    if not initdb or not server:
        pytest.skip("PostgreSQL (initdb, postgres) not installed")
    run_as = _as_postgres()
    work = Path(tempfile.mkdtemp(prefix="pulsecheck-recon-pg-"))  # pytest's tmp is 0700: postgres could not enter
    work.chmod(0o755)
    data = work / "data"
    pw = work / "pw"
    pw.write_text("not-a-real-password\n")
    cert, key = write_self_signed(work)
    if run_as:
        for p in (work, pw, cert, key):
            shutil.chown(p, "postgres")
    subprocess.run([initdb, "-D", str(data), "--auth-host=scram-sha-256", "--auth-local=peer", f"--pwfile={pw}"],
                   check=True, capture_output=True, **run_as)  # type: ignore[call-overload]
    port = free_port()
    proc = subprocess.Popen([server, "-D", str(data), "-p", str(port), "-h", "127.0.0.1", "-k", str(work),
                             "-c", "ssl=on", "-c", f"ssl_cert_file={cert}", "-c", f"ssl_key_file={key}",
                             "-c", "fsync=off"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            **run_as)  # type: ignore[call-overload]
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.2)
        else:
            pytest.skip("PostgreSQL did not start")
        yield port
    finally:
        proc.terminate()
        proc.wait(20)
        shutil.rmtree(work, ignore_errors=True)


def test_postgres_identified_and_its_tls_judged(postgres: int) -> None:
    report = engine.run(Targets(hosts=(f"127.0.0.1:{postgres}",)), Settings(stages=("recon",)))
    (result,) = report.stages
    assert result.status == "completed", result.outcome
    (svc,) = result.outcome.facts["services"]  # type: ignore[union-attr]
    assert (svc["service"], svc["tls"]) == ("postgresql", False)
    rules = {f.rule_id for f in report.findings if isinstance(f.location, HostLocation)}
    assert "recon.tls-self-signed-cert" in rules  # sslyze upgraded through the SSLRequest
    assert "recon.unauthenticated-datastore" not in rules  # scram-sha-256 asked for a password
    assert "recon.cleartext-http" not in rules
