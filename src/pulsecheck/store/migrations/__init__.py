"""Alembic migrations of the audit store, shipped as package data (run on open, see ``store.db``)."""
