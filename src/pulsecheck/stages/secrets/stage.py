"""The secrets stage object the registry discovers (see the package docstring)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from pulsecheck.model import Finding, Rule, Targets
from pulsecheck.stages.interface import StageContext, StageError
from pulsecheck.stages.secrets.options import OptionsError, SecretsOptions
from pulsecheck.stages.secrets.rules import builtin_rules
from pulsecheck.stages.secrets.scan import scan_directory


class SecretsStage:
    name = "secrets"
    needs = frozenset({"repo", "tree", "history"})

    def applies(self, targets: Targets) -> bool:
        return targets.path is not None and Path(targets.path).is_dir()

    def rules(self) -> Sequence[Rule]:
        return [r.rule for r in builtin_rules()]

    def run(self, ctx: StageContext) -> Iterator[Finding]:
        try:
            opts = SecretsOptions.from_options(ctx.options)
        except OptionsError as exc:  # options are validated at load; this guards direct callers
            raise StageError(str(exc)) from None
        root = ctx.repo
        if root is None:
            return
        history = ctx.workspace.history if ctx.workspace is not None else None
        yield from scan_directory(root, opts, note=ctx.note, gap=ctx.gap, cancel=ctx.cancel,
                                  exclude=ctx.settings.exclude, history=history, runtime=ctx.runtime,
                                  tree=ctx.workspace.tree if ctx.workspace is not None else None,
                                  workspace=ctx.workspace)


STAGE = SecretsStage()
