"""How our own subprocesses start without running anything from the scanned repository.

``cd repo && pulsecheck audit .`` must not import a ``pulsecheck/``, ``multiprocessing/``,
``encodings/`` or ``sitecustomize.py`` planted in the repository. Python puts the current
directory (``-c``, ``-m``) first on the import path and reads ``PYTHON*`` variables; so every
Python child here starts with ``-I`` (isolated: no cwd on the path, no environment, no user
site), a fixed path to this installation, a working directory that is not the repository, and
a minimal environment.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

_KEEP_ENV = ("PATH", "HOME", "TMPDIR", "TEMP", "TMP", "SYSTEMROOT", "LANG", "TZ")


def package_root() -> str:
    """The directory that holds the ``pulsecheck`` package this process imported."""
    import pulsecheck

    return str(Path(pulsecheck.__file__).resolve().parents[1])


def python_argv(module: str) -> list[str]:
    """argv that runs ``module`` as ``__main__`` in an isolated interpreter of this installation."""
    code = (f"import sys; sys.path.insert(0, {package_root()!r}); import runpy; "
            f"runpy.run_module({module!r}, run_name='__main__', alter_sys=True)")
    return [sys.executable, "-I", "-c", code]


def clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """A minimal environment: no ``PYTHON*``, no ``GIT_*``, no ``LD_*``, fixed locale."""
    env = {k: v for k, v in os.environ.items() if k in _KEEP_ENV}
    env.setdefault("PATH", os.defpath)
    env["LC_ALL"] = "C.UTF-8"
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # ignored under -I; harmless for non-Python tools
    if extra:
        env.update(extra)
    return env
