"""One secrets scan of a directory: working tree, staged changes and/or full history.

Used by the audit stage and by ``pulsecheck secrets scan``. It never raises for a bad input
file or a git failure: skipped files go to ``note`` and holes in coverage go to ``gap``, so an
incomplete scan can never look clean.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path

from pulsecheck.model import Finding
from pulsecheck.options import compile_re2
from pulsecheck.runtime import StageRuntime
from pulsecheck.runtime.cpu import usable_cpus
from pulsecheck.sources.exclude import is_excluded
from pulsecheck.sources.git_history import Repository
from pulsecheck.sources.history import History, history_and_runtime
from pulsecheck.sources.tree import FileIndex
from pulsecheck.sources.workspace import Workspace, report_tree_skips
from pulsecheck.stages.secrets.context import third_party_dirs
from pulsecheck.stages.secrets.findings import (
    DEFAULT_SALT,
    Occurrence,
    build_findings,
    display_path,
    plausible,
)
from pulsecheck.stages.secrets.gitleaks import load_gitleaks_config
from pulsecheck.stages.secrets.history import default_workers, scan_history, scan_staged
from pulsecheck.stages.secrets.matcher import Allowlist, Scanner
from pulsecheck.stages.secrets.options import SecretsOptions
from pulsecheck.stages.secrets.rules import RuleError, SecretRule, builtin_rules
from pulsecheck.stages.secrets.tree import scan_entries


@dataclass
class ScanStats:
    files: int = 0
    file_bytes: int = 0
    patch_bytes: int = 0
    skipped: int = 0
    notes: list[str] = field(default_factory=list)
    third_party: frozenset[str] = frozenset()  # :func:`.context.third_party_dirs` of the tree


def build_scanner(opts: SecretsOptions, root: Path, note: Callable[[str], None]) -> Scanner:
    rules: list[SecretRule] = list(builtin_rules())
    allow = Allowlist(regexes=tuple(compile_re2(r) for r in opts.allow_regexes),
                      stopwords=tuple(w.lower() for w in opts.allow_stopwords), paths=opts.allow_paths)
    if opts.gitleaks_config:
        cfg_path = Path(opts.gitleaks_config)
        if not cfg_path.is_absolute() and not cfg_path.exists():
            cfg_path = root / cfg_path
        try:
            cfg = load_gitleaks_config(cfg_path)
        except RuleError as exc:
            note(str(exc))
        else:
            rules.extend(cfg.rules)
            for s in cfg.skipped:
                note(s)
            allow = Allowlist(regexes=allow.regexes + tuple(cfg.regexes),
                              stopwords=allow.stopwords + tuple(cfg.stopwords), paths=allow.paths,
                              path_regexes=tuple(cfg.path_regexes))
    return Scanner(rules, allow)


def _path_allowed(path: str, allow: Allowlist) -> bool:
    return any(fnmatch(path, g) for g in allow.paths) or any(r.search(path) for r in allow.path_regexes)


def scan_worktree(root: Path, scanner: Scanner, opts: SecretsOptions, exclude: Sequence[str],
                  cancel: threading.Event, stats: ScanStats, note: Callable[[str], None],
                  gap: Callable[[str], None] | None = None, workers: int | None = None, *,
                  tree: FileIndex | None = None, workspace: Workspace | None = None,
                  runtime: StageRuntime | None = None) -> list[Occurrence]:
    """Occurrences in the working tree, read through the audit's file index (``tree``).

    Without one (a library call) or with ``respect_gitignore = false`` (``--dir``: every file,
    ignored or not) an index of this scan alone is built."""
    if tree is None or not opts.respect_gitignore:
        tree = FileIndex(root, tuple(exclude), respect_gitignore=opts.respect_gitignore)
        workspace = None
    report_tree_skips(workspace, tree, note, {})
    stats.skipped += len(tree.skipped)
    candidates = [e for e in tree.files(include_vendored=True, exclude=exclude)
                  if not _path_allowed(e.path, scanner.allowlist)]
    stats.third_party = third_party_dirs(e.path for e in candidates)
    entries = [e for e in candidates if e.size <= opts.max_file_bytes]
    if len(entries) < len(candidates):
        big = [e.path for e in candidates if e.size > opts.max_file_bytes]
        stats.skipped += len(big)
        note(f"{len(big)} files larger than {opts.max_file_bytes} bytes not scanned for secrets: "
             + ", ".join(display_path(p) for p in big[:5]) + (", ..." if len(big) > 5 else ""))
    out: list[Occurrence] = []
    for occs, unreadable, count, size in scan_entries(scanner, tree, entries, runtime=runtime,
                                                      workers=workers or opts.jobs or usable_cpus(),
                                                      cancel=cancel, on_gap=gap or note):
        out.extend(occs)
        for path, reason in unreadable:
            stats.skipped += 1
            note(f"{display_path(path)}: not scanned ({reason})")
        stats.files += count
        stats.file_bytes += size
    return out


def scan_directory(
    root: Path, opts: SecretsOptions, *, note: Callable[[str], None], gap: Callable[[str], None],
    cancel: threading.Event | None = None, exclude: Sequence[str] = (), stats: ScanStats | None = None,
    history: History | None = None, runtime: StageRuntime | None = None,
    tree: FileIndex | None = None, workspace: Workspace | None = None,
) -> list[Finding]:
    """Findings for ``root`` per ``opts`` (see :class:`SecretsOptions`).

    ``history`` is the audit's shared :class:`History` (the engine's workspace) and ``runtime``
    the stage's; without them (a library call) both are made here for this one scan."""
    cancel = cancel or threading.Event()
    stats = stats or ScanStats()
    scanner = build_scanner(opts, root, note)
    with history_and_runtime(root, "secrets", history, runtime, cancel) as (source, stage_rt):
        source = source.for_range(opts.since)
        repo = source.repository
        occurrences: list[Occurrence] = []
        history_result: list[tuple[list[Occurrence], int]] = []
        worker: threading.Thread | None = None
        if opts.history and not opts.staged:
            if repo is not None:
                def run_history() -> None:
                    history_result.append(scan_history(source, scanner, stage_rt, cancel=cancel, on_gap=gap,
                                                       on_note=note, workers=opts.jobs or default_workers()))

                worker = threading.Thread(target=run_history, name="secrets-history", daemon=True)
                worker.start()
            else:
                note(f"{display_path(str(root))}: not a git repository, history not scanned (working tree only)")
        if opts.staged:
            if isinstance(repo, Repository):
                occurrences += scan_staged(root, scanner, gap)
            else:
                gap(f"{display_path(str(root))}: --staged needs a git repository; nothing was scanned")
        elif opts.worktree:
            # while the history workers hold every core, more processes for the tree would only contend
            occurrences += scan_worktree(root, scanner, opts, exclude, cancel, stats, note, gap,
                                         workers=1 if worker is not None else None, tree=tree,
                                         workspace=workspace, runtime=stage_rt)
        if worker is not None:
            worker.join()
            for occs, size in history_result:
                occurrences += occs
                stats.patch_bytes += size
            if not history_result:
                gap("git history scan failed before it finished: history not fully scanned")
    kept = [o for o in occurrences if plausible(o, scanner.rules[o.rule])
            and not _path_allowed(o.path, scanner.allowlist)
            and not is_excluded(o.path, exclude)]
    return build_findings(kept, scanner.rules, salt=opts.salt or DEFAULT_SALT, third_party=stats.third_party)
