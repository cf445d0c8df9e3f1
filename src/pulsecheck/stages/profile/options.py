"""``[stages.profile]``: what the profile stage reads from configuration, validated at load.

    max_bytes = 2000000       # largest file read for the stack and data map
    exclude = ["examples/**"] # globs not profiled, on top of the top-level exclude

Kept free of heavy imports: the config loader imports it before any scan.
"""

from __future__ import annotations

from pulsecheck.options import Bytes, StageOptions, Strings, narrows

MAX_BYTES = 2_000_000


class Options(StageOptions):
    max_bytes: Bytes = narrows(MAX_BYTES, "largest file read")
    exclude: Strings = narrows((), "globs not profiled", kind="exclude")


ProfileOptions = Options
