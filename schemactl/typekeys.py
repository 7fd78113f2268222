"""Catalog facts shared by introspection and schemactl.runtime (standard library only):
how type spellings compare, PostgreSQL FK action letters, FTS5 shadow tables, SQLite rowid keys, the
search_path PostgreSQL's catalog is read under."""

from __future__ import annotations

import functools
import re

_AROUND_PUNCT = re.compile(r"\s*([(),])\s*")


def sqlite_type(spelling: str) -> str:
    """SQLite declared types compare case- and space-insensitively."""
    return _AROUND_PUNCT.sub(r"\1", " ".join(spelling.split())).upper()


# SQLite's affinity rules (sqlite.org/datatype3.html 3.1), in their order: the first part a declared type holds
SQLITE_AFFINITY_RULES = (("INT", "INTEGER"), ("CHAR", "TEXT"), ("CLOB", "TEXT"), ("TEXT", "TEXT"),
                         ("BLOB", "BLOB"), ("REAL", "REAL"), ("FLOA", "REAL"), ("DOUB", "REAL"))


def sqlite_affinity(declared: str) -> str:
    """SQLite's affinity of a declared type (INTEGER, TEXT, BLOB, REAL or NUMERIC; BLOB for none)."""
    name = declared.upper()
    return next((a for part, a in SQLITE_AFFINITY_RULES if part in name), "BLOB" if not name.strip() else "NUMERIC")


# SQL word characters as PostgreSQL's lexer (scan.l) and the runtimes' tokenizers read them, spelled as the ASCII
# characters they leave out ([A-Za-z0-9_$\u0080-\U0010ffff] took re 4 ms to compile, at every import;
# tests/test_sqlsplit.py checks every code point against the readable spelling).
WORD_START = r"[^\x00-\x40\x5b-\x5e\x60\x7b-\x7f]"            # A-Z a-z _ and beyond ASCII
TAG_CHAR = r"[^\x00-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f]"     # ... and 0-9 (a dollar-quote tag's)
WORD_CHAR = r"[^\x00-\x23\x25-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f]"   # ... and $ (an identifier's)


# a type spelling: (pg_catalog.)name, its arguments, its array brackets
_PG_SPELLED = re.compile(r'((?:pg_catalog\.)?(?:"char"|[a-z_][a-z0-9_]*))\s*(\([0-9, ]*\))?\s*((?:\[[0-9]*\])*)')


@functools.lru_cache(maxsize=4096)
def pg_type(spelling: str) -> str:
    """format_type() spellings compare case- and space-insensitively, a type's other names (postgres_type:
    int4, varchar(20), char, timestamptz(3)) as the name format_type() reports (integer, character varying(20),
    character(1), timestamp(3) with time zone)."""
    from .types import PG_TYPE_BY_PRECISION, PG_TYPE_DEFAULT_ARGS, PG_TYPE_NAMES
    text = " ".join(spelling.split()).lower()
    m = _PG_SPELLED.fullmatch(text)
    if m is None or m.group(1) not in PG_TYPE_NAMES:
        return text
    name, args, brackets = PG_TYPE_NAMES[m.group(1)], (m.group(2) or "").replace(" ", ""), m.group(3)
    if args and m.group(1) in PG_TYPE_BY_PRECISION:     # float(10) is real
        if not args[1:-1].isdigit():
            return text
        bits = int(args[1:-1])
        name = next((t for most, t in PG_TYPE_BY_PRECISION[m.group(1)] if bits <= most), None)
        if name is None:
            return text
        args = ""
    args = args or PG_TYPE_DEFAULT_ARGS.get(name, "")
    if name.endswith(" time zone") and args:   # timestamp(3) with time zone: the precision after the first word
        first, rest = name.split(" ", 1)
        return f"{first}{args} {rest}{brackets}"
    return f"{name}{args}{brackets}"


# pg_constraint.confdeltype / confupdtype letters.
# The search_path PostgreSQL's catalog is read under, by the CLI (introspect.postgres.READ_SETTINGS) and by every
# runtime's deep verify (docs/runtime-protocol.md, section 5): format_type, regclass and pg_get_expr qualify a
# name by the path (or leave it bare), so the catalog reads as it does under the default path whatever a role or
# database sets (ALTER ROLE … SET search_path = other, public showed another schema's sequence other.seq as seq,
# the manifest's own as public.seq); pg_temp last, so that no temporary table hides a name either.
PG_READ_PATH = "pg_catalog, public, pg_temp"

PG_FK_ACTIONS = {"a": "no action", "r": "restrict", "c": "cascade", "n": "set null", "d": "set default"}

# The tables FTS5 keeps beside a virtual table <name>: <name>_data, <name>_idx, ...
FTS5_SHADOW = ("data", "idx", "content", "docsize", "config")


def fts5_shadow_tables(virtual_tables) -> set[str]:
    return {f"{v}_{suffix}" for v in virtual_tables for suffix in FTS5_SHADOW}


def sqlite_rowid_alias(pk_columns, column: str, declared_type: str, without_rowid: bool) -> bool:
    """SQLite's INTEGER PRIMARY KEY is the rowid: it never holds NULL, whatever PRAGMA notnull says."""
    return not without_rowid and tuple(pk_columns) == (column,) and declared_type == "INTEGER"


def pg_unquote(name: str) -> str:
    """An identifier as pg_get_indexdef spells it: quoted where needed, with "" for a double quote."""
    if len(name) >= 2 and name[0] == '"' and name[-1] == '"':
        return name[1:-1].replace('""', '"')
    return name
