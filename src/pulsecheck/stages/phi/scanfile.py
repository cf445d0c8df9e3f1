"""Scan one file (streamed in line-aligned chunks) or one history chunk into per-kind tallies.

Memory stays flat whatever the file size: text is read ``CHUNK`` bytes at a time, cut at a
newline, scanned, and dropped; only counts and the first line numbers are kept.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from pulsecheck.stages.phi import columns, comments, csvexport, detect, sqlcontext, structured

CHUNK = 4 * 1024 * 1024
JSON_PARSE_LIMIT = 64 * 1024 * 1024
MAX_LINES_KEPT = 10_000
"""Lines kept per kind and file: each becomes an occurrence of the finding (the count keeps the rest)."""
CODE_EXT = (".py", ".js", ".ts", ".tsx", ".jsx", ".java", ".kt", ".go", ".rb", ".php", ".cs", ".swift", ".rs",
            ".c", ".h", ".cpp", ".scala", ".dart", ".vue", ".html", ".css", ".scss", ".sh", ".toml", ".lock",
            ".gradle", ".xml", ".tf", ".yml", ".yaml", ".cfg", ".ini", ".mod", ".sum")
_CONTACT_KINDS = {"email", "phone"}
_MANIFESTS = ("package.json", "pyproject.toml", "setup.py", "setup.cfg", "authors", "codeowners", ".mailmap",
              "changelog", "license", "contributors", "maintainers", "notice", "composer.json", "pom.xml",
              "cargo.toml", "gemspec", "package-lock.json", "yarn.lock", "pnpm-lock.yaml", "poetry.lock",
              "uv.lock", "gemfile.lock", "go.sum", "security.md", "readme.md")


LOCKFILES = {"package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "poetry.lock", "uv.lock",
             "pipfile.lock", "pdm.lock", "cargo.lock", "gemfile.lock", "composer.lock", "go.sum", "podfile.lock",
             "pubspec.lock", "mix.lock", "packages.lock.json", "gradle.lockfile", "bun.lock"}
_MINIFIABLE = (".js", ".mjs", ".cjs", ".css", ".map")
GLYPHS = (".svg", ".svgz", ".eot", ".ttf", ".otf", ".woff", ".woff2", ".afm", ".pfa", ".bdf")
"""Vector graphics and fonts: path data is runs of digits (card- and phone-shaped), never people."""
# JSON whose objects are metadata, not records: package manifests, schemas, SBOMs, editor and
# build configuration, web app manifests.
_METADATA_JSON = re.compile(r"(?:^|/)(?:package|bower|composer|component|jsr|deno|lerna|nx|project|tsconfig[\w.-]*|"
                            r"jsconfig|manifest|app|angular|firebase|vercel|renovate|\.?eslintrc|\.?babelrc|"
                            r"installed|\.?prettierrc)\.json$|\.schema\.json$|(?:^|/)schemas?/|"
                            r"\.(?:cdx|cyclonedx|spdx|sbom)\.json$|(?:^|/)sboms?/|\.dist-info/|\.egg-info/|"
                            r"(?:^|/)\.(?:vscode|idea|devcontainer)/")
# Translation catalogues: UI strings keyed by message id ("PATIENT_NAME": "Nom du patient").
_CATALOGUE = re.compile(r"(?:^|/)(?:i18n|l10n|locales?|langs?|languages?|translations?|nls|intl)(?:/|$)|"
                        r"(?:^|/|[._-])(?:i18n|l10n|locale|translations?|messages)(?:[._-][\w-]+)?\.json$|"
                        r"(?:^|/)[a-z]{2}(?:[_-][a-z]{2,4})?\.json$")
MINIFIED_LINE = 1000  # mean line length (chars) above which code is minified or generated


def _minified(head: str) -> bool:
    """Minified bundles and source maps: a few huge lines of code, never hand-written data."""
    sample = head[:256 * 1024]
    return len(sample) >= 4 * MINIFIED_LINE and len(sample) / (sample.count("\n") + 1) > MINIFIED_LINE


@dataclass
class Tally:
    count: int = 0
    lines: list[int] = field(default_factory=list)
    synthetic: int = 0
    details: set[str] = field(default_factory=set)
    in_comment: int = 0  # occurrences inside a comment or docstring of a source file

    def add(self, line: int, synthetic: bool = False, n: int = 1, in_comment: bool = False) -> None:
        self.count += n
        self.synthetic += n if synthetic else 0
        self.in_comment += n if in_comment else 0
        if len(self.lines) < MAX_LINES_KEPT:
            self.lines.append(line)


@dataclass
class FileResult:
    kinds: dict[str, Tally] = field(default_factory=dict)
    synthetic_file: bool = False
    notes: list[str] = field(default_factory=list)

    def tally(self, kind: str) -> Tally:
        return self.kinds.setdefault(kind, Tally())


def _chunks(fh: BinaryIO, start: int = 0, end: int | None = None, cr_only: bool = False) -> Iterator[str]:
    """Text of bytes ``[start, end)`` in pieces cut after a newline (never inside a UTF-8
    sequence); strict decoding raises ``UnicodeDecodeError`` for a binary in disguise.

    ``cr_only``: the file ends its lines with a bare CR (classic Mac OS exports): each CR is read
    as a newline, so pieces stay bounded and line numbers count its lines."""
    fh.seek(start)
    left = sys.maxsize if end is None else end - start
    rest = b""
    while left > 0:
        block = fh.read(min(CHUNK, left))
        if not block:
            break
        left -= len(block)
        if cr_only:
            block = block.replace(b"\r", b"\n")
        block = rest + block
        cut = block.rfind(b"\n")
        if cut < 0:
            rest = block
            continue
        rest = block[cut + 1:]
        yield block[:cut + 1].decode("utf-8")
    if rest:
        yield rest.decode("utf-8")


def scan_text_into(result: FileResult, text: str, first_line: int, context: str = "",
                   in_comment: Callable[[int], bool] | None = None,
                   ssn_context: Callable[[int], bool] | None = None) -> None:
    """Tally the identifiers of ``text``; ``in_comment(offset)`` marks those in a source file's
    comments, ``ssn_context(offset)`` (SQL files) says whether an SSN column or word is near."""
    hits = detect.scan(text, context, ssn_context=ssn_context)
    if not hits:
        return
    hits.sort(key=lambda h: h.offset)
    line, pos = first_line, 0
    for h in hits:
        line += text.count("\n", pos, h.offset)
        pos = h.offset
        result.tally(h.kind).add(line, h.synthetic, in_comment=in_comment is not None and in_comment(h.offset))


@dataclass(frozen=True, slots=True)
class Head:
    """What the start of a file decides for all of it (every part of a split file reads it)."""

    skip: str | None = None
    header: str = ""  # a CSV's header line: context for every row
    synthetic: bool = False
    json_head: str = ""  # start of a .json, to see "extra data" without loading the file
    comment_syntax: tuple[str, ...] = ()  # comment openers of a source file's language
    sql: bool = False  # an SQL script or dump: SSN-shaped numbers need an SSN column or word
    cr_only: bool = False  # lines end with a bare CR (no LF in the first block)


_LINE_END = re.compile(r"[\r\n]")  # CR-only line endings (old Mac exports) end a header too


def read_head(path: Path, rel: str) -> Head:
    lower = rel.lower()
    if lower.rsplit("/", 1)[-1] in LOCKFILES:
        return Head(skip="lockfile (dependency metadata only), not scanned for PHI")
    if lower.endswith(GLYPHS):
        return Head(skip="vector graphics or font (path data), not scanned for PHI")
    with path.open("rb") as fh:
        block = fh.read(CHUNK)
    cut = block.rfind(b"\n")
    text = (block[:cut + 1] if cut >= 0 and len(block) == CHUNK else block).decode("utf-8", "replace")
    if lower.endswith(_MINIFIABLE) and _minified(text):
        return Head(skip="minified or generated code, not scanned for PHI")
    return Head(header=_LINE_END.split(text, maxsplit=1)[0] if lower.endswith((".csv", ".tsv")) else "",
                synthetic=detect.is_synthetic(text[:200_000]), json_head=text if lower.endswith(".json") else "",
                comment_syntax=comments.syntax_for(lower), sql=lower.endswith(".sql"),
                cr_only=b"\r" in block and b"\n" not in block)


def scan_values(path: Path, head: Head, result: FileResult, start: int = 0, end: int | None = None) -> int:
    """Value detectors and HL7 PID segments over bytes ``[start, end)`` (line-aligned), line
    numbers counted from ``start``; returns the number of newlines read."""
    line = 1
    context = head.header.lower()
    dense = columns.plan(head.header) if head.header else None
    with path.open("rb") as fh:
        for chunk in _chunks(fh, start, end, head.cr_only):
            found = comments.spans(chunk, head.comment_syntax)
            if dense is None or not columns.scan_chunk(chunk, line, dense, result, context):
                scan_text_into(result, chunk, line, context, comments.membership(found),
                               sqlcontext.ssn_context(chunk) if head.sql else None)
            if "PID|" in chunk:
                _hl7(result, chunk, line, found)
            line += chunk.count("\n")
    return line - 1


def _hl7(result: FileResult, chunk: str, line: int, found: list[tuple[int, int]]) -> None:
    """HL7 PID segments; those in comments (a sample message in code) are counted as such."""
    n, first, kinds = structured.hl7_pids(chunk)
    if n:
        outside = structured.hl7_pids(comments.blank(chunk, found))[0] if found else n
        t = result.tally("hl7_pid")
        t.add(line + (first or 1) - 1, result.synthetic_file, n)
        t.in_comment += n - outside
        t.details |= set(kinds)


def scan_structure(path: Path, rel: str, head: Head, result: FileResult) -> None:
    """Exports recognised by structure: CSV header columns, JSON records and FHIR resources."""
    lower = rel.lower()
    if head.header:
        try:
            csvexport.count_rows(path, rel, head.header, result)
        except csv.Error as exc:  # one odd CSV is a note naming it, never a dead stage
            result.notes.append(f"CSV not parsable ({str(exc)[:80]}); values scanned, rows not counted")
    elif lower.endswith((".json", ".ndjson", ".jsonl")) and path.stat().st_size <= JSON_PARSE_LIMIT \
            and not metadata_json(lower):
        _json(path, lower, result, head.json_head)


def metadata_json(lower: str) -> bool:
    """A manifest, schema, SBOM, configuration or translation catalogue: JSON that is not an export."""
    return _METADATA_JSON.search(lower) is not None or _CATALOGUE.search(lower) is not None


def drop_lone_contacts(rel: str, result: FileResult) -> None:
    """Maintainer e-mails and phones in code and manifests are not patient data on their own."""
    lower = rel.lower()
    if (lower.endswith(CODE_EXT) or lower.rsplit("/", 1)[-1] in _MANIFESTS) and \
            not set(result.kinds) - _CONTACT_KINDS:
        for kind in _CONTACT_KINDS:
            result.kinds.pop(kind, None)


def scan_file(path: Path, rel: str) -> FileResult:
    """Value detectors over the whole file plus the structure detectors its type calls for.

    Raises ``UnicodeDecodeError`` for a file that is not UTF-8 text (a binary in disguise)."""
    head = read_head(path, rel)
    result = FileResult(synthetic_file=head.synthetic)
    if head.skip:
        result.notes.append(head.skip)
        return result
    scan_values(path, head, result)
    scan_structure(path, rel, head, result)
    drop_lone_contacts(rel, result)
    return result


_JSON_WS = " \t\n\r"


def _extra_data(head: str) -> json.JSONDecodeError | None:
    """The error ``json.loads`` would raise for the whole file, when its first chunk already
    shows one document followed by more (JSON lines in a ``.json``): no need to load it all."""
    start = len(head) - len(head.lstrip(_JSON_WS))
    try:
        _, end = json.JSONDecoder().raw_decode(head, start)
    except (ValueError, RecursionError):
        return None  # a syntax error, a document longer than the chunk, too deep: parse the file
    rest = head[end:].lstrip(_JSON_WS)
    return json.JSONDecodeError("Extra data", head, len(head) - len(rest)) if rest else None


def _json(path: Path, lower: str, result: FileResult, head: str) -> None:
    if not lower.endswith((".ndjson", ".jsonl")) and (exc := _extra_data(head)) is not None:
        result.notes.append(f"malformed JSON ({str(exc)[:80]}); values scanned, structure not checked")
        return
    text = path.read_text(encoding="utf-8")
    try:
        docs = [json.loads(ln) for ln in text.splitlines() if ln.strip()] if lower.endswith((".ndjson", ".jsonl")) \
            else [json.loads(text)]
        records = [r for d in docs for r in structured.json_records(d)]
        _json_records(records, result)
    except ValueError as exc:
        result.notes.append(f"malformed JSON ({str(exc)[:80]}); values scanned, structure not checked")
    except RecursionError:
        result.notes.append("JSON nested too deeply to parse; values scanned, structure not checked")


def _json_records(records: list[Any], result: FileResult) -> None:
    n, kinds, synthetic = structured.fhir_patients(records)
    if n:
        t = result.tally("fhir_patient")
        t.add(1, synthetic or result.synthetic_file, n)
        t.details |= set(kinds)
    count, keys = structured.json_phi(records)
    if count:
        t = result.tally("json_phi")
        t.add(1, result.synthetic_file, count)
        t.details |= set(keys)
