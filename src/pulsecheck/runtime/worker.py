"""The worker process of :class:`~pulsecheck.runtime.pool.WorkerPool`.

Started isolated (see :mod:`.isolate`) with its working directory in the stage's scratch. It
reads pickled messages from stdin: ``("init", "module:function" | None, args)`` once, then
``("job", id, "module:function", args)`` until ``None``, and answers each job with
``("ok", id, result)`` or ``("err", id, reason, traceback)``. The pipe only carries our own
objects between our own processes. Anything a job prints goes to stderr, never into the pipe.
"""

from __future__ import annotations

import importlib
import pickle
import sys
import traceback
from collections.abc import Callable
from typing import Any


def resolve(qualname: str) -> Callable[..., Any]:
    """``"package.module:function"`` -> the function."""
    module, _, name = qualname.partition(":")
    fn = getattr(importlib.import_module(module), name)
    if not callable(fn):
        raise TypeError(f"{qualname} is not callable")
    return fn  # type: ignore[no-any-return]


def main() -> int:
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print() must not corrupt the result pipe
    _, init_name, init_args = pickle.load(stdin)  # noqa: S301 - written by our own parent process
    state: Any = resolve(init_name)(*init_args) if init_name else None
    while True:
        message = pickle.load(stdin)  # noqa: S301
        if message is None:
            return 0
        _, job_id, fn_name, args = message
        try:
            fn = resolve(fn_name)
            result = fn(state, *args) if init_name else fn(*args)
            reply: tuple[Any, ...] = ("ok", job_id, result)
        except Exception as exc:  # noqa: BLE001 - reported to the parent, which decides
            reply = ("err", job_id, f"{type(exc).__name__}: {exc}", traceback.format_exc())
        pickle.dump(reply, stdout, protocol=pickle.HIGHEST_PROTOCOL)
        stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
