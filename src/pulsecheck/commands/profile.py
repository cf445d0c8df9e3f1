"""``pulsecheck profile PATH``: the stack, app kind and data map of a repository, alone."""

from __future__ import annotations

import enum
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from pulsecheck.stages.profile.colocation import colocation_findings
from pulsecheck.stages.profile.stage import profile_directory
from pulsecheck.textsafe import one_line


class ProfileFormat(enum.StrEnum):
    JSON = "json"
    TEXT = "text"


def _text(facts: dict[str, Any], findings: list[dict[str, Any]]) -> str:
    lines = []
    kind = facts["app_kind"]
    lines.append(f"App kind: {kind['kind']} ({kind['label']})")
    lines += [f"  - {one_line(e)}" for e in kind["evidence"]]
    stack = facts["stack"]
    langs = ", ".join(f"{lang['name']} {lang['share']:.0%}" for lang in stack["languages"][:6])
    lines.append(f"Languages: {langs or '-'}")
    for group, items in stack.items():
        if group in ("languages", "database_instances") or not items:
            continue
        lines.append(f"{group.replace('_', ' ').capitalize()}: " +
                     "; ".join(f"{i['name']} ({one_line(i['evidence'])})" for i in items))
    lines.append("Data map:")
    for table in facts["data_map"]["tables"]:
        if not table["fields"]:
            continue
        fields = ", ".join(f"{one_line(f['name'])}={f['kind']}" for f in table["fields"])
        lines.append(f"  {one_line(table['name'])} [{one_line(table['store'])}] {one_line(table['path'])}: {fields}")
    for res in facts["data_map"]["fhir_resources"]:
        lines.append(f"  FHIR {res['type']} ({res['category']}) {one_line(res['path'])}")
    for f in findings:
        lines.append(f"FINDING {f['rule_id']} [{f['severity']}]: {one_line(f['message'])}")
    return "\n".join(lines) + "\n"


def register(app: typer.Typer) -> None:
    @app.command("profile")
    def profile(
        path: Annotated[Path, typer.Argument(help="Repository to profile.")],
        fmt: Annotated[ProfileFormat, typer.Option("--format", "-f", help="json or text.")] = ProfileFormat.TEXT,
    ) -> None:
        """Stack, app kind and data map (personal and medical fields per table and store)."""
        if not path.is_dir():
            typer.echo(f"pulsecheck: error: {one_line(str(path))}: not a directory", err=True)
            raise typer.Exit(2)
        notes: list[str] = []
        facts = profile_directory(path.resolve(), note=notes.append)
        findings = [f.to_json() for f in colocation_findings(facts["data_map"], facts["stack"])]
        for message in notes:
            typer.echo(f"pulsecheck: note: {one_line(message)}", err=True)
        if fmt is ProfileFormat.JSON:
            sys.stdout.write(json.dumps({**facts, "findings": findings, "notes": notes}, indent=2) + "\n")
        else:
            sys.stdout.write(_text(facts, findings))
