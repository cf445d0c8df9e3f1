"""Reading one input file from a repository that may be hostile, with a hard byte cap.

``stat().st_size`` says nothing about ``/dev/zero`` behind a symlink, a FIFO named
``requirements.txt`` (an open blocks until a writer comes) or a file that grows while read.
So: open with ``O_NOFOLLOW | O_NONBLOCK`` (a symlink is refused, a FIFO opens at once), check
``fstat`` says regular file, and count the bytes actually read, stopping one past the cap.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path

_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
CHUNK = 1 << 20


class ReadRefused(Exception):
    """An input not read; ``gap`` when the scan needed it (too large, unreadable), not when it
    is something no scanner reads (a symlink, a FIFO or device)."""

    def __init__(self, reason: str, *, gap: bool) -> None:
        super().__init__(reason)
        self.gap = gap


def read_capped(path: Path | str, limit: int) -> bytes:
    """The bytes of regular file ``path``, at most ``limit``; raises :class:`ReadRefused`."""
    try:
        fd = os.open(path, _FLAGS)
    except OSError as exc:
        if exc.errno == errno.ELOOP or os.path.islink(path):
            raise ReadRefused("symlink, not followed", gap=False) from None
        raise ReadRefused(f"cannot read ({exc.strerror})", gap=True) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = "FIFO" if stat.S_ISFIFO(mode) else "socket" if stat.S_ISSOCK(mode) else \
                "directory" if stat.S_ISDIR(mode) else "device"
            raise ReadRefused(f"special file ({kind}), not read", gap=False)
        size = os.fstat(fd).st_size
        if size > limit:  # the common case, refused without reading; the count below catches liars
            raise ReadRefused(f"{_mb(size)} is over the {_mb(limit)} limit", gap=True)
        parts: list[bytes] = []
        total = 0
        while total <= limit:
            try:
                block = os.read(fd, min(CHUNK, limit + 1 - total))
            except OSError as exc:
                raise ReadRefused(f"cannot read ({exc.strerror})", gap=True) from None
            if not block:
                break
            parts.append(block)
            total += len(block)
        if total > limit:
            raise ReadRefused(f"grew past the {_mb(limit)} limit while read, not read", gap=True)
        return b"".join(parts)
    finally:
        os.close(fd)


def _mb(size: int) -> str:
    return f"{size // (1024 * 1024)} MB" if size >= 1024 * 1024 else f"{size} bytes"


def is_regular(path: Path | str) -> bool:
    """A regular file, not a symlink (``lstat``): what a walker may hand to a reader."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def regular_files(root: Path, suffix: str = "") -> Iterator[Path]:
    """Regular files under ``root`` ending in ``suffix``, sorted, symlinks neither followed nor
    listed. Iterative: ``Path.rglob`` recurses once per level and a tree 1,100 deep exceeds it."""
    todo = [root]
    while todo:
        folder = todo.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name, reverse=True)
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                todo.append(Path(entry.path))
        yield from sorted(Path(e.path) for e in entries
                          if e.is_file(follow_symlinks=False) and e.name.endswith(suffix))
