"""A real PostgreSQL server for tests and benchmarks: initdb into a temporary directory, pg_ctl
start on a free 127.0.0.1 port, stopped afterwards.

Run as the invoking user, or as ``postgres`` (else ``nobody``) through ``runuser`` when that is
root (PostgreSQL refuses to run as root). :class:`Unavailable` says why it cannot start.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


class Unavailable(Exception):
    """The server binaries are not installed (``missing``) or could not be started."""

    def __init__(self, reason: str, *, missing: bool) -> None:
        super().__init__(reason)
        self.missing = missing


@dataclass(frozen=True)
class PgServer:
    host: str
    port: int
    user: str
    password: str

    def url(self, database: str) -> str:
        return f"postgresql://{self.user}:{self.password}@{self.host}:{self.port}/{database}"

    def create_database(self) -> str:
        import psycopg

        name = f"t_{secrets.token_hex(6)}"
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return name


def pg_bin() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(os.path.realpath(found)).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))  # Debian keeps them off PATH
    return Path(candidates[-1]).parent if candidates else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_server(max_connections: int = 60) -> Iterator[PgServer]:
    bindir = pg_bin()
    if bindir is None:
        raise Unavailable("PostgreSQL server binaries (Debian package postgresql) are not installed", missing=True)
    prefix: list[str] = []
    owner: pwd.struct_passwd | None = None
    if os.geteuid() == 0:
        for name in ("postgres", "nobody"):
            try:
                owner = pwd.getpwnam(name)
                break
            except KeyError:
                continue
        if owner is None or shutil.which("runuser") is None:
            raise Unavailable("running as root without a postgres/nobody user and runuser", missing=False)
        prefix = ["runuser", "-u", owner.pw_name, "--"]
    base = Path(tempfile.mkdtemp(prefix="pulsecheck-pg-"))
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    password = secrets.token_urlsafe(16)
    pwfile = base / "pw"
    pwfile.write_text(password + "\n")
    if owner is not None:
        for p in (base, sock, pwfile):
            os.chown(p, owner.pw_uid, owner.pw_gid)
    env = {**os.environ, "LC_ALL": "C", "TZ": "UTC"}
    ctl = [*prefix, str(bindir / "pg_ctl"), "-D", str(data)]
    try:
        init = subprocess.run([*prefix, str(bindir / "initdb"), "-D", str(data), "-U", "pulsecheck", "--pwfile",
                               str(pwfile), "--auth=scram-sha-256", "-E", "UTF8", "--no-sync"],
                              capture_output=True, env=env, cwd=base)
        if init.returncode != 0:
            raise Unavailable(f"initdb failed: {init.stderr.decode(errors='replace')[-500:]}", missing=False)
        port = _free_port()
        opts = f"-h 127.0.0.1 -p {port} -k {sock} -c fsync=off -c max_connections={max_connections}"
        log = base / "log"
        start = subprocess.run([*ctl, "-l", str(log), "-o", opts, "-w", "-t", "60", "start"],
                               capture_output=True, env=env, cwd=base)
        if start.returncode != 0:
            tail = log.read_text(errors="replace")[-800:] if log.exists() else ""
            raise Unavailable(f"pg_ctl start failed: {start.stderr.decode(errors='replace')[-300:]} {tail}",
                              missing=False)
        server = PgServer("127.0.0.1", port, "pulsecheck", password)
        _wait_ready(server)
        yield server
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run([*ctl, "-m", "immediate", "-w", "stop"], capture_output=True, env=env, cwd=base)
        shutil.rmtree(base, ignore_errors=True)


def _wait_ready(server: PgServer) -> None:
    import psycopg

    deadline = time.monotonic() + 30
    while True:
        try:
            psycopg.connect(server.url("postgres"), connect_timeout=2).close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
