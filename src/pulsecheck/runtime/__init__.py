"""Resources the engine owns and lends to stages: CPU, processes, HTTP.

One :class:`Runtime` per audit holds a CPU budget shared by every stage; each stage gets a
:class:`StageRuntime` whose processes are killed when the stage is cancelled or times out, and
whose HTTP clients reach only the origins in scope. Stages never start a process or open a
socket any other way, so "stop this stage" and "stay in scope" hold by construction.
"""

from __future__ import annotations

from pulsecheck.runtime.cpu import CpuBudget
from pulsecheck.runtime.http import OutOfScope, Scope
from pulsecheck.runtime.isolate import clean_env, python_argv
from pulsecheck.runtime.net import Net, NetScope, OutOfNetScope
from pulsecheck.runtime.pool import WorkerError, WorkerPool
from pulsecheck.runtime.procs import Cancelled, ProcessGroup
from pulsecheck.runtime.stage import Runtime, StageRuntime

__all__ = ["Cancelled", "CpuBudget", "Net", "NetScope", "OutOfNetScope", "OutOfScope", "ProcessGroup", "Runtime", "Scope", "StageRuntime",
           "WorkerError", "WorkerPool", "clean_env", "python_argv"]
