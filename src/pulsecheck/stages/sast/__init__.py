"""Stage ``sast``: code vulnerabilities with data flow, and the health-data rules.

Layout: :mod:`.python` is pulsecheck's own Python data-flow engine (libcst parse, flow-sensitive
interpretation per function, summaries iterated over the call graph); :mod:`.semgrep` runs
Semgrep CE with our rule pack on JavaScript/TypeScript, Java and Go; ``rules/python/*.toml``
and ``rules/health/*.toml`` are the engine's rules (id, CWE, OWASP, severity, sources, sinks,
sanitizers, a bad and a good example); :mod:`.processors` lists the third-party services the
code sends data to (``facts["processors"]``).

Adding a Python taint rule is a data entry: a ``[[rule]]`` table with ``sources`` (``user``,
``phi``, ``pii``, ``trace``), ``sinks`` (``"module.func:0,kw"``, ``"*.method:0"`` or an
``@selector`` of :mod:`.python.checks`) and ``sanitizers``; then vulnerable and safe files in
``tests/fixtures/sast/python/<class>/`` (``# VULN`` on the line of each expected finding).
"""

from __future__ import annotations

from pulsecheck.stages.sast.stage import STAGE, SastStage

__all__ = ["STAGE", "SastStage"]
