"""``[stages.sast]``: the SAST stage's options, validated when the configuration loads.

    disable = ["sast.python-weak-hash"]       # rules not run (listed in the report as narrowing)
    sanitizers = ["myapp.privacy.strip_phi"]  # extra de-identification functions (name or dotted name)
    rules = ["~/rules/our-semgrep.yml"]       # the user's own Semgrep rule files (user config only)
    include_tests = false                     # also scan tests/, fixtures/... (off: test code is not shipped)
"""

from __future__ import annotations

from pulsecheck.options import StageOptions, Strings, narrows, user_only


class Options(StageOptions):
    disable: Strings = narrows((), "SAST rules not run")
    sanitizers: Strings = ()
    rules: Strings = user_only((), "the user's own Semgrep rule files")
    include_tests: bool = False
    include_vendored: bool = False
    max_file_bytes: int = user_only(1_000_000, "largest source file analysed")


SastOptions = Options
