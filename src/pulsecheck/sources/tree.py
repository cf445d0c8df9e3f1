"""The audit's file index: one walk, one exclusion rule, typed entries, text read once.

Before, profile, phi, secrets and deps each walked the tree with their own skip lists, and every
tracked file was opened three times or more. The index lists the tree once (``git ls-files`` or
an iterative walk), applies :func:`~pulsecheck.sources.exclude.is_excluded` (the rule the
engine's finding policy uses too), tags every entry (kind, language, role, vendored, test) and
serves decoded text from a bounded cache, so the stages share one read of each file.

A scanned repository is hostile. Symlinks are never followed, not even inside the root (an entry
of kind ``symlink``); FIFOs, devices and sockets are never opened (``special``); every read is
bounded by the bytes actually read, not by ``stat``, and refuses a path that turned into a
symlink or a FIFO after the walk (:mod:`pulsecheck.saferead`). What is not scanned is recorded
once, typed, in :attr:`FileIndex.skipped`.
"""

from __future__ import annotations

import errno
import os
import stat
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pulsecheck.runtime.procs import ProcessGroup
from pulsecheck.saferead import ReadRefused, read_capped
from pulsecheck.sources import filetypes
from pulsecheck.sources.exclude import is_excluded
from pulsecheck.sources.listing import git_listed, walk
from pulsecheck.textdecode import decode_text, sniff_encoding
from pulsecheck.textsafe import escape_surrogates

Kind = Literal["text", "binary", "oversize", "symlink", "special", "unreadable"]

MAX_BYTES = 2 * 1024 ** 3
"""Files larger than this are ``oversize`` for every stage (a stage may set a lower limit)."""
TEXT_LIMIT = 64 * 1024 * 1024
"""The largest file :meth:`FileIndex.text` decodes; bigger ones are streamed by the stage itself."""
READ_WHOLE = 256 * 1024
"""Files up to this size are always read whole while the index is built (bigger ones while the
text cache has room): the probe is then the one read of the file."""
PROBE = 8192
CACHE_BYTES = 256 * 1024 * 1024
MAX_SKIP_FACTS = 2_000
"""Paths listed in the JSON report's ``inputs.skipped``; ``skipped_count`` and the summary by
reason count all of them (a vendored tree of 18,000 binaries made a 1.3 MB list)."""
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


@dataclass(frozen=True, slots=True)
class FileEntry:
    """One path of the tree; ``path`` is repo-relative POSIX (surrogateescape for odd bytes)."""

    path: str
    size: int
    kind: Kind
    lang: str | None = None
    role: str | None = None
    vendored: bool = False
    test: bool = False

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


@dataclass(frozen=True, slots=True)
class Skip:
    """An input not scanned and why (``binary``, ``symlink (not followed)``, ``FIFO``...)."""

    path: str
    reason: str


class FileIndex:
    """Built lazily on first use (thread-safe); ``files`` filters, ``text`` reads once."""

    def __init__(self, root: Path, exclude: Sequence[str] = (), *, respect_gitignore: bool = True,
                 procs: ProcessGroup | None = None, max_bytes: int = MAX_BYTES,
                 cache_bytes: int = CACHE_BYTES) -> None:
        self.root = Path(root)
        self._real_root = os.path.realpath(self.root)
        self.exclude = tuple(exclude)
        self.respect_gitignore = respect_gitignore
        self.max_bytes = max_bytes
        self.walks = 0
        """How many times the tree was listed (1 per audit: the measure the bench checks)."""
        self.opens: Counter[str] = Counter()
        """How many times each file was opened for reading."""
        self.notes: list[str] = []
        """Index-wide problems (git refused the listing, a submodule not scanned)."""
        self._procs = procs
        self._cache_bytes = cache_bytes
        self._lock = threading.Lock()
        self._cache_lock = threading.Lock()
        self._entries: tuple[FileEntry, ...] | None = None
        self._by_path: dict[str, FileEntry] = {}
        self._skipped: list[Skip] = []
        self._cache: OrderedDict[str, str] = OrderedDict()
        self._cached = 0
        self._reading: dict[str, threading.Event] = {}

    # --- the listing ----------------------------------------------------------------------

    @property
    def listed(self) -> bool:
        """Whether the tree has been listed (reading this never lists it)."""
        return self._entries is not None

    @property
    def entries(self) -> tuple[FileEntry, ...]:
        """Every entry, sorted by path (built on first use)."""
        with self._lock:
            if self._entries is None:
                self._entries = self._build()
            return self._entries

    @property
    def skipped(self) -> tuple[Skip, ...]:
        self.entries  # noqa: B018 - builds the index
        return tuple(self._skipped)

    def get(self, rel: str) -> FileEntry | None:
        self.entries  # noqa: B018
        return self._by_path.get(rel)

    def files(self, kinds: Iterable[Kind] = ("text",), langs: Iterable[str] | None = None,
              max_bytes: int | None = None, include_vendored: bool = False,
              roles: Iterable[str] | None = None, exclude: Sequence[str] = ()) -> list[FileEntry]:
        """Entries of these kinds (and languages/roles), at most ``max_bytes``, in path order.

        ``exclude`` adds a stage's own globs (judged by the same rule as the top-level exclude)."""
        want, lang_set = frozenset(kinds), frozenset(langs) if langs is not None else None
        role_set = frozenset(roles) if roles is not None else None
        return [e for e in self.entries
                if e.kind in want and (include_vendored or not e.vendored)
                and (lang_set is None or e.lang in lang_set) and (role_set is None or e.role in role_set)
                and (max_bytes is None or e.size <= max_bytes)
                and not (exclude and is_excluded(e.path, exclude))]

    def _build(self) -> tuple[FileEntry, ...]:
        self.walks += 1
        found: list[FileEntry] = []
        listed = git_listed(self.root, self._procs, self.notes.append) if self.respect_gitignore else None
        paths = sorted(listed if listed is not None else walk(self.root, self.exclude, self._skip))
        for rel in paths:
            if listed is not None and is_excluded(rel, self.exclude):
                continue
            entry = self._entry(rel, git=listed is not None)
            if entry is not None:
                found.append(entry)
                self._by_path[rel] = entry
        return tuple(found)

    def _skip(self, rel: str, reason: str) -> None:
        self._skipped.append(Skip(rel, reason))

    def _entry(self, rel: str, git: bool) -> FileEntry | None:
        full = os.path.join(self.root, rel)
        try:
            st = os.lstat(full)
        except OSError as exc:
            self._skip(rel, f"cannot stat ({exc.strerror or exc})")
            return None
        tags: dict[str, Any] = {"lang": filetypes.language(rel), "role": filetypes.role(rel),
                                "vendored": filetypes.is_vendored(rel), "test": filetypes.is_test(rel)}
        if stat.S_ISDIR(st.st_mode):  # git lists a submodule (or a nested repository) as a directory
            self.notes.append(f"submodule {rel} not scanned (a separate repository)")
            return None
        if stat.S_ISLNK(st.st_mode):
            self._skip(rel, "symlink (not followed)")
            return FileEntry(rel, 0, "symlink", **tags)
        if not stat.S_ISREG(st.st_mode):
            kind = "FIFO" if stat.S_ISFIFO(st.st_mode) else "socket" if stat.S_ISSOCK(st.st_mode) else "device"
            self._skip(rel, f"special file ({kind}), not read")
            return FileEntry(rel, 0, "special", **tags)
        if st.st_size > self.max_bytes:  # sizes first: a sparse 2 GB file is never read
            self._skip(rel, f"larger than {self.max_bytes} bytes ({st.st_size})")
            return FileEntry(rel, st.st_size, "oversize", **tags)
        if st.st_size == 0:
            return FileEntry(rel, 0, "text", **tags)
        try:
            head = self._probe(rel, st.st_size)
        except ReadRefused as exc:
            self._skip(rel, str(exc))
            return FileEntry(rel, st.st_size, "special" if not exc.gap else "unreadable", **tags)
        if head is None:
            self._skip(rel, "binary")
            return FileEntry(rel, st.st_size, "binary", **tags)
        return FileEntry(rel, st.st_size, "text", **tags)

    def _probe(self, rel: str, size: int) -> bytes | None:
        """The file's first bytes, None if binary. While the cache has room the whole file is
        read and its text cached, so this probe is the file's only open in the audit."""
        whole = min(TEXT_LIMIT, max(READ_WHOLE, self._cache_bytes * 3 // 4 - self._cached))
        data = self._read_head(rel, whole + 1 if size <= whole else PROBE)
        if size <= whole and len(data) <= whole:
            text = decode_text(data, errors="replace")
            if text is None:
                return None
            self._remember(rel, text)
            return data
        return None if sniff_encoding(data[:PROBE]) == "binary" else data

    def _read_head(self, rel: str, limit: int) -> bytes:
        """At most ``limit`` bytes from the start of a regular file, never through a symlink."""
        path = self._path(rel)
        self.opens[rel] += 1
        try:
            fd = os.open(path, _OPEN_FLAGS)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise ReadRefused("symlink (not followed)", gap=False) from None
            raise ReadRefused(f"unreadable ({exc.strerror})", gap=True) from None
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise ReadRefused("special file, not read", gap=False)
            parts, total = [], 0
            while total < limit:
                block = os.read(fd, min(1 << 20, limit - total))
                if not block:
                    break
                parts.append(block)
                total += len(block)
            return b"".join(parts)
        except OSError as exc:
            raise ReadRefused(f"unreadable ({exc.strerror})", gap=True) from None
        finally:
            os.close(fd)

    def _path(self, rel: str) -> str:
        """The absolute path of ``rel``, refused when a parent directory leads out of the root."""
        full = os.path.join(self.root, rel)
        parent = os.path.dirname(full)
        if "/" in rel and not os.path.realpath(parent).startswith(self._real_root + os.sep):
            raise ReadRefused("under a symlinked directory (not followed)", gap=False)
        return full

    # --- reading --------------------------------------------------------------------------

    def abs_path(self, entry: FileEntry) -> Path:
        """Where to open ``entry`` (for a stage that streams a big file itself)."""
        return self.root / entry.path

    def head(self, entry: FileEntry, n: int) -> bytes:
        """The first ``n`` bytes (a magic number); raises ``ReadRefused``."""
        return self._read_head(entry.path, n)

    def read_bytes(self, entry: FileEntry, limit: int) -> bytes:
        """The file's bytes, at most ``limit`` actually read; raises ``ReadRefused`` (too big, a
        path turned into a FIFO or a symlink since the walk)."""
        self.opens[entry.path] += 1
        return read_capped(self._path(entry.path), limit)

    def text(self, entry: FileEntry) -> str | None:
        """Decoded text (UTF-8 with replacement, UTF-16/32 by BOM or pattern), None when the
        entry is not text, is over :data:`TEXT_LIMIT`, or cannot be read now. Read once:
        concurrent callers wait for the one read, later ones hit the cache."""
        if entry.kind != "text":
            return None
        if entry.size == 0:
            return ""
        while True:
            with self._cache_lock:
                hit = self._cache.get(entry.path)
                if hit is not None:
                    self._cache.move_to_end(entry.path)
                    return hit
                pending = self._reading.get(entry.path)
                if pending is None:
                    pending = self._reading[entry.path] = threading.Event()
                    break
            pending.wait()
            with self._cache_lock:
                if entry.path in self._cache:
                    continue
            return self._load(entry)  # read by the other thread but not cacheable: read again
        try:
            return self._load(entry)
        finally:
            with self._cache_lock:
                self._reading.pop(entry.path, None)
            pending.set()

    def _load(self, entry: FileEntry) -> str | None:
        try:
            data = self.read_bytes(entry, TEXT_LIMIT)
        except ReadRefused:
            return None
        text = decode_text(data, errors="replace")
        if text is not None:
            self._remember(entry.path, text)
        return text

    def _remember(self, rel: str, text: str) -> None:
        size = len(text)
        if size > self._cache_bytes // 4:
            return
        with self._cache_lock:
            if rel in self._cache:
                return
            self._cache[rel] = text
            self._cached += size
            while self._cached > self._cache_bytes and self._cache:
                _, old = self._cache.popitem(last=False)
                self._cached -= len(old)

    # --- what was not scanned -------------------------------------------------------------

    def skip_summary(self, first: int = 5, keep: Callable[[Skip], bool] | None = None) -> str | None:
        """One line: how many entries were not scanned, by reason, and the first few paths."""
        skipped = [s for s in self.skipped if keep is None or keep(s)]
        if not skipped:
            return None
        reasons = Counter(_reason_kind(s.reason) for s in skipped)
        by_reason = ", ".join(f"{n} {r}" for r, n in reasons.most_common())
        names = ", ".join(escape_surrogates(s.path) for s in skipped[:first]) + (", ..." if len(skipped) > first else "")
        return f"{len(skipped)} files not scanned ({by_reason}): {names}"

    def skip_facts(self) -> list[dict[str, str]]:
        """The full typed list (capped), for the JSON report."""
        return [{"path": s.path, "reason": s.reason} for s in self.skipped[:MAX_SKIP_FACTS]]


def _reason_kind(reason: str) -> str:
    for word in ("binary", "symlink", "special", "larger", "unreadable", "cannot"):
        if reason.startswith(word):
            return {"larger": "oversize", "cannot": "unreadable", "special": "special files"}.get(word, word)
    return reason.split(" (")[0]
