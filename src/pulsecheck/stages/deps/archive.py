"""Reading advisories out of what ``db import`` is given: an OSV ``all.zip``, a directory of
``<Ecosystem>/all.zip``, or a directory of OSV ``*.json`` files. Zips are read in memory and
never extracted, and one whose entry names try to leave the archive is refused whole."""

from __future__ import annotations

import json
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from pulsecheck.saferead import ReadRefused, read_capped, regular_files

MAX_ENTRY_BYTES = 32 * 1024 * 1024
MAX_ZIP_BYTES = 4 * 1024 * 1024 * 1024
_CHUNK = 1 << 20


class ArchiveError(Exception):
    """A source that cannot be imported at all; the message names it and the reason."""


@dataclass
class Source:
    """One unit of import: a zip or a loose directory; ``ecosystem`` when its layout names one."""

    path: Path
    ecosystem: str | None
    problems: list[str] = field(default_factory=list)


def _safe_member(name: str) -> bool:
    if "\\" in name or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return False
    return ".." not in PurePosixPath(name).parts


def check_zip(path: Path) -> zipfile.ZipFile:
    """Open ``path`` as a zip and refuse it when any entry escapes or inflates absurdly."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ArchiveError(f"{path}: not a readable zip ({exc})") from None
    total = 0
    for info in archive.infolist():
        if not _safe_member(info.filename):
            archive.close()
            raise ArchiveError(f"{path}: entry {info.filename!r} points outside the archive; refused")
        total += info.file_size
    if total > MAX_ZIP_BYTES:
        archive.close()
        raise ArchiveError(f"{path}: unpacks to {total // 2**20} MB, over the limit; refused")
    return archive


class _TooLarge(Exception):
    pass


def _inflate(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """The entry's bytes, counted as they inflate: the size in the header may lie."""
    parts: list[bytes] = []
    total = 0
    with archive.open(info) as member:
        while block := member.read(_CHUNK):
            total += len(block)
            if total > MAX_ENTRY_BYTES:
                raise _TooLarge
            parts.append(block)
    return b"".join(parts)


def iter_zip(source: Source) -> Iterator[Any]:
    """Each JSON entry's document; a corrupt, oversized or unparsable entry is one problem line."""
    archive = check_zip(source.path)
    with archive:
        for info in archive.infolist():
            if info.is_dir() or not info.filename.endswith(".json"):
                continue
            if info.file_size > MAX_ENTRY_BYTES:
                source.problems.append(f"{source.path}: {info.filename}: too large, skipped")
                continue
            try:
                data = _inflate(archive, info)
            except _TooLarge:
                source.problems.append(f"{source.path}: {info.filename}: inflates past the "
                                       f"{MAX_ENTRY_BYTES // 2**20} MB limit (its header says "
                                       f"{info.file_size} bytes), skipped")
                continue
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
                kind = "bad deflate data" if isinstance(exc, zlib.error) else type(exc).__name__
                source.problems.append(f"{source.path}: {info.filename}: corrupt entry ({kind}), skipped")
                continue
            try:
                yield json.loads(data)
            except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
                source.problems.append(f"{source.path}: {info.filename}: {type(exc).__name__}, skipped")


def iter_dir(source: Source) -> Iterator[Any]:
    for file in regular_files(source.path, ".json"):
        try:
            yield json.loads(read_capped(file, MAX_ENTRY_BYTES).decode("utf-8"))
        except ReadRefused as exc:
            source.problems.append(f"{file}: {exc}, skipped")
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
            source.problems.append(f"{file}: {type(exc).__name__}, skipped")


def sources_of(path: Path) -> list[Source]:
    """Split an import path into sources; the zip's parent directory names its ecosystem."""
    if path.is_file():
        return [Source(path, path.parent.name if path.name == "all.zip" else None)]
    if not path.is_dir():
        raise ArchiveError(f"{path}: no such file or directory")
    zips = sorted(path.glob("*/all.zip")) + ([path / "all.zip"] if (path / "all.zip").is_file() else [])
    if zips:
        return [Source(z, z.parent.name if z.parent != path else None) for z in zips]
    return [Source(path, None)]


def iter_source(source: Source) -> Iterator[Any]:
    if source.path.is_file():
        return iter_zip(source)
    return iter_dir(source)
