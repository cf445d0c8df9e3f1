"""The profile stage: what the app is (stack, kind) and what personal/medical data it stores.

It runs first; the engine hands ``ctx.facts`` (``stack``, ``app_kind``, ``data_map``) to every
later stage as ``ctx.profile`` and into ``Report.profile``. The only finding it makes is the
identity/medical co-location check, derived from the data map.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from pulsecheck.knowledge.facts import ProfileFacts
from pulsecheck.model import Finding, Rule, Targets
from pulsecheck.sources.exclude import is_excluded
from pulsecheck.sources.filetypes import is_vendored
from pulsecheck.sources.tree import FileIndex, Skip
from pulsecheck.sources.workspace import Workspace, report_tree_skips, tree_for
from pulsecheck.stages.interface import StageContext, StageSkip
from pulsecheck.stages.profile.appkind import DOC_FILE, classify_app
from pulsecheck.stages.profile.colocation import RULE, colocation_findings
from pulsecheck.stages.profile.datamap.build import DataMapBuilder
from pulsecheck.stages.profile.options import MAX_BYTES, ProfileOptions
from pulsecheck.stages.profile.ownership import installed_package_dirs, is_sample, under
from pulsecheck.stages.profile.stack import StackScanner

# Skipped files worth a note: ones the data map or the stack would have read (a 1 GB dump named
# schema.sql, a binary called openapi.json); a skipped image or archive is not news.
_NOTED_SKIPS = (".py", ".prisma", ".sql", ".json", ".yaml", ".yml", ".graphql", ".gql", ".rb", ".java", ".kt",
                ".ts", ".js", ".toml", ".txt", ".xml", ".gradle", ".mod")


def build_profile(root: Path, *, exclude: Sequence[str] = (), note: Callable[[str], None] = lambda _m: None,
                  max_bytes: int = MAX_BYTES, tree: FileIndex | None = None) -> dict[str, Any]:
    """Profile facts for a directory (library entry point, also used by ``pulsecheck profile``).

    ``tree`` is the audit's file index (its text is shared with the other stages); without one
    a new index of ``root`` is built. Vendored trees (``node_modules``, ``.venv``...) are not read,
    nor directories of installed packages (``*.dist-info`` beside them: a ``site-packages``
    scanned as the root).
    """
    index = tree if tree is not None else FileIndex(root)
    stack = StackScanner(note)
    datamap = DataMapBuilder(note)
    docs: dict[str, str] = {}
    own_code: list[str] = []
    skipped: list[Skip] = []
    for skip in index.skipped:
        _note_skip(skip, exclude, skipped.append)
    entries = index.files(exclude=exclude)
    installed = installed_package_dirs(e.path for e in entries)
    if installed:
        third_party = [e for e in entries if under(e.path, installed)]
        note(f"{len(third_party)} files of installed third-party packages not profiled (in "
             + ", ".join(sorted(d or "." for d in installed)[:3]) + ": *.dist-info metadata beside them)")
        entries = [e for e in entries if not under(e.path, installed)]
    for entry in entries:
        if entry.size > max_bytes:
            _note_skip(Skip(entry.path, f"larger than {max_bytes} bytes ({entry.size})"), (), skipped.append)
            continue
        text = index.text(entry)
        if text is None:
            note(f"{entry.path}: unreadable (changed since the walk)")
            continue
        sample = entry.test or is_sample(entry.path)
        if not sample and entry.role == "code":
            own_code.append(entry.path)
        stack.add(entry.path, entry.size, text, own=not sample)
        datamap.add(entry.path, text, test=entry.test)
        if DOC_FILE.search(entry.path) and entry.path.count("/") <= 2 and not sample:
            docs[entry.path] = text[:200_000]
    _note_skips(skipped, note)
    stack_facts = stack.facts()
    data_map = datamap.build()
    app_kind = classify_app(docs, datamap.domain_map(data_map), stack_facts, own_code)
    return ProfileFacts.of(stack_facts, app_kind, data_map).to_json()


def _note_skip(skip: Skip, exclude: Sequence[str], keep: Callable[[Skip], None]) -> None:
    if skip.path.lower().endswith(_NOTED_SKIPS) and not is_vendored(skip.path) and not is_excluded(skip.path, exclude):
        keep(skip)


MAX_SKIP_NOTES = 5


def _note_skips(skipped: Sequence[Skip], note: Callable[[str], None]) -> None:
    """A few skipped files one note each; more as one note with the count per reason and the
    first paths, so a tree of hundreds of oversized bundles is one line, not hundreds."""
    if len(skipped) <= MAX_SKIP_NOTES:
        for skip in skipped:
            note(f"{skip.path}: not read ({skip.reason})")
        return
    reasons = Counter(re.sub(r"\s*\(.*\)$", "", s.reason) for s in skipped)
    note(f"{len(skipped)} model, schema or code files not read by the profile ("
         + ", ".join(f"{n} {r}" for r, n in reasons.most_common(4)) + "): "
         + ", ".join(s.path for s in skipped[:MAX_SKIP_NOTES]) + ", ...")


def profile_directory(root: Path, note: Callable[[str], None] = lambda _m: None) -> dict[str, Any]:
    """``pulsecheck profile PATH``: the profile of a directory through its own workspace."""
    workspace = Workspace.for_directory(root)
    assert workspace.tree is not None
    return build_profile(root, note=note, tree=workspace.tree)


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
        index = tree_for(ctx.workspace, ctx.repo, tuple(ctx.settings.exclude))
        # the typed list of skipped files is the report's ``inputs`` (the engine's); in the
        # profile's facts it was a second copy of it (1.3 MB of a 3.5 MB report on gaiaehr)
        report_tree_skips(ctx.workspace, index, ctx.note, {})
        facts = build_profile(ctx.repo, exclude=opts.exclude, note=ctx.note, max_bytes=opts.max_bytes, tree=index)
        ctx.facts.update(facts)
        yield from colocation_findings(facts["data_map"], facts["stack"])
