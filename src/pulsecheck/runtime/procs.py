"""Subprocesses owned by one stage (or by the audit's shared sources), killed as a group.

Each child starts in its own process group, so killing it also kills what it started (git's
helpers, a tool's workers). When the stage is cancelled or times out the engine calls
:meth:`ProcessGroup.kill_all`; afterwards no new process can be started in that group.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any


class Cancelled(Exception):  # noqa: N818 - a signal, like StageSkip
    """The stage was cancelled: no new process may start."""


class ProcessGroup:
    """Starts processes with kill-on-cancel; ``run`` and ``popen`` mirror ``subprocess``."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._procs: list[subprocess.Popen[bytes]] = []
        self._lock = threading.Lock()
        self._killed = False

    @property
    def killed(self) -> bool:
        return self._killed

    def popen(
        self, argv: Sequence[str], *, cwd: Path | str, env: Mapping[str, str] | None = None,
        stdin: int | IO[Any] | None = subprocess.DEVNULL, stdout: int | IO[Any] | None = subprocess.PIPE,
        stderr: int | IO[Any] | None = subprocess.PIPE,
    ) -> subprocess.Popen[bytes]:
        with self._lock:
            if self._killed:
                raise Cancelled(f"{self.name}: cancelled, not starting {argv[0]}")
            proc = subprocess.Popen(list(argv), cwd=cwd, env=dict(env) if env is not None else None,
                                    stdin=stdin, stdout=stdout, stderr=stderr, start_new_session=True)
            self._procs = [p for p in self._procs if p.poll() is None]
            self._procs.append(proc)
            return proc

    def run(
        self, argv: Sequence[str], *, cwd: Path | str, env: Mapping[str, str] | None = None,
        input: bytes | None = None, timeout: float | None = None,
    ) -> subprocess.CompletedProcess[bytes]:
        """Run to completion and capture output; a timeout kills the process group and raises."""
        proc = self.popen(argv, cwd=cwd, env=env, stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL)
        try:
            out, err = proc.communicate(input=input, timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill(proc)
            proc.communicate()
            raise
        except BaseException:
            _kill(proc)
            raise
        if self._killed and proc.returncode and proc.returncode < 0:
            raise Cancelled(f"{self.name}: cancelled while {argv[0]} ran")
        return subprocess.CompletedProcess(list(argv), proc.returncode, out, err)

    def alive(self) -> list[int]:
        """Process ids still running (for tests and diagnostics)."""
        with self._lock:
            return [p.pid for p in self._procs if p.poll() is None]

    def kill_all(self) -> None:
        """Kill every live process of the group and refuse new ones."""
        with self._lock:
            self._killed = True
            procs = list(self._procs)
        for proc in procs:
            _kill(proc)
        for proc in procs:
            with contextlib.suppress(subprocess.TimeoutExpired, OSError):
                proc.wait(timeout=5)


def _kill(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError, OSError):
        proc.kill()
