"""Alembic environment: always run on the connection :mod:`pulsecheck.store.db` hands over,
inside the transaction that holds the store's migration lock."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from pulsecheck.store.models import Base

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("pulsecheck's store migrations run only through pulsecheck.store.open_store")
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
