"""The profile stage: what the app is (stack, kind) and what personal/medical data it stores.

It runs first; the engine hands ``ctx.facts`` (``stack``, ``app_kind``, ``data_map``) to every
later stage as ``ctx.profile`` and into ``Report.profile``. The only finding it makes is the
identity/medical co-location check, derived from the data map.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from pulsecheck.model import Finding, Rule, Targets
from pulsecheck.sources.worktree import iter_files, read_text
from pulsecheck.stages.interface import StageContext, StageSkip
from pulsecheck.stages.profile.appkind import DOC_FILE, classify_app
from pulsecheck.stages.profile.colocation import RULE, colocation_findings
from pulsecheck.stages.profile.datamap.build import DataMapBuilder
from pulsecheck.stages.profile.options import MAX_BYTES, ProfileOptions
from pulsecheck.stages.profile.stack import StackScanner

VENDORED = ("*node_modules/*", ".venv/*", "venv/*", "*/.venv/*", "*site-packages/*", "vendor/*",
            "*/vendor/*", "*bower_components/*", ".tox/*", "*.min.js", "dist/*", "build/*")
# Skipped files worth a note: ones the data map or the stack would have read (a 1 GB dump named
# schema.sql, a binary called openapi.json); a skipped image or archive is not news.
_NOTED_SKIPS = (".py", ".prisma", ".sql", ".json", ".yaml", ".yml", ".graphql", ".gql", ".rb", ".java", ".kt",
                ".ts", ".js", ".toml", ".txt", ".xml", ".gradle", ".mod")


def build_profile(root: Path, *, exclude: Sequence[str] = (), note: Callable[[str], None] = lambda _m: None,
                  max_bytes: int = MAX_BYTES) -> dict[str, Any]:
    """Profile facts for a directory (library entry point, also used by ``pulsecheck profile``)."""
    stack = StackScanner(note)
    datamap = DataMapBuilder(note)
    docs: dict[str, str] = {}

    def skipped(rel: str, reason: str) -> None:
        if rel.lower().endswith(_NOTED_SKIPS):
            note(f"{rel}: not read ({reason})")

    for sf in iter_files(root, exclude=(*VENDORED, *exclude), max_bytes=max_bytes, on_skip=skipped):
        try:
            text = read_text(sf)
        except OSError as exc:
            note(f"{sf.path}: unreadable ({exc.strerror or exc})")
            continue
        stack.add(sf.path, sf.size, text)
        datamap.add(sf.path, text)
        if DOC_FILE.search(sf.path) and sf.path.count("/") <= 2:
            docs[sf.path] = text[:200_000]
    stack_facts = stack.facts()
    data_map = datamap.build()
    return {"stack": stack_facts, "app_kind": classify_app(docs, data_map, stack_facts), "data_map": data_map}


class ProfileStage:
    name = "profile"
    needs = frozenset({"repo", "tree"})
    provides = frozenset({"profile"})

    def applies(self, targets: Targets) -> bool:
        return targets.path is not None

    def rules(self) -> Sequence[Rule]:
        return (RULE,)

    def run(self, ctx: StageContext) -> Iterator[Finding]:
        if ctx.repo is None or not ctx.repo.is_dir():
            raise StageSkip("no repository path to profile")
        opts: ProfileOptions = ctx.options
        exclude = tuple(ctx.settings.exclude) + opts.exclude
        facts = build_profile(ctx.repo, exclude=exclude, note=ctx.note,
                              max_bytes=opts.max_bytes)
        ctx.facts.update(facts)
        yield from colocation_findings(facts["data_map"], facts["stack"])
