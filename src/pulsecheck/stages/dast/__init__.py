"""Stage ``dast``: scan running web apps and APIs, passive by default, active when asked, with
two-identity authorization tests (BOLA/IDOR, mass assignment, JWT), FHIR awareness and PHI-aware
passive checks.

Layout: :mod:`.client` (the one door: scope, methods, budgets, rate, plan), :mod:`.auth`
(identities, login recipes), :mod:`.crawl` (site map), :mod:`.openapi` (operations and values),
:mod:`.probes` (safe probes, FHIR), :mod:`.authz` (verification, BOLA, mass assignment...),
:mod:`.jwtchecks`, :mod:`.inject` (active injections, canary), :mod:`.stage` (the order).
Rules are data: ``rules.toml`` here and the shared passive checks of :mod:`pulsecheck.webchecks`
(reported as ``dast.<check id>``), each naming its ZAP rule id.
"""

from __future__ import annotations

from pulsecheck.stages.dast.stage import STAGE, DastStage

__all__ = ["STAGE", "DastStage"]
