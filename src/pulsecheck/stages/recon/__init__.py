"""Stage ``recon``: the hosts in scope, their open ports, services, versions and TLS.

Layout: :mod:`.scope` (targets and ports, nothing else), :mod:`.scan` (asyncio TCP connect scan
through ``ctx.runtime.net``), :mod:`.probes` (TLS first, then the protocol by its behaviour),
:mod:`.tlscheck` (sslyze against ``data/tls_policy.toml``), :mod:`.versions`
(``data/versions.toml``), :mod:`.stage` (findings and facts). Rules: ``rules.toml``.
"""

from __future__ import annotations

from pulsecheck.stages.recon.stage import STAGE, ReconStage

__all__ = ["STAGE", "ReconStage"]
