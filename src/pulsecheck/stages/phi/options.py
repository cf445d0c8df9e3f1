"""``[stages.phi]``: what the PHI stage reads from configuration, validated at load.

    history = true            # also scan every commit of the git history
    max_bytes = 2147483648    # largest file scanned
    exclude = ["fixtures/**"] # globs never scanned, on top of the top-level exclude
    workers = 4               # processes (default: every core the engine grants); user only

Kept free of heavy imports: the config loader imports it before any scan.
"""

from __future__ import annotations

from pulsecheck.options import Bytes, StageOptions, Strings, Workers, narrows, user_only

MAX_BYTES = 2 * 1024 ** 3


class Options(StageOptions):
    history: bool = narrows(True, "scan every commit of the git history too")
    max_bytes: Bytes = narrows(MAX_BYTES, "largest file scanned")
    exclude: Strings = narrows((), "globs never scanned for PHI", kind="exclude")
    workers: Workers | None = user_only(None, "worker processes (None: every core granted)")


PhiOptions = Options
