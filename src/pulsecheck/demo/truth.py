"""The demo's ground truth (``VULNERABILITIES.md``) and the check of a report against it.

The demo app documents every planted issue in a Markdown table so that humans and the
end-to-end test read the same thing. A planted issue is found when a finding of its stage,
whose rule id contains one of the expected classes, sits at its location. The same parser
reads the table of findings the fixed twin may still legitimately report.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from urllib.parse import urlsplit

from pulsecheck.model import FileLocation, Finding, HostLocation, Severity, UrlLocation

LINE_TOLERANCE = 2
_FILE_RE = re.compile(r"^(?:history:)?(?P<path>[^\s:]+)(?::(?P<line>\d+))?$")
_URL_RE = re.compile(r"^(?P<method>[A-Z]+)\s+(?P<path>/\S*)$")
_HOST_RE = re.compile(r"^(?P<host>[\w.\-]+):(?P<port>\{\w+\}|\d+)$")


@dataclass(frozen=True, slots=True)
class Expected:
    """One row of a ground-truth table: where a stage must (or may) report what."""

    id: str
    stage: str
    classes: tuple[str, ...]
    location: str
    cwe: str = ""
    when: str = ""
    what: str = ""

    def rule_matches(self, rule_id: str) -> bool:
        rule = rule_id.lower()
        return any(cls in rule for cls in self.classes)

    def location_matches(self, finding: Finding, ports: Mapping[str, int]) -> bool:
        loc = finding.location
        if isinstance(loc, FileLocation):
            return _file_matches(self.location, loc)
        if isinstance(loc, UrlLocation):
            return _url_matches(self.location, loc)
        return _host_matches(self.location, loc, ports)

    def matches(self, finding: Finding, ports: Mapping[str, int]) -> bool:
        return (finding.stage == self.stage and self.rule_matches(finding.rule_id)
                and self.location_matches(finding, ports))


def _file_matches(spec: str, loc: FileLocation) -> bool:
    m = _FILE_RE.match(spec)
    if not m or _norm(m["path"]) != _norm(loc.path):
        return False
    if m["line"] is None:
        return True
    want = int(m["line"])
    if loc.line is None:
        return False
    if abs(loc.line - want) <= LINE_TOLERANCE:
        return True
    return loc.end_line is not None and loc.line <= want <= loc.end_line


def _url_matches(spec: str, loc: UrlLocation) -> bool:
    m = _URL_RE.match(spec)
    if not m:
        return False
    if m["method"] != "ANY" and m["method"] != loc.method.upper():
        return False
    path = urlsplit(loc.url).path or "/"
    return fnmatchcase(path, m["path"])


def _host_matches(spec: str, loc: HostLocation, ports: Mapping[str, int]) -> bool:
    m = _HOST_RE.match(spec)
    if not m or m["host"] != loc.host:
        return False
    port = m["port"]
    want = ports.get(port.strip("{}")) if port.startswith("{") else int(port)
    return want is not None and want == loc.port


def _norm(path: str) -> str:
    return path.replace("\\", "/").removeprefix("./")


def _cells(line: str) -> list[str]:
    return [c.strip().strip("`") for c in line.strip().strip("|").split("|")]


def _tables(text: str) -> Iterable[tuple[list[str], list[list[str]]]]:
    """Every Markdown table in ``text`` as (lower-cased header, rows)."""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].lstrip().startswith("|") and i + 1 < len(lines) and set(lines[i + 1].strip()) <= set("|-: "):
            header = [h.lower() for h in _cells(lines[i])]
            rows: list[list[str]] = []
            i += 2
            while i < len(lines) and lines[i].lstrip().startswith("|"):
                rows.append(_cells(lines[i]))
                i += 1
            yield header, rows
        else:
            i += 1


def _row(header: list[str], row: list[str]) -> dict[str, str]:
    return {name: row[i] if i < len(row) else "" for i, name in enumerate(header)}


def load(path: Path) -> tuple[list[Expected], list[Expected]]:
    """(planted issues, findings allowed on the fixed twin) from a VULNERABILITIES.md."""
    planted: list[Expected] = []
    allowed: list[Expected] = []
    for header, rows in _tables(path.read_text(encoding="utf-8")):
        if not {"stage", "rule", "location"} <= set(header):
            continue
        for n, raw in enumerate(rows, start=1):
            cell = _row(header, raw)
            entry = Expected(
                id=cell.get("id") or f"ALLOWED-{n:02d}",
                stage=cell["stage"],
                classes=tuple(c.strip().lower() for c in cell["rule"].split(",") if c.strip()),
                location=cell["location"],
                cwe=cell.get("cwe", ""),
                when=cell.get("when", ""),
                what=cell.get("what") or cell.get("why", ""),
            )
            (planted if "id" in header else allowed).append(entry)
    return planted, allowed


@dataclass(frozen=True, slots=True)
class Check:
    """How a report measured up to the ground truth."""

    found: tuple[Expected, ...]
    missed: tuple[Expected, ...]
    not_applicable: tuple[Expected, ...]
    unexpected: tuple[Finding, ...]
    """Findings above low that no row explains (only counted on the fixed twin)."""

    @property
    def ok(self) -> bool:
        return not self.missed and not self.unexpected


def check_vulnerable(findings: Iterable[Finding], planted: Iterable[Expected], stages: Iterable[str],
                     ports: Mapping[str, int], conditions: Iterable[str] = ()) -> Check:
    """Recall on the vulnerable app: every planted issue of a stage that ran must be found."""
    found_list = list(findings)
    ran, active = set(stages), set(conditions)
    found: list[Expected] = []
    missed: list[Expected] = []
    skipped: list[Expected] = []
    for entry in planted:
        if entry.stage not in ran or (entry.when and entry.when not in active):
            skipped.append(entry)
        elif any(entry.matches(f, ports) for f in found_list):
            found.append(entry)
        else:
            missed.append(entry)
    return Check(tuple(found), tuple(missed), tuple(skipped), ())


def check_fixed(findings: Iterable[Finding], allowed: Iterable[Expected], ports: Mapping[str, int]) -> Check:
    """Precision on the fixed twin: nothing above low unless a row of the table explains it."""
    rows = list(allowed)
    unexpected = tuple(f for f in findings if f.severity > Severity.LOW
                       and not any(row.matches(f, ports) for row in rows))
    return Check((), (), (), unexpected)
