"""The terminal summary at the scale of a real repository (issue 11): one file's findings of one
kind are one top row whether seen in the working tree, in commits or both; the counts it prints
agree with each other."""

from __future__ import annotations

import dataclasses
import re

from pulsecheck.model import Confidence, FileLocation, Finding, Report, Severity
from pulsecheck.reporters import terminal


def _phi(path: str, commit: str | None, kind: str = "email", severity: Severity = Severity.LOW) -> Finding:
    return Finding(rule_id="phi.email-in-file", stage="phi", title="E-mail addresses in a data or log file",
                   severity=severity, confidence=Confidence.MEDIUM, message=f"{kind} in {path}",
                   location=FileLocation(path, 9, commit=commit), identity=kind)


def _top(report: Report) -> list[str]:
    text = terminal.render(report)
    return text[text.index("Top findings:"):].split("\n\n", 1)[0].splitlines()[1:]


def test_one_file_in_the_tree_and_in_commits_is_one_row(report: Report) -> None:
    same = [_phi("app/data/options.json", None), _phi("app/data/options.json", "a" * 40),
            _phi("app/data/options.json", "b" * 40)]
    other = [_phi("lib/schema/cda.xsl", None), _phi("lib/schema/cda.xsl", "c" * 40, kind="phone")]
    top = _top(dataclasses.replace(report, findings=(*report.findings, *same, *other)))
    rows = [r for r in top if "options.json" in r]
    assert len(rows) == 1, top
    assert "(working tree and git history, 2 commit(s))" in rows[0]
    assert len([r for r in top if "cda.xsl" in r]) == 2  # another kind is another row


def test_the_more_line_counts_every_finding_not_shown(report: Report) -> None:
    many = [_phi(f"data/export{i}.csv", c) for i in range(30) for c in (None, "d" * 40)]
    full = dataclasses.replace(report, findings=(*report.findings, *many))
    top = _top(full)
    shown_rows = [r for r in top if not r.strip().startswith("...")]
    assert len(shown_rows) == terminal.TOP
    more = re.search(r"\.\.\. and (\d+) more", "\n".join(top))
    assert more
    grouped = sum(2 if "export" in r else 1 for r in shown_rows)
    assert int(more.group(1)) == len(full.findings) - grouped
    text = terminal.render(full)
    assert f"Findings: {len(full.findings)} " in text
    by_stage = re.search(r"By stage: (.*)", text)
    assert by_stage and sum(int(n) for n in re.findall(r" (\d+)", " " + by_stage.group(1))) == len(full.findings)
