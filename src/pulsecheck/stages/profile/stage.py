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
from pulsecheck.stages.profile.stack import StackScanner

VENDORED = ("*node_modules/*", ".venv/*", "venv/*", "*/.venv/*", "*site-packages/*", "vendor/*",
            "*/vendor/*", "*bower_components/*", ".tox/*", "*.min.js", "dist/*", "build/*")
MAX_BYTES = 2_000_000


def build_profile(root: Path, *, exclude: Sequence[str] = (), note: Callable[[str], None] = lambda _m: None,
                  max_bytes: int = MAX_BYTES) -> dict[str, Any]:
    """Profile facts for a directory (library entry point, also used by ``pulsecheck profile``)."""
    stack = StackScanner(note)
    datamap = DataMapBuilder(note)
    docs: dict[str, str] = {}
    for sf in iter_files(root, exclude=(*VENDORED, *exclude), max_bytes=max_bytes):
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

    def applies(self, targets: Targets) -> bool:
        return targets.path is not None

    def rules(self) -> Sequence[Rule]:
        return (RULE,)

    def run(self, ctx: StageContext) -> Iterator[Finding]:
        if ctx.repo is None or not ctx.repo.is_dir():
            raise StageSkip("no repository path to profile")
        exclude = tuple(ctx.settings.exclude) + tuple(ctx.options.get("exclude", ()))
        facts = build_profile(ctx.repo, exclude=exclude, note=ctx.note,
                              max_bytes=int(ctx.options.get("max_bytes", MAX_BYTES)))
        ctx.facts.update(facts)
        yield from colocation_findings(facts["data_map"], facts["stack"])
