"""Class 9: denial of service from config and content.

A 12 KB YAML alias bomb in ``pnpm-lock.yaml`` is refused with a note; ``allOf`` aliases in an
OpenAPI file are visited once; requirements files that ``-r`` and ``-c`` each other are each
parsed once (2^N otherwise); a FIFO named ``requirements.txt`` does not block. Uncapped worker
counts and backtracking regexes from config belong to the config area.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from pulsecheck import safeyaml
from pulsecheck.stages.deps.parsers import scan
from pulsecheck.stages.profile.datamap import openapi

from .kit import pulsecheck, write


def alias_bomb(levels: int = 12, width: int = 9) -> str:
    lines = ["lockfileVersion: '6.0'", 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    lines.append(f"packages: *a{levels - 1}")
    return "\n".join(lines) + "\n"


@pytest.mark.timeout(120)
def test_yaml_alias_bomb_in_pnpm_lock_is_refused(tmp_path: Path) -> None:
    repo = write(tmp_path / "repo", {"pnpm-lock.yaml": alias_bomb()})
    result = scan(repo)
    assert any("pnpm-lock.yaml" in p and "alias" in p for p in result.problems), result.problems
    assert any("pnpm-lock.yaml" in g for g in result.gaps)


def test_safe_yaml_refuses_recursion_and_depth() -> None:
    for text in ("a: &x [1, *x]", "[" * 100_000 + "]" * 100_000, alias_bomb()):
        with pytest.raises(safeyaml.YamlLimitError):
            safeyaml.load(text)
    assert safeyaml.load("a: &x {b: 1}\nc: *x\n") == {"a": {"b": 1}, "c": {"b": 1}}


@pytest.mark.timeout(120)
def test_openapi_allof_shared_parts_are_visited_once() -> None:
    part: dict[str, Any] = {"properties": {"ssn": {"type": "string"}}}
    for _ in range(60):  # 2^60 walks if each allOf part were visited per reference
        part = {"allOf": [part, part]}
    cycle: dict[str, Any] = {"allOf": []}
    cycle["allOf"].append(cycle)
    doc = {"openapi": "3.0.0", "components": {"schemas": {"Patient": part, "Loop": cycle}}}
    tables = {t.name: t for t in openapi.parse_api_document("api.yaml", doc)}
    assert [c.name for c in tables["Patient"].columns] == ["ssn"]
    assert tables["Loop"].columns == []


@pytest.mark.timeout(120)
def test_requirements_that_include_each_other_are_parsed_once(tmp_path: Path) -> None:
    n = 40
    files: dict[str, str | bytes] = {}
    for i in range(n):
        includes = f"-r req{i + 1}.txt\n-c req{i + 1}.txt\n" if i + 1 < n else "-r requirements.txt\n"
        files["requirements.txt" if i == 0 else f"req{i}.txt"] = includes + f"pkg{i}==1.{i}\n"
    result = scan(write(tmp_path / "repo", files))
    assert {p.name for p in result.packages} == {f"pkg{i}" for i in range(n)}


@pytest.mark.timeout(120)
def test_a_fifo_named_requirements_txt_does_not_block(tmp_path: Path) -> None:
    repo = write(tmp_path / "repo", {"app.py": "x = 1\n"})
    os.mkfifo(repo / "requirements.txt")
    result = scan(repo)
    assert any("requirements.txt" in p and "FIFO" in p for p in result.problems), result.problems


@pytest.mark.timeout(300)
def test_config_cannot_start_48_workers_or_backtrack(tmp_path: Path) -> None:
    repo = write(tmp_path / "repo", {
        "a.txt": "a" * 40 + "!\n",
        "pulsecheck.toml": '[stages.phi]\nworkers = 48\n[stages.secrets.allowlist]\nregexes = ["(a+)+$"]\n',
    })
    out = tmp_path / "report.json"
    run = pulsecheck("audit", str(repo), "--stage", "phi", "--stage", "secrets", "-f", "json", "-o", str(out),
                     cwd=tmp_path, report=out)
    assert run.report is not None
    assert "(a+)+$" in run.stderr or any("allowlist" in str(s) for s in run.report["stages"]) or \
        run.report.get("config_effects"), "a backtracking allowlist was accepted silently"
