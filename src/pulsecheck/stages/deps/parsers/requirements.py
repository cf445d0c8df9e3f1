"""pip requirements files: pins, hashes, markers, extras, ``-r``/``-c`` includes, continuations.

Only ``==``/``===`` pins name an installed version; other requirements are kept with an empty
version (reported as unpinned, never checked as clean). URLs, paths and editable installs
cannot be matched to advisories and are listed in ``skipped`` for the stage to note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from pulsecheck.stages.deps.package import Package
from pulsecheck.stages.deps.parsers.common import LockfileError, read_text

_INCLUDE = re.compile(r"^(-r|--requirement|-c|--constraint)\s*=?\s*(\S+)")
_OPTION_TAIL = re.compile(r"\s+--?[a-zA-Z][\w-]*(?:[= ]\S+)?.*$")
_COMMENT = re.compile(r"(^|\s+)#.*$")
_DEV_FILE = re.compile(r"(^|[-_.])(dev|develop|test|tests|testing|lint|docs?|ci)([-_.]|$)", re.IGNORECASE)
_VIA = re.compile(r"^\s+#\s+(?:via\s+)?(.+)$")
_URLISH = re.compile(r"^(?:[a-z+]+://|\.{0,2}/|[A-Za-z]:\\|file:)")


@dataclass
class RequirementsResult:
    packages: list[Package] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    constraints: dict[str, str] = field(default_factory=dict)
    """PEP 503 name -> version pinned by a ``-c`` constraints file (pins unpinned requirements)."""
    gaps: list[str] = field(default_factory=list)
    """Included files that could not be read: what they pin is unchecked."""


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Join ``\\`` continuations first, then strip comments, as pip does."""
    out: list[tuple[int, str]] = []
    buf, start = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        if not buf:
            start = number
        if raw.endswith("\\") and not raw.lstrip().startswith("#"):
            buf += raw[:-1]
            continue
        line = _COMMENT.sub("", buf + raw).strip()
        buf = ""
        if line:
            out.append((start, line))
    tail = _COMMENT.sub("", buf).strip()
    if tail:
        out.append((start, tail))
    return out


def _via(text: str) -> dict[int, list[str]]:
    """pip-compile's ``# via`` annotations: requirement line -> what pulled it in."""
    out: dict[int, list[str]] = {}
    current: int | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        if raw and not raw[0].isspace() and not raw.startswith("#"):
            current = number
            continue
        match = _VIA.match(raw)
        if current is not None and match and ("via" in raw or current in out):
            out.setdefault(current, []).append(match.group(1).strip())
    return out


def parse_requirements(path: Path, root: Path, _seen: set[Path] | None = None,
                       result: RequirementsResult | None = None,
                       _constraint_seen: set[Path] | None = None) -> RequirementsResult:
    """Parse ``path`` and every file it includes.

    Each file is read at most once as requirements and once as constraints (one shared
    ``seen`` set per mode), so include cycles and files that ``-r`` and ``-c`` each other cost
    a linear number of parses, never 2^N.
    """
    seen = _seen if _seen is not None else set()
    constraint_seen = _constraint_seen if _constraint_seen is not None else set()
    res = result if result is not None else RequirementsResult()
    real = path.resolve()
    if real in seen:
        return res
    seen.add(real)
    rel = _relative(path, root)
    text = read_text(path)
    via = _via(text)
    dev = bool(_DEV_FILE.search(path.stem))
    pulled_by: dict[int, list[str]] = {}
    names: set[str] = set()
    for number, line in _logical_lines(text):
        inc = _INCLUDE.match(line)
        if inc:
            target = (path.parent / inc.group(2)).resolve()
            if not target.is_relative_to(root.resolve()):
                res.skipped.append(f"{rel}:{number}: include {inc.group(2)} is outside the repository")
            elif not target.is_file():
                res.skipped.append(f"{rel}:{number}: included file {inc.group(2)} not found")
            else:
                try:
                    if inc.group(1) in ("-c", "--constraint"):
                        # A constraint installs nothing: it only pins what is required elsewhere.
                        constrained = parse_requirements(target, root, constraint_seen, RequirementsResult(),
                                                         constraint_seen)
                        for pkg in constrained.packages:
                            if pkg.version:
                                res.constraints.setdefault(pkg.key, pkg.version)
                        for key, version in constrained.constraints.items():
                            res.constraints.setdefault(key, version)
                    else:
                        parse_requirements(target, root, seen, res, constraint_seen)
                except LockfileError as exc:
                    res.skipped.append(f"{_relative(target, root)}: {exc}")
                    if exc.gap:
                        res.gaps.append(res.skipped[-1])
            continue
        if line.startswith(("-e", "--editable")):
            res.skipped.append(f"{rel}:{number}: editable install is not checked")
            continue
        if line.startswith("-"):
            continue  # global options: --index-url, --hash on its own line, -f ...
        spec = _OPTION_TAIL.sub("", line).strip()
        if _URLISH.match(spec) or spec.endswith((".whl", ".tar.gz", ".zip")):
            res.skipped.append(f"{rel}:{number}: URL or local path requirement is not checked")
            continue
        try:
            req = Requirement(spec)
        except InvalidRequirement:
            res.skipped.append(f"{rel}:{number}: not a requirement")
            continue
        names.add(req.name)
        if req.url:
            res.skipped.append(f"{rel}:{number}: {req.name} from a URL is not checked")
            continue
        pins = [s.version for s in req.specifier if s.operator in ("==", "===") and "*" not in s.version]
        pulled_by[len(res.packages)] = [v for v in via.get(number, []) if v != "via"]
        res.packages.append(Package("PyPI", req.name, pins[0] if len(pins) == 1 else "", rel, number,
                                    direct=True, dev=dev))
    # ``# via`` names what pulled a package in: ``-r requirements.in`` (pip-compile) or the
    # project itself (uv export, which lists every other package in the file) mean direct.
    listed = {canonicalize_name(name) for name in names}
    by_uv = "autogenerated by uv" in text[:400]
    for index, sources in pulled_by.items():
        if not sources or any(v.startswith(("-r", "-c")) for v in sources):
            continue
        if not by_uv or all(canonicalize_name(v.split()[0]) in listed for v in sources if v.split()):
            res.packages[index] = replace(res.packages[index], direct=False)
    if _seen is None and res.constraints:
        res.packages = [replace(p, version=res.constraints.get(p.key, "")) if not p.version else p
                        for p in res.packages]
    return res


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
