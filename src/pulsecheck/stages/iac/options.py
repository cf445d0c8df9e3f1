"""``[stages.iac]``: the IaC stage's options, validated when the configuration loads.

    include_vendored = false   # also read IaC under vendor/, node_modules/... (e.g. vendored modules)
    disable = ["iac.aws-s3-object-lock"]   # checks not run (listed in the report as narrowing)
"""

from __future__ import annotations

from pulsecheck.options import StageOptions, Strings, narrows


class Options(StageOptions):
    include_vendored: bool = False
    disable: Strings = narrows((), "IaC checks not run")


IacOptions = Options
