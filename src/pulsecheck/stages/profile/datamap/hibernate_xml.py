"""Tables from XML mappings: Hibernate ``*.hbm.xml`` and Liquibase changelogs.

An EHR like OpenMRS maps its patient, person and observation tables in ``hbm.xml`` and
creates them in Liquibase changelogs, not in annotations. Parsed with ``defusedxml``:
entity declarations and external references are refused (a billion-laughs file is a note,
not a hang), nothing is fetched.

Store: one Hibernate session factory is one database, shared with the JPA entities
(``jpa:default``); Liquibase tables go to the repository's SQL database (``sql:default``).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405 - only for the Element type; parsing is defusedxml's
from collections.abc import Iterator

from defusedxml import ElementTree as SafeET

from pulsecheck.stages.profile.datamap.model import Column, Table
from pulsecheck.stages.profile.datamap.schema_text import SQL_DEFAULT_STORE

_CLASSES = ("class", "subclass", "joined-subclass", "union-subclass")
_FIELDS = ("id", "property", "many-to-one", "key-property", "one-to-one", "natural-id", "version", "timestamp")
_GROUPS = ("component", "composite-id", "natural-id", "properties", "join")


def looks_like_mapping(text: str) -> bool:
    head = text[:4000]
    return "<hibernate-mapping" in head or "databaseChangeLog" in head


def parse_xml_mapping(rel: str, text: str, store: str = "jpa:default") -> list[Table]:
    """Tables of a ``hbm.xml`` or Liquibase file. Malformed or entity-laden XML raises ValueError."""
    try:
        root = SafeET.fromstring(text)
    except (SafeET.ParseError, ValueError) as exc:  # DefusedXmlException is a ValueError
        raise ValueError(f"unreadable XML mapping: {type(exc).__name__}") from exc
    if _tag(root) == "hibernate-mapping":
        return list(_hibernate(rel, root, store))
    if _tag(root) == "databaseChangeLog":
        return _liquibase(rel, root)
    return []


def _tag(el: ET.Element) -> str:
    return str(el.tag).rsplit("}", 1)[-1]


def _hibernate(rel: str, root: ET.Element, store: str) -> Iterator[Table]:
    """Each mapped class. A ``joined-subclass``/``union-subclass`` (nested in its parent or on its
    own with ``extends=``) gets its own table and names its parent; a ``subclass`` (one table
    for the hierarchy) adds its columns to the parent's table."""
    schema = root.get("schema") or root.get("catalog")
    stack: list[tuple[ET.Element, Table | None]] = [(el, None) for el in root if _tag(el) in _CLASSES]
    while stack:
        cls, parent = stack.pop(0)
        name = _simple(cls.get("entity-name") or cls.get("name"))
        cols = [Column(col, ftype) for col, ftype in _columns(cls)]
        if _tag(cls) == "subclass" and not cls.get("table") and parent is not None:
            known = {c.name for c in parent.columns}
            parent.columns += [Column(c.name, c.type, subclass=name) for c in cols if c.name not in known]
            stack += [(el, parent) for el in cls if _tag(el) in _CLASSES]
            continue
        table = cls.get("table") or name
        if not table:
            continue
        extends = None
        if _tag(cls) != "class":
            extends = _simple(cls.get("extends")) or (parent.entity if parent is not None else None)
        out = Table(table, store, "hibernate-xml", rel, None, cols, schema=cls.get("schema") or schema,
                    context=name if name and name.lower() != table.lower() else None, entity=name or None,
                    extends=extends or None)
        yield out
        stack += [(el, out) for el in cls if _tag(el) in _CLASSES]


def _simple(class_name: str | None) -> str:
    """``org.openmrs.Person`` -> ``Person``."""
    return (class_name or "").rsplit(".", 1)[-1]


def _columns(el: ET.Element) -> Iterator[tuple[str, str | None]]:
    for child in el:
        tag = _tag(child)
        if tag in _FIELDS:
            nested = next((c for c in child if _tag(c) == "column"), None)
            col = child.get("column") or (nested.get("name") if nested is not None else None) or child.get("name")
            if col:
                yield col, child.get("type") or child.get("class")
        if tag in _GROUPS:
            yield from _columns(child)


def _liquibase(rel: str, root: ET.Element) -> list[Table]:
    tables: dict[str, Table] = {}
    for el in root.iter():
        tag = _tag(el)
        if tag not in ("createTable", "addColumn") or not el.get("tableName"):
            continue
        name = str(el.get("tableName"))
        table = tables.setdefault(name.lower(), Table(name, SQL_DEFAULT_STORE, "liquibase", rel, None,
                                                      schema=el.get("schemaName"), authoritative=False))
        table.columns += [Column(str(c.get("name")), c.get("type")) for c in el if _tag(c) == "column" and c.get("name")]
    return list(tables.values())
