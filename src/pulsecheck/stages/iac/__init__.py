"""Stage ``iac``: Terraform, plan JSON, CloudFormation/SAM, Kubernetes, Dockerfile and
docker-compose checks mapped to HIPAA, plus the separation advice (staging apart from
production, identity apart from medical data).

Layout: :mod:`.parsers` turn each format into :class:`~.model.Resource` objects (values
resolved where a static reader can, else :class:`~.model.Unresolved`: a note, never a failure);
:mod:`.graph` follows references; ``checks/*.toml`` are the checks; :mod:`.checks.generic`,
``aws``, ``kubernetes``, ``docker`` hold the predicates; :mod:`.stage` runs them.

Adding a check (GCP, Azure...) is a data entry, plus at most one small function:

1. Add a ``[[check]]`` table to ``checks/<provider>.toml``: ``id = "iac.gcp-sql-public-ip"``,
   ``title``, ``severity``, ``cwe``, ``hipaa`` (the Security Rule sections it assesses),
   ``remediation``, ``provider``, ``types`` (``["google_sql_database_instance"]``),
   ``predicate`` and ``params``. Most checks use a generic predicate: ``attr_true``,
   ``attr_not_true``, ``attr_min``, ``attr_in``, ``attr_not_in``, ``attr_set`` (``params.attr`` a
   dotted path, or a list of alternative spellings; ``missing = "fail"|"pass"``) or
   ``has_referrer`` (a separate resource configures this one).
2. Otherwise write ``@predicate("name") def name(res, params, graph) -> Outcome`` in a module of
   ``checks/`` (listed in ``registry.PREDICATE_MODULES``): return ``Fail(attr, evidence)``,
   ``Unknown(attr)`` for an unresolved value, or None.
3. Add ``tests/fixtures/iac/<check id>/fail*/`` and ``pass*/`` directories; a ``# FAIL-NEXT``
   comment marks the line the finding must point at. The parametrized test picks them up.
"""

from __future__ import annotations

from pulsecheck.stages.iac.stage import STAGE, IacStage

__all__ = ["STAGE", "IacStage"]
