"""The neutral shapes every schema parser produces: a table of fields in a store.

A *store* is the database a table lives in, as far as the code tells (one SQLAlchemy
declarative base or bind, one Django database alias, one Prisma datasource...). Stores of
kind ``api`` (OpenAPI, GraphQL, Pydantic) describe data in transit and never count as a
database for the co-location check.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Column:
    name: str
    type: str | None = None
    line: int | None = None
    subclass: str | None = None
    """The single-table subclass that declares it (Hibernate ``<subclass>``): in the parent's
    table, but not a column of the parent entity that joined subclasses inherit."""


@dataclass(slots=True)
class Table:
    name: str
    store: str
    source: str
    """Parser/ORM that found it: ``sqlalchemy``, ``django``, ``prisma``, ``sql``..."""
    path: str
    line: int | None = None
    columns: list[Column] = field(default_factory=list)
    store_kind: str = "database"
    schema: str | None = None
    authoritative: bool = True
    """False for migrations: a model of the same table elsewhere wins."""
    context: str | None = None
    """Name that says what the table holds when ``name`` is mangled (Django's
    ``edc_lab_box`` for the model ``Box``): used to classify its fields."""
    entity: str | None = None
    """The mapped class (``Patient``), for subclasses that name it as their parent."""
    extends: str | None = None
    """The parent entity's class name when a row of this table is also a row of the parent's
    (Hibernate ``joined-subclass``/``union-subclass``, a JPA entity extending another): a
    ``patient`` that extends ``Person`` holds the person's name and birth date too."""

