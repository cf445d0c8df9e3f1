"""Tables from JPA/Hibernate-annotated Java and Kotlin entities (``@Entity`` classes).

Linear on hostile input. The old single regex for a field (annotations, modifiers, a type
that may hold spaces, a name, an initialiser) backtracked super-linearly: a 16 KB entity
took 22 s. Now the class body has its nested blocks and comments blanked, is cut into
statements at ``;`` and at each blanked block, and each statement is read right to left:
annotations dropped with a bracket scan, the initialiser cut at ``=``, the name is the last
word, the type is what is left.
"""

from __future__ import annotations

import bisect
import re

from pulsecheck.stages.profile.datamap.model import Column, Table
from pulsecheck.stages.profile.datamap.textscan import Source, blank_blocks

_ENTITY = re.compile(r"@(?:javax\.persistence\.|jakarta\.persistence\.)?Entity\b")
_CLASS = re.compile(r"\b(?:class|record)\s+(\w+)")
_EXTENDS = re.compile(r"\bextends\s+([\w.]+)|:\s*([\w.]+)\s*\(")  # Java; Kotlin's `: Person(`
_TABLE = re.compile(r"@(?:javax\.persistence\.|jakarta\.persistence\.)?Table\s*\(")
_COMMENT = re.compile(r"//[^\n]*|/\*[^*]*(?:\*+[^*/][^*]*)*(?:\*+/|\**\Z)")
_ANNOTATION = re.compile(r"@([\w.]+)")
_TYPE = re.compile(r"[\w.<>,\[\]? ]+")
_MODIFIERS = frozenset({"private", "protected", "public", "final", "transient", "volatile", "val", "var", "lateinit",
                        "override", "open", "internal"})
_NOT_COLUMN = frozenset({"Transient", "OneToMany", "ManyToMany"})


def parse_jpa(rel: str, text: str, store: str = "jpa:default") -> list[Table]:
    src = Source(text)
    entities = [m.start() for m in _ENTITY.finditer(text)]
    classes = list(_CLASS.finditer(text))
    marked: list[int] = []  # per class: offset of its @Entity, or -1
    prev_end = 0
    for m in classes:
        k = bisect.bisect_left(entities, prev_end)
        marked.append(entities[k] if k < len(entities) and entities[k] < m.start() else -1)
        prev_end = m.end()
    next_entity = len(text)
    stops = [0] * len(classes)  # where the next entity class starts: an unclosed body ends there
    for i in range(len(classes) - 1, -1, -1):
        stops[i] = next_entity
        if marked[i] >= 0:
            next_entity = classes[i].start()
    out: list[Table] = []
    for i, m in enumerate(classes):
        if marked[i] < 0:
            continue
        brace = text.find("{", m.end(), classes[i + 1].start() if i + 1 < len(classes) else len(text))
        if brace < 0:
            continue
        name, schema = _table_name(text[marked[i]:m.start()], m.group(1))
        end = min(src.block_end(brace) - 1, stops[i])
        body = _blank_nested(src, brace + 1, end)
        cols = [Column(col, ctype, src.line(brace + 1 + off)) for col, ctype, off in _fields(body)]
        parent = _EXTENDS.search(text, m.end(), brace)
        extends = (parent.group(1) or parent.group(2)).rsplit(".", 1)[-1] if parent else None
        out.append(Table(name, store, "jpa", rel, src.line(marked[i]), cols, schema=schema, entity=m.group(1),
                         extends=extends))
    return out


def _table_name(head: str, default: str) -> tuple[str, str | None]:
    """``@Table(name = "x", schema = "s")`` between ``@Entity`` and the class name."""
    m = _TABLE.search(head)
    if m is None:
        return default, None
    args = head[m.end():m.end() + 2000]
    nm = re.search(r'\bname\s*=\s*"([^"\n]+)"', args)
    sc = re.search(r'\b(?:schema|catalog)\s*=\s*"([^"\n]+)"', args)
    return (nm.group(1) if nm else default), (sc.group(1) if sc else None)


def _blank_nested(src: Source, start: int, end: int) -> str:
    """The body with comments and nested blocks blanked (see ``textscan.blank_blocks``)."""
    return _COMMENT.sub(lambda c: re.sub(r"[^\n]", " ", c.group(0)), blank_blocks(src, start, end))


def _fields(body: str) -> list[tuple[str, str, int]]:
    """(name, type, offset of the name) of each field declaration in a blanked class body."""
    out = []
    start = 0
    for semi in re.finditer(";", body + ";"):
        stmt, offset = body[start:semi.start()], start
        start = semi.end()
        names, rest, after = _drop_annotations(stmt)
        decl = rest.split("=", 1)[0].rstrip()
        if names & _NOT_COLUMN or "(" in decl or ")" in decl:
            continue
        j = len(decl)
        while j > 0 and (decl[j - 1].isalnum() or decl[j - 1] == "_"):
            j -= 1
        name, before = decl[j:], decl[:j].strip()
        words = before.split()
        if not name or not words or name[0].isdigit() or "static" in words or "abstract" in words:
            continue
        while words and words[0] in _MODIFIERS:
            words.pop(0)
        ctype = " ".join(words)
        if words and _TYPE.fullmatch(ctype) and ctype not in ("return", "package", "import", "throw", "new"):
            eq = stmt.find("=", after)
            out.append((name, ctype, offset + stmt.rfind(name, after, eq if eq >= 0 else len(stmt))))
    return out


def _drop_annotations(stmt: str) -> tuple[set[str], str, int]:
    """Annotation simple names in ``stmt``, the statement with them (and their arguments) removed,
    and the offset where the last annotation ends."""
    names: set[str] = set()
    kept: list[str] = []
    parens = Source(stmt)
    i = 0
    for m in _ANNOTATION.finditer(stmt):
        if m.start() < i:
            continue
        kept.append(stmt[i:m.start()])
        names.add(m.group(1).rsplit(".", 1)[-1])
        i = m.end()
        j = i
        while j < len(stmt) and stmt[j] in " \t\r\n":
            j += 1
        if j < len(stmt) and stmt[j] == "(":
            i = parens.block_end(j, "(", ")")
    kept.append(stmt[i:])
    return names, "".join(kept), i
