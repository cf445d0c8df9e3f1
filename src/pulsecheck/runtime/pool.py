"""A pool of isolated worker processes, owned by one stage.

``multiprocessing`` is not usable on hostile input: its spawned children run ``python -c`` in
the parent's working directory (the repository, for ``cd repo && pulsecheck audit .``) and so
import whatever the repository plants on the path. These workers start isolated, in the stage's
scratch directory, belong to the stage's :class:`~.procs.ProcessGroup` (killed on cancel or
timeout), and run module-level functions named ``"module:function"``.
"""

from __future__ import annotations

import contextlib
import pickle
import queue
import subprocess
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from pulsecheck.runtime.isolate import clean_env, python_argv
from pulsecheck.runtime.procs import ProcessGroup

_Job = tuple[int, str, tuple[Any, ...], "Future[Any]"]


class WorkerError(Exception):
    """A job failed in its worker, or the worker died; the message says which."""


class WorkerPool:
    """``submit`` and ordered, bounded ``map``; start workers on first use; ``close`` to end."""

    def __init__(self, procs: ProcessGroup, workers: int, cwd: Path, *, initializer: str | None = None,
                 initargs: tuple[Any, ...] = ()) -> None:
        self.workers = max(1, workers)
        self._procs = procs
        self._cwd = cwd
        self._setup = pickle.dumps(("init", initializer, initargs), protocol=pickle.HIGHEST_PROTOCOL)
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._next_id = 0
        self._lock = threading.Lock()
        self._closed = False

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def submit(self, fn: str, *args: Any) -> Future[Any]:
        with self._lock:
            if self._closed:
                raise RuntimeError("pool is closed")
            if not self._threads:
                self._start()
            self._next_id += 1
            future: Future[Any] = Future()
            if self._procs.killed or not any(t.is_alive() for t in self._threads):
                future.set_exception(WorkerError("no worker left (cancelled, or every worker died)"))
                return future
            self._jobs.put((self._next_id, fn, args, future))
            return future

    def map(self, fn: str, jobs: Iterable[tuple[Any, ...]], in_flight: int | None = None,
            cancel: threading.Event | None = None) -> Iterator[Any]:
        """Results of ``fn(*job)`` in job order, at most ``in_flight`` jobs queued at once."""
        limit = in_flight or self.workers * 4
        pending: deque[Future[Any]] = deque()
        todo = iter(jobs)
        while True:
            while len(pending) < limit and not (cancel is not None and cancel.is_set()):
                job = next(todo, None)
                if job is None:
                    break
                pending.append(self.submit(fn, *job))
            if not pending:
                return
            yield pending.popleft().result()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            threads = list(self._threads)
        for _ in threads:
            self._jobs.put(None)
        for t in threads:
            t.join()

    def _start(self) -> None:
        for n in range(self.workers):
            t = threading.Thread(target=self._drive, name=f"{self._procs.name}-worker-{n}", daemon=True)
            self._threads.append(t)
            t.start()

    def _drive(self) -> None:
        """Feed one worker process jobs until the queue says stop; fail jobs if it dies."""
        try:
            proc = self._procs.popen(python_argv("pulsecheck.runtime.worker"), cwd=self._cwd, env=clean_env(),
                                     stdin=subprocess.PIPE)
        except Exception as exc:  # noqa: BLE001 - cancelled or cannot start: fail what comes
            self._fail_rest(WorkerError(f"worker could not start: {exc}"))
            return
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        tail: deque[bytes] = deque(maxlen=20)
        stderr = proc.stderr
        drain = threading.Thread(target=lambda: tail.extend(stderr), daemon=True)
        drain.start()
        try:
            proc.stdin.write(self._setup)
            proc.stdin.flush()
            while True:
                job = self._jobs.get()
                if job is None:
                    break
                job_id, fn, args, future = job
                if not future.set_running_or_notify_cancel():
                    continue
                try:
                    pickle.dump(("job", job_id, fn, args), proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
                    proc.stdin.flush()
                    reply = pickle.load(proc.stdout)  # noqa: S301 - our own worker
                except (EOFError, OSError, pickle.UnpicklingError) as exc:
                    proc.wait()
                    drain.join(1)
                    last = tail[-1].decode("utf-8", "replace").strip() if tail else str(exc) or "no output"
                    future.set_exception(WorkerError(f"worker died ({last[:300]})"))
                    self._fail_rest(WorkerError(f"worker died ({last[:300]})"), keep_going=True)
                    return
                if reply[0] == "ok":
                    future.set_result(reply[2])
                else:
                    future.set_exception(WorkerError(reply[2]))
        finally:
            with contextlib.suppress(OSError):
                proc.stdin.close()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=10)
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    def _fail_rest(self, exc: Exception, keep_going: bool = False) -> None:
        """Fail queued jobs when no worker is left to run them."""
        with self._lock:
            alive = sum(t.is_alive() for t in self._threads if t is not threading.current_thread())
        if keep_going and alive:
            return
        while True:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                return
            if job is None:
                continue
            job[3].set_exception(exc)
