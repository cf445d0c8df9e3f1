"""Accepted findings: a versioned baseline file and inline ``pulsecheck: ignore[...]`` comments.

A baseline stores only fingerprints, rule ids and where a finding is (never its evidence), so
it can be committed next to the code. Inline suppressions follow bandit's ``# nosec`` idea but
are scoped to rule ids and need a reason: a suppression without one does not suppress and is
reported itself, because an unexplained exception is a hole in the audit trail.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pulsecheck import __version__
from pulsecheck.config_files import ConfigError  # not pulsecheck.config: config loads baselines
from pulsecheck.core_rules import SUPPRESSION_WITHOUT_REASON
from pulsecheck.model import FileLocation, Finding, Report
from pulsecheck.safeio import write_atomic
from pulsecheck.sources.tree import FileIndex

BASELINE_SCHEMA_VERSION = 1
MAX_SCANNED_BYTES = 16 * 1024 * 1024
_MULTILINE_SPAN = 50

_DIRECTIVE = re.compile(r"pulsecheck\s*:\s*ignore\s*\[([^\]\n]*)\]([^\n]*)", re.IGNORECASE)
# What may precede the directive for it to be a comment standing alone on its line.
_LONE_PREFIX = re.compile(
    r"^\s*(#+|//+|/\*+|\{/\*+|\*+|--+|<!--|<%--|<%#|\{#|\{\{!-*|@\*|\(\*|;+|%+|'|!|\"|rem\b|::)?\s*$",
    re.IGNORECASE,
)
# A block comment's closer ends the reason, even when code follows it on the line.
_CLOSERS = re.compile(r"\*/|-->|--%>|--\}\}|#\}|\*@|\*\)|%>|\}\}\s*$")
_REASON_LEAD = re.compile(r"^[\s:=\-\u2013\u2014,;]+")


def apply_suppressions(
    findings: Sequence[Finding], repo: Path | None, baseline: str | None, tree: FileIndex | None = None,
) -> tuple[list[Finding], int, list[Finding]]:
    """(kept findings, number suppressed, findings about the suppressions themselves).

    ``tree`` is the audit's file index: inline directives are read from the text the stages
    already read (without it, an index of ``repo`` is built)."""
    accepted = load_baseline(Path(baseline)) if baseline else frozenset()
    after_baseline = [f for f in findings if f.fingerprint not in accepted]
    if repo is None:
        return after_baseline, len(findings) - len(after_baseline), []
    scanner = _InlineScanner(tree if tree is not None else FileIndex(repo))
    kept = [f for f in after_baseline if not scanner.suppresses(f)]
    return kept, len(findings) - len(kept), scanner.reasonless_findings()


# --- baseline -----------------------------------------------------------------------------


def write_baseline(report: Report, path: Path, reason: str = "") -> None:
    """Record the report's findings as accepted; keeps reasons already written for them."""
    previous: dict[str, str] = {}
    if path.is_file() and not path.is_symlink():
        try:
            previous = {e["fingerprint"]: str(e.get("reason", "")) for e in _read_entries(path)}
        except ConfigError:
            previous = {}
    entries: dict[str, dict[str, Any]] = {}
    for f in report.findings:
        if f.stage == "core" or f.fingerprint in entries:
            continue
        where = {k: v for k, v in f.location.to_json().items() if k not in ("line", "end_line", "column")}
        entries[f.fingerprint] = {
            "fingerprint": f.fingerprint,
            "rule_id": f.rule_id,
            "location": where,
            "reason": reason or previous.get(f.fingerprint, ""),
        }
    document = {
        "schema_version": BASELINE_SCHEMA_VERSION,
        "tool": {"name": "pulsecheck", "version": __version__},
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "entries": sorted(entries.values(), key=lambda e: (e["rule_id"], json.dumps(e["location"]),
                                                           e["fingerprint"])),
    }
    # The baseline usually lives in the repository it accepts: never written through a symlink there.
    repo = Path(report.targets.path) if report.targets.path else None
    write_atomic(path, json.dumps(document, indent=2, ensure_ascii=False) + "\n", repo=repo)


def load_baseline(path: Path) -> frozenset[str]:
    """Fingerprints accepted by a baseline (or by a pulsecheck JSON report used as one)."""
    return frozenset(e["fingerprint"] for e in _read_entries(path))


def _read_entries(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: baseline file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read baseline ({type(exc).__name__})") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: line {exc.lineno}: baseline is not valid JSON ({exc.msg})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: baseline must be a JSON object with 'schema_version' and 'entries'")
    key = "entries" if "entries" in data else "findings" if "findings" in data else None
    version = data.get("schema_version")
    if key is None or version is None:
        raise ConfigError(f"{path}: not a pulsecheck baseline (needs 'schema_version' and 'entries')")
    if key == "entries" and (not isinstance(version, int) or version > BASELINE_SCHEMA_VERSION):
        raise ConfigError(f"{path}: schema_version: {version!r} is not supported "
                          f"(this pulsecheck reads up to {BASELINE_SCHEMA_VERSION})")
    items = data[key]
    if not isinstance(items, list):
        raise ConfigError(f"{path}: {key}: must be a list")
    for i, item in enumerate(items):
        fp = item.get("fingerprint") if isinstance(item, dict) else None
        if not isinstance(fp, str) or not re.fullmatch(r"[0-9a-f]{8,128}", fp):
            raise ConfigError(f"{path}: {key}[{i}].fingerprint: missing or not a hex fingerprint")
    return list(items)


# --- inline comments ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Directive:
    """One ``pulsecheck: ignore[...]`` comment."""

    line: int
    """1-based line of the comment itself."""
    target: int
    """The line it applies to: its own, or the next code line when it stands alone."""
    rules: tuple[str, ...]
    reason: str

    def covers(self, rule_id: str) -> bool:
        return any(p == "*" or p == rule_id or (p.endswith("*") and rule_id.startswith(p[:-1]))
                   for p in self.rules)


def parse_directives(text: str) -> list[Directive]:
    """Every inline suppression in a file's text, whatever its comment syntax."""
    if "pulsecheck" not in text.lower():
        return []
    lines = text.splitlines()
    found: list[tuple[int, bool, tuple[str, ...], str]] = []
    for number, line in enumerate(lines, start=1):
        match = _DIRECTIVE.search(line)
        if match is None:
            continue
        rules = tuple(r.strip() for r in match.group(1).split(",") if r.strip())
        reason = _REASON_LEAD.sub("", _CLOSERS.split(match.group(2), maxsplit=1)[0]).strip()
        alone = _LONE_PREFIX.match(line[: match.start()]) is not None
        found.append((number, alone, rules, reason if re.search(r"\w", reason) else ""))
    lone_lines = {number for number, alone, _, _ in found if alone}
    out: list[Directive] = []
    for number, alone, rules, reason in found:
        target = number
        if alone:
            target += 1
            while target in lone_lines:  # stacked suppressions all apply to the code below
                target += 1
        out.append(Directive(line=number, target=target, rules=rules, reason=reason))
    return out


class _InlineScanner:
    """Reads each file with findings once (through the file index) and answers "is this finding
    suppressed here?". The index never follows a symlink nor reads a FIFO, and a path it did not
    list (excluded, ignored, outside the root) has no directives."""

    def __init__(self, tree: FileIndex) -> None:
        self._tree = tree
        self._cache: dict[str, list[Directive]] = {}

    def _directives(self, rel: str) -> list[Directive]:
        if rel not in self._cache:
            self._cache[rel] = self._read(rel)
        return self._cache[rel]

    def _read(self, rel: str) -> list[Directive]:
        entry = self._tree.get(rel)
        if entry is None or entry.size > MAX_SCANNED_BYTES:
            return []
        text = self._tree.text(entry)
        if text is None or "pulsecheck" not in text.lower():
            return []
        return parse_directives(text)

    def suppresses(self, finding: Finding) -> bool:
        loc = finding.location
        if not isinstance(loc, FileLocation) or loc.commit is not None or loc.line is None:
            return False
        last = loc.line if loc.end_line is None else min(loc.end_line, loc.line + _MULTILINE_SPAN)
        return any(d.reason and loc.line <= d.target <= last and d.covers(finding.rule_id)
                   for d in self._directives(loc.path))

    def reasonless_findings(self) -> list[Finding]:
        out: list[Finding] = []
        for rel, directives in sorted(self._cache.items()):
            out.extend(_reasonless(rel, directives))
        return out


def _reasonless(rel: str, directives: Iterable[Directive]) -> list[Finding]:
    out: list[Finding] = []
    seen: dict[str, int] = {}
    for d in directives:
        if d.reason:
            continue
        names = ",".join(d.rules) or "(none)"
        seen[names] = seen.get(names, 0) + 1
        out.append(Finding.from_rule(
            SUPPRESSION_WITHOUT_REASON,
            message=(f"pulsecheck: ignore[{names}] has no reason, so it suppresses nothing; "
                     "write why the finding is accepted after the bracket"),
            location=FileLocation(path=rel, line=d.line, end_line=d.line),
            identity=f"{names}#{seen[names]}",
        ))
    return out
