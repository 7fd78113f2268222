"""An entity-relationship picture of a manifest: a Mermaid ``erDiagram``.

Tables become entities (columns with their portable types and PK/FK/UK marks), foreign keys
relationships whose cardinality follows from the model: the parent side is exactly one when every
key column is NOT NULL (zero or one otherwise), the child side at most one when the key columns are
unique (a primary key or unique constraint), many otherwise; a key inside the child's primary key is
identifying (solid line).  Mermaid accepts only plain words as names and types: anything else is
written as a word and the exact name goes into the attribute's comment or the entity's label.
"""

from __future__ import annotations

import functools
import itertools
import re

from ..manifest.model import ForeignKey, Manifest, Table

_WORD = re.compile(r"[^A-Za-z0-9_-]")


@functools.lru_cache(maxsize=65536)   # column names repeat across tables
def _word(text: str) -> str:
    word = _WORD.sub("_", text)
    return word if word[:1].isalpha() or word[:1] == "_" else f"_{word}"


@functools.lru_cache(maxsize=65536)   # notes repeat ("not null")
def _quoted(text: str) -> str:
    """A Mermaid string: no double quotes or line breaks inside."""
    return " ".join(text.replace('"', "'").split())


def _type_word(col) -> str:
    """Mermaid's attribute type: a word, with one parenthesised number at most (varchar(64))."""
    return _type_words(col.type)[0]


def type_text(col) -> str:
    """The column's portable type as the manifest spells it: numeric(8,2), an enum's name, text[]."""
    return _type_words(col.type)[1]


@functools.lru_cache(maxsize=4096)   # a manifest has few distinct types and many columns
def _type_words(t) -> tuple[str, str]:
    """(``_type_word``, ``type_text``) of a column's type."""
    arg = f"({t.args[0]})" if len(t.args) == 1 else ""
    array = "[]" if t.array else ""
    text = (t.enum or t.name) + (f"({','.join(map(str, t.args))})" if t.args else "")
    return _word(t.enum or t.name) + arg + array, text + array


def _unique_sets(table: Table) -> list[set[str]]:
    sets = [set(u.columns) for u in table.uniques]
    sets += [{c.name for c in ix.columns} for ix in table.indexes
             if ix.unique and ix.where is None and all(c.expr is None for c in ix.columns)]
    if table.primary_key:
        sets.append(set(table.primary_key.columns))
    return sets


def cardinality(child: Table, fk: ForeignKey) -> tuple[bool, bool, bool]:
    """(exactly one parent, at most one child, identifying) for the foreign key ``fk`` of ``child``:
    the one reading of the model that the Mermaid and the DOT diagrams share."""
    cols = {c.name: c for c in child.columns}
    required = all(not cols[c].nullable for c in fk.columns if c in cols)
    one_child = any(s <= set(fk.columns) for s in _unique_sets(child))
    identifying = bool(child.primary_key) and set(fk.columns) <= set(child.primary_key.columns)
    return required, one_child, identifying


def _relationship(child: Table, fk: ForeignKey, names: dict[str, str]) -> str:
    required, one_child, identifying = cardinality(child, fk)
    parent = "||" if required else "|o"
    children = "o|" if one_child else "o{"
    line = "--" if identifying else ".."
    label = _quoted(", ".join(fk.columns))
    return f'    {names[fk.ref_table]} {parent}{line}{children} {names[child.name]} : "{label}"'


# An attribute's key marks, by (in the primary key, in a foreign key, unique by itself): " PK, FK" and so on.
_KEYS = {flags: " " + ", ".join(mark for mark, on in zip(("PK", "FK", "UK"), flags) if on) if any(flags) else ""
         for flags in itertools.product((False, True), repeat=3)}


def _entity(table: Table, name: str, words: dict) -> list[str]:
    """The entity's lines; ``words``: id(type) -> (type, _type_words), the diagram's (the loader shares one
    TypeRef among equal types, whose hash would be computed from its fields at every lookup)."""
    pk = set(table.primary_key.columns) if table.primary_key else set()
    fk = {c for f in table.foreign_keys for c in f.columns}
    uk = {c for s in (set(u.columns) for u in table.uniques) if len(s) == 1 for c in s}
    label = f'["{_quoted(table.name)}"]' if name != table.name else ""
    lines = [f"    {name}{label} {{"]
    used: set[str] = set()
    for col in table.columns:
        word = _word(col.name)
        while word in used:
            word += "_"
        used.add(word)
        keys = _KEYS[col.name in pk, col.name in fk, col.name in uk]
        notes = []
        if word != col.name:
            notes.append(col.name)
        hit = words.get(id(col.type))
        if hit is None:
            hit = words[id(col.type)] = (col.type, _type_words(col.type))
        type_word, text = hit[1]
        if type_word != text:
            notes.append(text)
        if not col.nullable and col.name not in pk:
            notes.append("not null")
        if col.generated:
            notes.append("generated")
        note = f' "{_quoted("; ".join(notes))}"' if notes else ""
        lines.append(f"        {type_word} {word}{keys}{note}")
    lines.append("    }")
    return lines


def entity_names(manifest: Manifest) -> dict[str, str]:
    """Table name -> the Mermaid word that names it (unique within the diagram)."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for table in manifest.tables:
        word = _word(table.name)
        while word in taken:
            word += "_"
        names[table.name] = word
        taken.add(word)
    return names


def mermaid(manifest: Manifest) -> str:
    """The Mermaid erDiagram text (deterministic: tables and keys in manifest order)."""
    names = entity_names(manifest)
    lines, words = ["erDiagram"], {}
    for table in manifest.tables:
        lines += _entity(table, names[table.name], words)
    for table in manifest.tables:
        for fk in table.foreign_keys:
            if fk.ref_table in names:
                lines.append(_relationship(table, fk, names))
    return "\n".join(lines) + "\n"


def erd_context(manifest: Manifest, engine, digest: str) -> dict:
    source = manifest.source.replace("--", "-&#45;") if manifest.source else manifest.source   # stays in <!-- -->
    return dict(name=manifest.name, version=manifest.version, source=source, hash=digest,
                features=manifest.features, diagram=mermaid(manifest))
