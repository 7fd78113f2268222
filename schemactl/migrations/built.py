"""The column order a migration chain builds, read from its PostgreSQL migrations.

PostgreSQL never reorders a table's columns: CREATE TABLE gives the order, ALTER TABLE ADD COLUMN appends, DROP
COLUMN removes, RENAME COLUMN keeps the place.  So the PostgreSQL side of the chain tells the order of every
database the chain built (SQLite's in-place ADD COLUMN appends too; only its table rebuild follows the manifest,
which is why PostgreSQL is the one read).  The snapshot does not tell it: a chain written by an earlier
schemactl may add a column the manifest (and so the snapshot) puts between existing ones.

Only the statements schemactl writes are read (CREATE TABLE, ALTER TABLE ... ADD/DROP/RENAME COLUMN, RENAME TO,
DROP TABLE); a table whose columns this reading cannot account for is left out (the caller falls back to the
snapshot), so an unexpected statement can only keep a problem unseen, never invent one.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..sqlsplit import split_sql

_IDENT = r'(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)'
_QNAME = rf"(?:{_IDENT}\s*\.\s*)?({_IDENT})"
_CREATE = re.compile(rf"\s*CREATE\s+(?:UNLOGGED\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?{_QNAME}\s*\(", re.I)
_ALTER = re.compile(rf"\s*ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?{_QNAME}\s+(.*)$", re.I | re.S)
_ADD = re.compile(rf"ADD\s+COLUMN\s+(?:IF\s+NOT\s+EXISTS\s+)?({_IDENT})", re.I)
_DROP = re.compile(rf"DROP\s+COLUMN\s+(?:IF\s+EXISTS\s+)?({_IDENT})", re.I)
_RENAME_COLUMN = re.compile(rf"RENAME\s+(?:COLUMN\s+)?({_IDENT})\s+TO\s+({_IDENT})\s*;?\s*$", re.I)
_RENAME_TABLE = re.compile(rf"RENAME\s+TO\s+({_IDENT})\s*;?\s*$", re.I)
_DROP_TABLE = re.compile(r"\s*DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?(.*?)\s*(?:CASCADE|RESTRICT)?\s*;?\s*$", re.I | re.S)
_CONSTRAINT = re.compile(r"(?:CONSTRAINT|PRIMARY\s+KEY|UNIQUE|FOREIGN\s+KEY|CHECK|EXCLUDE|LIKE)\b", re.I)


def _name(ident: str) -> str:
    if ident.startswith('"'):
        return ident[1:-1].replace('""', '"')
    return ident.lower()   # PostgreSQL folds an unquoted name (schemactl quotes every other)


def _items(body: str) -> list[str]:
    """The top-level comma-separated items of a CREATE TABLE's parenthesised body (from after its '(')."""
    items, depth, start, i, quote = [], 0, 0, 0, None
    while i < len(body):
        ch = body[i]
        if quote:
            if ch == quote:
                if body[i + 1:i + 2] == quote:
                    i += 1
                else:
                    quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            if depth == 0:
                items.append(body[start:i])
                return items
            depth -= 1
        elif ch == "," and depth == 0:
            items.append(body[start:i])
            start = i + 1
        i += 1
    return items


def column_orders(bodies: list[str]) -> dict[str, tuple[str, ...]]:
    """Table name -> its columns in the order the PostgreSQL migration ``bodies`` (in chain order) leave them."""
    tables: dict[str, list[str]] = {}
    for body in bodies:
        for stmt in split_sql(body, "postgres"):
            text = stmt.text
            m = _CREATE.match(text)
            if m:
                columns = []
                for item in _items(text[m.end():]):
                    item = item.strip()
                    if item and not _CONSTRAINT.match(item):
                        first = re.match(_IDENT, item)
                        if first:
                            columns.append(_name(first.group(0)))
                tables[_name(m.group(1))] = columns
                continue
            m = _ALTER.match(text)
            if m:
                table, action = _name(m.group(1)), m.group(2).strip()
                columns = tables.get(table)
                if (a := _RENAME_TABLE.match(action)) is not None:
                    if columns is not None:
                        tables[_name(a.group(1))] = tables.pop(table)
                elif columns is None:
                    continue
                elif (a := _ADD.match(action)) is not None:
                    columns.append(_name(a.group(1)))
                elif (a := _DROP.match(action)) is not None:
                    name = _name(a.group(1))
                    if name in columns:
                        columns.remove(name)
                elif (a := _RENAME_COLUMN.match(action)) is not None:
                    old, new = _name(a.group(1)), _name(a.group(2))
                    if old in columns:
                        columns[columns.index(old)] = new
                continue
            m = _DROP_TABLE.match(text)
            if m:
                for part in m.group(1).split(","):
                    last = re.findall(_IDENT, part.strip())
                    if last:
                        tables.pop(_name(last[-1]), None)
    return {name: tuple(columns) for name, columns in tables.items()}


def chain_column_orders(chain: Path, lock: dict) -> dict[str, tuple[str, ...]]:
    """``column_orders`` of the PostgreSQL migrations of the chain directory ``chain`` listed in ``lock``; {} when
    one of them cannot be read (`check` names it)."""
    from .files import split_record
    bodies = []
    for entry in lock["migrations"]:
        try:
            bodies.append(split_record((chain / "postgres" / f"{entry['name']}.sql").read_bytes().decode("utf-8"))[0])
        except (OSError, UnicodeDecodeError, KeyError, TypeError):
            return {}
    return column_orders(bodies)
