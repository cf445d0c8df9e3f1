"""The phi stage: patient and personal data committed to the repository or its history.

Findings name the file and line (or row), the identifier kinds and their counts, never the
values. Synthetic data (Synthea, example.org ids, fictional 555 numbers) is still listed,
at low severity, so a reviewer can confirm it is fake.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from pulsecheck.model import FileLocation, Finding, Occurrence, Rule, Severity, Targets
from pulsecheck.saferead import ReadRefused
from pulsecheck.sources.tree import FileEntry, FileIndex
from pulsecheck.sources.workspace import report_tree_skips, tree_for
from pulsecheck.stages.interface import StageContext, StageSkip
from pulsecheck.stages.phi import comments, provenance, structured
from pulsecheck.stages.phi.history import history_findings
from pulsecheck.stages.phi.options import PhiOptions
from pulsecheck.stages.phi.pool import scan_entries
from pulsecheck.stages.phi.rules import rules_by_kind
from pulsecheck.stages.phi.scanfile import FileResult

_DICOM_MAGIC_AT = 128
_KIND_LABEL = {"dob_with_name": "date of birth with name", "icd10_with_name": "ICD-10 code with name"}


def findings_for(rel: str, result: FileResult, commit: str | None = None,
                 reason: str | None = None) -> Iterator[Finding]:
    """One finding per identifier kind; ``reason`` (see :mod:`.provenance`) marks a test or
    example file: every finding low, the reason in the message."""
    rules = rules_by_kind()
    for kind, tally in sorted(result.kinds.items()):
        rule = rules[kind]
        # every occurrence in a comment, or the rest of them synthetic: an example for the code's reader
        why = comments.REASON if reason is None and tally.in_comment and \
            tally.in_comment + tally.synthetic >= tally.count else reason
        synthetic = result.synthetic_file or tally.synthetic * 2 >= tally.count or why is not None
        label = _KIND_LABEL.get(kind, kind.replace("_", " "))
        detail = f" ({', '.join(sorted(tally.details))})" if tally.details else ""
        unit = "rows" if kind == "csv_phi" else "records" if kind in ("fhir_patient", "json_phi") else "occurrences"
        lines = ", ".join(str(n) for n in tally.lines[:5]) + (" ..." if len(tally.lines) > 5 else "")
        where = f"lines {lines}" if kind not in ("csv_phi", "json_phi", "fhir_patient") else "whole file"
        message = f"{tally.count} {unit} of {label}{detail} in {rel} ({where})"
        if why is not None:
            message += provenance.message_suffix(why)
        elif synthetic:
            message += "; looks synthetic (test-data markers), confirm it is not real patient data"
        severity = Severity.LOW if synthetic and rule.severity > Severity.LOW else rule.severity
        yield Finding.from_rule(
            rule, message=message, location=FileLocation(rel, tally.lines[0] if tally.lines else None, commit=commit),
            severity=severity, evidence=f"{kind} x{tally.count}{detail}", identity=kind,
            properties={"kind": kind, "count": tally.count, "synthetic": synthetic,
                        "details": sorted(tally.details)},
            occurrences=[Occurrence(line=n, commit=commit) for n in tally.lines], occurrence_count=tally.count,
        )


GROUP_NOTES_OVER = 3


def _note_grouped(by_message: dict[str, list[str]], note: Callable[[str], None]) -> None:
    """A few files per message one note each ("a.min.js: minified ..."), more as one note with
    the count and the first paths: a front end's forty bundles are one line of the log."""
    for message, paths in by_message.items():
        if len(paths) <= GROUP_NOTES_OVER:
            for rel in paths:
                note(f"{rel}: {message}")
        else:
            note(f"{len(paths)} files: {message}: " + ", ".join(paths[:5]) + (", ..." if len(paths) > 5 else ""))


class PhiStage:
    """Options (``[stages.phi]``): ``history`` (scan git history, default true), ``max_bytes``
    (largest file scanned), ``exclude`` (globs), ``workers`` (processes; 0 = every core, 1 = none)."""

    name = "phi"
    needs = frozenset({"repo", "tree", "history", "profile"})

    def applies(self, targets: Targets) -> bool:
        return targets.path is not None

    def rules(self) -> Sequence[Rule]:
        return tuple(rules_by_kind().values())

    def run(self, ctx: StageContext) -> Iterator[Finding]:
        root = ctx.repo
        if root is None or not root.is_dir():
            raise StageSkip("no repository path to scan")
        opts: PhiOptions = ctx.options
        index = tree_for(ctx.workspace, root, tuple(ctx.settings.exclude))
        report_tree_skips(ctx.workspace, index, ctx.note, ctx.facts)
        entries = index.files(max_bytes=opts.max_bytes, exclude=opts.exclude)
        too_big = [e for e in index.files(exclude=opts.exclude) if e.size > opts.max_bytes]
        if too_big:
            ctx.note(f"{len(too_big)} files over the PHI size limit ({opts.max_bytes} bytes) not scanned: "
                     + ", ".join(e.path for e in too_big[:5]) + (", ..." if len(too_big) > 5 else ""))
        skipped: dict[str, list[str]] = {}  # one note per reason, not per file
        for outcome in scan_entries(index, entries, runtime=ctx.runtime, workers=opts.workers, cancel=ctx.cancel):
            if outcome.result is None:
                message = outcome.note or f"{outcome.rel}: not scanned for PHI"
                prefix = f"{outcome.rel}: "
                skipped.setdefault(message.removeprefix(prefix), []).append(outcome.rel)
                continue
            for message in outcome.result.notes:
                skipped.setdefault(message, []).append(outcome.rel)
            entry = index.get(outcome.rel)
            yield from findings_for(outcome.rel, outcome.result, reason=provenance.not_patient_reason(
                outcome.rel, test=entry.test if entry is not None else None))
        _note_grouped(skipped, ctx.note)
        if ctx.cancel.is_set():
            return
        yield from self._dicom(index, index.files(kinds=("binary",), exclude=opts.exclude), ctx)
        if opts.history:
            yield from history_findings(ctx.workspace.history if ctx.workspace is not None else None, index,
                                        ctx.runtime, exclude=(*ctx.settings.exclude, *opts.exclude),
                                        workers=opts.workers, cancel=ctx.cancel, note=ctx.note, gap=ctx.gap)

    def _dicom(self, index: FileIndex, binaries: list[FileEntry], ctx: StageContext) -> Iterator[Finding]:
        """DICOM files (by name, or by the ``DICM`` magic after the 128-byte preamble)."""
        for entry in binaries:
            if not entry.path.lower().endswith((".dcm", ".dicom")):
                try:
                    head = index.head(entry, _DICOM_MAGIC_AT + 4)
                except ReadRefused:
                    continue
                if head[_DICOM_MAGIC_AT:] != b"DICM":
                    continue
            tags = structured.dicom_patient(index.abs_path(entry))
            if tags is None:
                ctx.note(f"{entry.path}: looks like DICOM but could not be parsed")
                continue
            if tags:
                result = FileResult()
                t = result.tally("dicom_patient")
                t.add(1)
                t.details |= set(tags)
                reason = provenance.not_patient_reason(entry.path, test=entry.test) or \
                    provenance.package_data_reason(entry.path, lambda rel: index.get(rel) is not None) or \
                    structured.dicom_anonymised(index.abs_path(entry))
                yield from findings_for(entry.path, result, reason=reason)
