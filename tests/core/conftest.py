"""Fixtures of the core tests: plant a replacement (a broken one) for one real stage package."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest

import pulsecheck.stages as stages_pkg


@contextmanager
def shadowed_stage(name: str, directory: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``directory/<name>`` is imported instead of the real ``pulsecheck.stages.<name>``; the real
    modules are put back afterwards (other tests hold references to their classes)."""
    prefix = f"{stages_pkg.__name__}.{name}"
    saved = {k: v for k, v in sys.modules.items() if k == prefix or k.startswith(prefix + ".")}
    for key in saved:
        del sys.modules[key]
    monkeypatch.setattr(stages_pkg, "__path__", [str(directory), *stages_pkg.__path__])
    try:
        yield
    finally:
        for key in [k for k in sys.modules if k == prefix or k.startswith(prefix + ".")]:
            del sys.modules[key]
        sys.modules.update(saved)


@pytest.fixture
def shadow_stage(monkeypatch: pytest.MonkeyPatch) -> Callable[[str, Path], AbstractContextManager[None]]:
    return lambda name, directory: shadowed_stage(name, directory, monkeypatch)
