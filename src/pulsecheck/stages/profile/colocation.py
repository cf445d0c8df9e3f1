"""Identity data and medical data in the same database (or the same table).

Seed advice for health apps: keep identity (who the patient is) and medical data (what they
have) in separately encrypted stores, linked by an opaque id, so one breach or one over-broad
credential does not expose both. The check reads the data map:

- stores come from the parsers' heuristics (``python_orm.py``, ``schema_text.py``,
  ``js_orm.py``): one SQLAlchemy base/bind, Django alias (routers honoured), Prisma
  datasource, Rails database, TypeORM database, Sequelize instance, Mongoose connection,
  JPA entity-manager package (shared with Hibernate XML mappings), Laravel connection, SQL
  ``USE``/``\\connect`` database, else the repository's one SQL database;
- API shapes (OpenAPI, GraphQL, Pydantic) are not storage and are ignored;
- a store holding a table with direct identifiers (name, SSN, email, DOB...) and a table with
  medical fields is a finding; one table holding both is named as such;
- Terraform database instances are quoted as context (separate instances declared but the
  code maps everything into one store is worth knowing), never as proof of separation.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulsecheck.knowledge.datamap import DataMap
from pulsecheck.model import Confidence, FileLocation, Finding, Rule, Severity

RULE = Rule(
    id="profile.identity-medical-colocated",
    stage="profile",
    title="Identity and medical data stored together",
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    cwe=("CWE-653",),
    owasp=("A04:2021",),
    description="Direct identifiers and medical data live in the same database (or table): one breach, "
                "one SQL injection or one over-privileged credential exposes who the patients are and what "
                "they have together.",
    remediation="Keep identity and medical data in separately encrypted stores (separate databases or at "
                "least separate schemas with separate credentials and keys), linked by an opaque "
                "pseudonymous id; give each service only the store it needs.",
    tags=("architecture", "phi"),
)


def colocation_findings(data_map: DataMap | Mapping[str, Any], stack: Mapping[str, Any]) -> Iterator[Finding]:
    """``data_map``: the typed map, or its JSON form (the report's ``profile.data_map``)."""
    dm = data_map if isinstance(data_map, DataMap) else DataMap.from_json(data_map)
    instances = stack.get("database_instances", [])
    for store in dm.stores(kind="database"):
        tables = [t for t in dm.tables(store.id) if t.store_kind == "database"]
        identity = [t for t in tables if t.identity]
        medical = [t for t in tables if t.medical]
        if not identity or not medical:
            continue
        both = [t for t in tables if t.identity and t.medical]
        names_i = ", ".join(sorted(t.name for t in identity))
        names_m = ", ".join(sorted(t.name for t in medical))
        message = (f"Store '{store.id}' holds identity data (tables: {names_i}) and medical data "
                   f"(tables: {names_m}) in the same database.")
        if both:
            message += " Same table: " + ", ".join(sorted(t.name for t in both)) + "."
        if len(instances) > 1:
            message += (f" Terraform declares {len(instances)} database instances "
                        f"({', '.join(i['name'] for i in instances)}), yet the code maps these tables into one store.")
        first = min(identity + medical, key=lambda t: (t.path, t.line or 0))
        yield Finding.from_rule(
            RULE, message=message, location=FileLocation(first.path, first.line),
            severity=Severity.HIGH if both else RULE.severity,
            evidence=f"identity tables: {names_i}; medical tables: {names_m}",
            identity=store.id,
            properties={"store": store.id, "identity_tables": sorted(t.name for t in identity),
                        "medical_tables": sorted(t.name for t in medical),
                        "same_table": sorted(t.name for t in both)},
        )
