"""Which files are the app's own: the profile describes the app, not the libraries beside it.

The file index tags vendored paths by name (``node_modules``, ``vendor``, ``site-packages``...),
but a scanned directory can itself be a tree of installed packages (a ``site-packages`` given
as the root, a ``lib/`` of wheels unpacked by hand): nothing in its paths says "vendored", yet
the SQLAlchemy and Django test models in it are not anyone's data map. Such a directory is
known by the package metadata pip leaves beside every package (``<name>-<version>.dist-info``).

Tests, examples and demos are the project's own but not where it keeps its data or says what
it is: their models are counted, not mapped, and their words and libraries are no evidence of
the app kind (a library's FHIR test fixture does not make it an EHR).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

# Models in tests, examples and demos are not where the app keeps its data (Django's own test
# suite defines 2,000 tables): they are counted, not mapped.
NOT_APP = re.compile(r"(?:^|/)(?:tests?|testing|test_?apps?|__tests__|__mocks__|spec|specs|e2e|examples?|"
                     r"samples?|demos?|docs?|benchmarks?)/|(?:^|/)(?:test_[^/]*|[^/]*_tests?\.py|conftest\.py|"
                     r"[^/]*\.(?:test|spec)\.[jt]sx?)$", re.I)
# The same, less documentation: a project's docs say what it is (app-kind evidence), its test,
# example and demo code does not.
_SAMPLE = re.compile(r"(?:^|/)(?:tests?|testing|test_?apps?|__tests__|__mocks__|spec|specs|e2e|examples?|"
                     r"samples?|demos?|fixtures?|mocks?|benchmarks?)/|(?:^|/)(?:test_[^/]*|[^/]*_tests?\.\w+|"
                     r"conftest\.py|[^/]*\.(?:test|spec|stories)\.\w+)$", re.I)
_METADATA_DIR = re.compile(r"[^/]+\.(dist-info|egg-info)$")
MIN_DIST_INFO = 2
"""A directory with this many ``*.dist-info`` entries is an install target (one ``*.egg-info``
beside a ``setup.py`` is a developer's own checkout)."""
MIN_METADATA = 3


def installed_package_dirs(paths: Iterable[str]) -> frozenset[str]:
    """Directories (repo-relative, ``""`` for the root) that hold installed distributions."""
    found: dict[str, dict[str, set[str]]] = defaultdict(lambda: {"dist-info": set(), "egg-info": set()})
    for rel in paths:
        parts = rel.split("/")
        for i, part in enumerate(parts[:-1]):
            m = _METADATA_DIR.fullmatch(part)
            if m:
                found["/".join(parts[:i])][m.group(1)].add(part)
                break
    return frozenset(d for d, meta in found.items()
                     if len(meta["dist-info"]) >= MIN_DIST_INFO
                     or len(meta["dist-info"]) + len(meta["egg-info"]) >= MIN_METADATA)


def under(rel: str, dirs: frozenset[str]) -> bool:
    """``rel`` lies in one of ``dirs`` (``""`` holds everything)."""
    return any(d == "" or rel.startswith(d + "/") for d in dirs)


def is_sample(rel: str) -> bool:
    """Test, fixture, example or demo code: no evidence of what the app is."""
    return _SAMPLE.search(rel) is not None
