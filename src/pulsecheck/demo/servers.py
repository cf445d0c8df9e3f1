"""Start the demo app in child processes on free 127.0.0.1 ports, and always stop them.

:class:`DemoServers` is a context manager: leaving it, normally or by an exception (Ctrl-C
included), terminates every child it started and waits for it, so the demo never leaves a
process behind.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import httpx

from pulsecheck.demo.gitrepo import DemoError

LOOPBACK = "127.0.0.1"
STARTUP_TIMEOUT_S = 30.0
_PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True, slots=True)
class ServerSpec:
    name: str
    port: int
    tls: tuple[Path, Path] | None = None
    legacy_tls: bool = False

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{LOOPBACK}:{self.port}"


class DemoServers(AbstractContextManager["DemoServers"]):
    """The running demo servers; ``env`` is given to the app (data dir, demo password...)."""

    def __init__(self, app_dir: Path, work_dir: Path, specs: list[ServerSpec], env: dict[str, str]) -> None:
        self.app_dir, self.work_dir, self.specs, self.env = app_dir, work_dir, specs, env
        self.processes: list[subprocess.Popen[bytes]] = []

    def __enter__(self) -> DemoServers:
        try:
            for spec in self.specs:
                self._start(spec)
            for spec, proc in zip(self.specs, self.processes, strict=True):
                self._wait_ready(spec, proc)
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def _start(self, spec: ServerSpec) -> None:
        data_dir = self.work_dir / f"data-{spec.name}"
        data_dir.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if k not in _PROXY_VARS}
        env.update(self.env, CLINIC_DATA_DIR=str(data_dir), NO_PROXY="127.0.0.1,localhost",
                   no_proxy="127.0.0.1,localhost", PYTHONDONTWRITEBYTECODE="1")
        cmd = [sys.executable, "-m", "pulsecheck.demo.serve", "--app-dir", str(self.app_dir),
               "--port", str(spec.port)]
        if spec.tls:
            cmd += ["--certfile", str(spec.tls[0]), "--keyfile", str(spec.tls[1])]
        if spec.legacy_tls:
            cmd.append("--legacy-tls")
        log = (self.work_dir / f"server-{spec.name}.log").open("wb")
        try:
            self.processes.append(subprocess.Popen(cmd, cwd=self.work_dir, env=env, stdin=subprocess.DEVNULL,
                                                   stdout=log, stderr=subprocess.STDOUT,
                                                   start_new_session=True))
        finally:
            log.close()

    def _wait_ready(self, spec: ServerSpec, proc: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        with httpx.Client(verify=False, trust_env=False, timeout=2.0) as client:  # noqa: S501 - self-signed
            while time.monotonic() < deadline:
                if proc.poll() is not None:
                    raise DemoError(f"demo {spec.name} server exited with code {proc.returncode}: "
                                    f"{self._log_tail(spec)}")
                try:
                    if client.get(f"{spec.url}/api/health").status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                time.sleep(0.2)
        raise DemoError(f"demo {spec.name} server on {spec.url} did not start within {STARTUP_TIMEOUT_S:g}s")

    def _log_tail(self, spec: ServerSpec) -> str:
        path = self.work_dir / f"server-{spec.name}.log"
        lines = path.read_text(encoding="utf-8", errors="replace").strip().splitlines() if path.exists() else []
        return lines[-1] if lines else "no output"

    def stop(self) -> None:
        """Terminate every child, then kill those that do not exit; wait for all of them."""
        for proc in self.processes:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.processes:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.processes]
