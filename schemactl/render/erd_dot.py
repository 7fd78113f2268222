"""The entity-relationship picture of a manifest as Graphviz DOT: the same diagram as the Mermaid one.

Each table is a node whose label is an HTML-like table: a header with the table's name, then one row per
column (name, portable type, PK/FK/UK marks, NOT NULL and generated).  Each foreign key is one edge from
the parent's referenced column to the child's first key column, labelled with the key columns, drawn
in crow's-foot notation with the cardinalities of :func:`schemactl.render.erd.cardinality`: at the
parent exactly one (two bars) or zero or one (bar and circle), at the child zero or one (bar and circle)
or zero or more (crow's foot and circle); solid when the key is part of the child's primary key
(identifying), dashed otherwise.

Escaping: node identifiers are the Mermaid words (``[A-Za-z0-9_-]``, made unique), always quoted, and
ports are ``l<n>``/``r<n>`` (a column's first and last cell): no name of the manifest ever reaches an
identifier or an attribute in DOT's own syntax.  Every name and type is text inside an HTML-like label,
where ``&``, ``<``, ``>`` and ``"`` become entities, a backslash is doubled (Graphviz reads ``\\N``,
``\\G``... in labels) and the characters XML cannot hold (controls, surrogates, U+FFFE/U+FFFF), and the
line separators U+2028/U+2029, are written visibly as ``\\n``, ``\\t``, ``\\xNN`` or ``\\uNNNN``.
Output is deterministic: tables, columns and keys in manifest order.
"""

from __future__ import annotations

from ..manifest.model import Manifest, Table
from .erd import cardinality, entity_names, type_text

_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\\": "\\\\"}
_VISIBLE = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}

# crow's-foot arrow shapes (Graphviz draws the first shape nearest the node)
_EXACTLY_ONE = "teetee"
_ZERO_OR_ONE = "teeodot"
_ZERO_OR_MORE = "crowodot"

_FONT = "Helvetica,Arial,sans-serif"


def _visible(ch: str) -> str:
    """A character XML 1.0 cannot carry, even as a reference, or a line separator, as a visible escape."""
    if ch in _VISIBLE:
        return _VISIBLE[ch]
    o = ord(ch)
    return f"\\x{o:02x}" if o < 0x100 else f"\\u{o:04x}"


def _escaped(o: int) -> bool:
    """Characters XML cannot carry, and the two Unicode line separators (drawn as line breaks)."""
    return o < 0x20 or 0x7F <= o < 0xA0 or 0xD800 <= o < 0xE000 or o in (0x2028, 0x2029, 0xFFFE, 0xFFFF)


def text(value: str) -> str:
    """``value`` as text inside a Graphviz HTML-like label: shown as written, never markup."""
    out = []
    for ch in value:
        if _escaped(ord(ch)):
            out.append(_visible(ch).replace("\\", "\\\\"))
        else:
            out.append(_ENTITIES.get(ch, ch))
    return "".join(out)


def _marks(table: Table) -> dict[str, str]:
    pk = set(table.primary_key.columns) if table.primary_key else set()
    fk = {c for f in table.foreign_keys for c in f.columns}
    uk = {c for s in (set(u.columns) for u in table.uniques) if len(s) == 1 for c in s}
    return {c.name: " ".join(k for k, on in (("PK", c.name in pk), ("FK", c.name in fk), ("UK", c.name in uk))
                             if on) for c in table.columns}


def _node(table: Table, node: str) -> list[str]:
    pk = set(table.primary_key.columns) if table.primary_key else set()
    marks = _marks(table)
    rows = [f'    <TR><TD COLSPAN="4" BGCOLOR="#dfe7f2"><B>{text(table.name)}</B></TD></TR>']
    for i, col in enumerate(table.columns):
        notes = []
        if not col.nullable and col.name not in pk:
            notes.append("NOT NULL")
        if col.generated:
            notes.append("generated")
        rows.append(f'    <TR><TD PORT="l{i}" ALIGN="LEFT">{text(col.name)}</TD>'
                    f'<TD ALIGN="LEFT"><FONT COLOR="#444444">{text(type_text(col))}</FONT></TD>'
                    f'<TD ALIGN="LEFT">{marks[col.name]}</TD><TD PORT="r{i}" ALIGN="LEFT">{" ".join(notes)}</TD></TR>')
    return ([f'  "{node}" [label=<', '  <TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4">']
            + rows + ["  </TABLE>>];"])


def _port(table: Table, column: str | None, side: str) -> str:
    """The east side of the column's last cell (``e``) or the west side of its first (``w``)."""
    for i, col in enumerate(table.columns):
        if col.name == column:
            return f":{'r' if side == 'e' else 'l'}{i}:{side}"
    return f":{side}"


def dot(manifest: Manifest) -> str:
    """The Graphviz DOT text of MANIFEST's entity-relationship diagram (deterministic)."""
    names = entity_names(manifest)
    tables = {t.name: t for t in manifest.tables}
    lines = [f'digraph "{names_word(manifest.name)}" {{',
             f'  graph [rankdir=LR, charset="UTF-8", fontname="{_FONT}", nodesep=0.5, ranksep=1.0];',
             f'  node [shape=plain, fontname="{_FONT}", fontsize=10];',
             f'  edge [dir=both, fontname="{_FONT}", fontsize=9, color="#555555"];']
    for table in manifest.tables:
        lines += _node(table, names[table.name])
    for table in manifest.tables:
        for fk in table.foreign_keys:
            parent = tables.get(fk.ref_table)
            if parent is None:
                continue
            required, one_child, identifying = cardinality(table, fk)
            attrs = [f"arrowtail={_EXACTLY_ONE if required else _ZERO_OR_ONE}",
                     f"arrowhead={_ZERO_OR_ONE if one_child else _ZERO_OR_MORE}",
                     f"style={'solid' if identifying else 'dashed'}",
                     f"label=<{text(', '.join(fk.columns))}>"]
            # leave the parent on its right, enter the child on its left (a table's own key: both on the right)
            tail = f'"{names[parent.name]}"{_port(parent, fk.ref_columns[0] if fk.ref_columns else None, "e")}'
            head = f'"{names[table.name]}"{_port(table, fk.columns[0], "e" if parent is table else "w")}'
            lines.append(f"  {tail} -> {head} [{', '.join(attrs)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def names_word(name: str) -> str:
    """A manifest name as a DOT identifier's text (names are ``[a-z][a-z0-9_-]*``; anything else becomes _)."""
    return "".join(ch if ch.isascii() and (ch.isalnum() or ch in "_-") else "_" for ch in name)
