"""What a file is, by its path: language, role, vendored, test (from ``data/filetypes.toml``).

One table instead of a list in every stage (profile's languages, phi's code and lockfile names,
deps' ``SKIP_DIRS``, profile's and phi's ``VENDORED`` globs): the file index tags each entry once
and every stage asks the entry.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import cache
from importlib import resources


@dataclass(frozen=True, slots=True)
class FileTypes:
    extensions: dict[str, str]
    roles: dict[str, str]
    vendored_dirs: frozenset[str]
    vendored_root_dirs: frozenset[str]
    vendored_dir_patterns: tuple[re.Pattern[str], ...]
    vendored_files: tuple[str, ...]
    test_dir: re.Pattern[str]
    test_file: re.Pattern[str]


@cache
def filetypes() -> FileTypes:
    text = resources.files("pulsecheck.sources").joinpath("data/filetypes.toml").read_text("utf-8")
    data = tomllib.loads(text)
    vendored, test = data["vendored"], data["test"]
    return FileTypes(extensions=dict(data["extensions"]), roles=dict(data["roles"]),
                     vendored_dirs=frozenset(vendored["dirs"]), vendored_root_dirs=frozenset(vendored["root_dirs"]),
                     vendored_dir_patterns=tuple(re.compile(p) for p in vendored.get("dir_patterns", ())),
                     vendored_files=tuple(vendored["files"]), test_dir=re.compile(test["dirs"]),
                     test_file=re.compile(test["files"]))


def _ext(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:] if dot > 0 else ""


def language(rel: str) -> str | None:
    """The language of a repo-relative path (``"Python"``), None when it is not one we name."""
    name = rel.rsplit("/", 1)[-1].lower()
    return filetypes().extensions.get(_ext(name))


def role(rel: str) -> str | None:
    """``code``, ``lockfile``, ``manifest``, ``data``, ``doc``, ``config`` or None; a file name wins."""
    name = rel.rsplit("/", 1)[-1].lower()
    roles = filetypes().roles
    return roles.get(name) or roles.get(_ext(name))


def is_vendored(rel: str) -> bool:
    """Third-party or generated: under a vendored directory, top-level build output, a bundle."""
    ft = filetypes()
    parts = rel.split("/")
    if parts[0] in ft.vendored_root_dirs and len(parts) > 1:
        return True
    if in_vendored_dir(rel):
        return True
    return any(fnmatchcase(parts[-1].lower(), g) for g in ft.vendored_files)


def in_vendored_dir(rel: str) -> bool:
    """Under a vendored directory (``node_modules``, ``vendor``, ``.venv``...), at any depth."""
    ft = filetypes()
    return any(p in ft.vendored_dirs or any(r.match(p.lower()) for r in ft.vendored_dir_patterns)
               for p in rel.split("/")[:-1])


def is_test(rel: str) -> bool:
    """Tests, fixtures and mocks: the one test-path rule."""
    ft = filetypes()
    parts = rel.lower().split("/")
    return any(ft.test_dir.match(p) for p in parts[:-1]) or ft.test_file.match(parts[-1]) is not None
