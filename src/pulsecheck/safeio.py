"""Writing files next to, or inside, a repository that may be hostile.

A scanned repository can ship ``pulsecheck-report.json -> /etc/passwd`` or an ``out/``
directory that is a symlink; a plain ``open(path, "w")`` run as root would write through it.
Every file pulsecheck writes goes through :func:`write_atomic`:

* the path is walked one directory at a time from an open directory descriptor; once a
  directory lies inside ``repo`` (the scanned tree), further components are opened with
  ``O_NOFOLLOW``, so a planted symlink is refused, never followed (symlinks outside the
  repository, such as ``/tmp -> /private/tmp``, are the user's and are followed);
* the final name is never opened: the data goes to a fresh temporary file in the same
  directory (``O_CREAT | O_EXCL | O_NOFOLLOW``), is fsynced, and is renamed over the name, so a
  reader or a kill mid-write sees the old file or the new one, never a truncated one, and two
  writers leave one complete file. An existing symlink or non-regular file there is refused.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


class UnsafeWriteError(OSError):
    """A write refused because it would go through a symlink or onto a non-regular file."""


def _inside(path: str, repo_real: str | None) -> bool:
    if repo_real is None:
        return False
    real = os.path.realpath(path)
    return real == repo_real or real.startswith(repo_real.rstrip(os.sep) + os.sep)


def _open_dir(parent_fd: int, name: str, shown: str, nofollow: bool, create: bool) -> int:
    flags = _DIR_FLAGS | (_NOFOLLOW if nofollow else 0)
    try:
        return os.open(name, flags, dir_fd=parent_fd)
    except FileNotFoundError:
        if not create:
            raise
    with contextlib.suppress(FileExistsError):
        os.mkdir(name, 0o777, dir_fd=parent_fd)
    try:
        return os.open(name, flags, dir_fd=parent_fd)
    except OSError as exc:
        raise _refusal(parent_fd, name, shown, exc) from None


def _refusal(parent_fd: int, name: str, shown: str, exc: OSError) -> OSError:
    try:
        st = os.stat(name, dir_fd=parent_fd, follow_symlinks=False)
    except OSError:
        return exc
    if stat.S_ISLNK(st.st_mode):
        return UnsafeWriteError(f"{shown}: is a symlink inside the scanned repository; refusing to write through it")
    return exc


@contextlib.contextmanager
def _directory(path: Path, repo: Path | None, create: bool) -> Iterator[int]:
    """An open descriptor of ``path``'s directory, reached without following repository symlinks."""
    absolute = os.path.abspath(path)
    repo_real = os.path.realpath(repo) if repo is not None else None
    parts = [p for p in absolute.split(os.sep)[:-1] if p]
    fd = os.open(os.sep, _DIR_FLAGS)
    try:
        prefix, inside = os.sep, _inside(os.sep, repo_real)
        for part in parts:
            prefix = os.path.join(prefix, part)
            try:
                new_fd = _open_dir(fd, part, prefix, nofollow=inside, create=create)
            except OSError as exc:
                raise _refusal(fd, part, prefix, exc) from None
            os.close(fd)
            fd = new_fd
            inside = inside or _inside(prefix, repo_real)
        yield fd
    finally:
        os.close(fd)


def write_atomic(path: Path | str, data: bytes | str, *, repo: Path | None = None, mkdir: bool = True) -> None:
    """Replace ``path`` with ``data`` atomically, refusing symlinks in the repository.

    ``repo`` is the scanned tree (None when nothing is being scanned, e.g. the OSV cache):
    symlinked directories inside it are refused. A symlink or non-regular file at ``path``
    itself is always refused. Missing parent directories are created when ``mkdir``.
    Raises :class:`UnsafeWriteError` (an ``OSError``) with a one-line reason naming the path.
    """
    target = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    name = os.path.basename(os.path.abspath(target))
    with _directory(target, repo, mkdir) as dir_fd:
        _check_target(dir_fd, name, target)
        tmp = f".{name}.{secrets.token_hex(6)}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0),
                     0o666, dir_fd=dir_fd)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(payload)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp, dir_fd=dir_fd)
            raise
        with contextlib.suppress(OSError):
            os.fsync(dir_fd)


def _check_target(dir_fd: int, name: str, shown: Path) -> None:
    try:
        st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return
    if stat.S_ISLNK(st.st_mode):
        raise UnsafeWriteError(f"{shown}: is a symlink; refusing to write through it (remove it or "
                               "choose another --output)")
    if not stat.S_ISREG(st.st_mode):
        raise UnsafeWriteError(f"{shown}: exists and is not a regular file; not overwritten")


def make_dirs(path: Path, *, repo: Path | None = None) -> None:
    """``mkdir -p`` that refuses symlinked directories inside ``repo``."""
    with _directory(Path(path) / "x", repo, create=True):
        pass


def open_append(path: Path, *, truncate: bool = False) -> BinaryIO:
    """A binary file opened for appending (a resumable download's ``.part``), never through a
    symlink; its directory must exist."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags | (os.O_TRUNC if truncate else 0), 0o666)
    except OSError as exc:
        if os.path.islink(path):
            raise UnsafeWriteError(f"{path}: is a symlink; refusing to write through it") from None
        raise exc
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise UnsafeWriteError(f"{path}: is not a regular file; not written")
    return os.fdopen(fd, "ab")


def inside(path: Path | str, repo: Path | str) -> bool:
    """Whether ``path`` (existing or not) lies in ``repo`` once symlinks are resolved."""
    return _inside(str(path), os.path.realpath(repo))
