"""Parsers that turn ORM models and schema files into tables of fields (see ``build.py``)."""
