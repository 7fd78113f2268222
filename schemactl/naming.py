"""Identifiers: quoting rules, default object names, suggestions."""

from __future__ import annotations

import difflib
import hashlib
import re

PG_MAX_IDENT_BYTES = 63

# Words that must be quoted on at least one engine: PostgreSQL's reserved and
# type/function-name keywords plus its column-name keywords, and every SQLite
# keyword.  Quoting a word that one engine would accept bare is harmless, so
# the union is used for both engines and names look the same in both files.
_PG_RESERVED = """
all analyse analyze and any array as asc asymmetric authorization between bigint binary bit boolean both case
cast char character check coalesce collate collation column concurrently constraint create cross current_catalog
current_date current_role current_schema current_time current_timestamp current_user dec decimal default
deferrable desc distinct do else end except exists extract false fetch float for foreign freeze from full grant
greatest group grouping having ilike in initially inner inout int integer intersect interval into is isnull join
lateral leading least left like limit localtime localtimestamp national natural nchar none normalize not notnull null
nullif numeric offset on only or order out outer overlaps overlay placing position precision primary real
references returning right row select session_user setof similar smallint some substring symmetric system_user
table tablesample then time timestamp to trailing treat trim true union unique user using values varchar
variadic verbose when where window with xmlattributes xmlconcat xmlelement xmlexists xmlforest xmlnamespaces
xmlparse xmlpi xmlroot xmlserialize xmltable
"""
_SQLITE_KEYWORDS = """
abort action add after all alter always analyze and as asc attach autoincrement before begin between by cascade
case cast check collate column commit conflict constraint create cross current current_date current_time
current_timestamp database default deferrable deferred delete desc detach distinct do drop each else end escape
except exclude exclusive exists explain fail filter first following for foreign from full generated glob group
groups having if ignore immediate in index indexed initially inner insert instead intersect into is isnull join
key last left like limit match materialized natural no not nothing notnull null nulls of offset on or order
others outer over partition plan pragma preceding primary query raise range recursive references regexp reindex
release rename replace restrict returning right row rows savepoint select set table temp temporary then ties to
transaction trigger unbounded union unique update using vacuum values view virtual when where window with without
"""
# PostgreSQL's keywords it does not take as a bare name (all but its unreserved ones): its quote_ident quotes them
PG_KEYWORDS = frozenset(_PG_RESERVED.split())
RESERVED = PG_KEYWORDS | frozenset(_SQLITE_KEYWORDS.split())

_BARE = re.compile(r"^[a-z_][a-z0-9_]*$")


def needs_quotes(name: str) -> bool:
    return not _BARE.match(name) or name in RESERVED


def quote(name: str) -> str:
    """Quote an identifier where either engine needs it (same rule for both)."""
    if needs_quotes(name):
        return '"' + name.replace('"', '""') + '"'
    return name


def qualified(schema: str | None, name: str) -> str:
    return f"{quote(schema)}.{quote(name)}" if schema else quote(name)


def too_long(name: str) -> bool:
    # (an ASCII name has as many bytes as characters: not encoded, as most names are)
    return len(name if name.isascii() else name.encode("utf-8")) > PG_MAX_IDENT_BYTES


def derived_name(*parts: str, suffix: str) -> str:
    """A deterministic default name ``part_part_suffix`` that fits PostgreSQL.

    Names longer than 63 bytes are cut and given an 8-hex-digit digest of the
    full name, so two long names never collide and both engines agree.
    """
    full = "_".join((*parts, suffix))
    if not too_long(full):
        return full
    digest = hashlib.sha256(full.encode("utf-8")).hexdigest()[:8]
    tail = f"_{digest}_{suffix}"
    budget = PG_MAX_IDENT_BYTES - len(tail.encode("utf-8"))
    head = full.encode("utf-8")[:budget].decode("utf-8", "ignore").rstrip("_")
    return head + tail


def suggest(word: str, choices) -> str | None:
    """The closest known word, for 'did you mean' hints."""
    hits = difflib.get_close_matches(word.lower(), [c for c in choices], n=1, cutoff=0.6)
    return hits[0] if hits else None


def sql_string(value: str) -> str:
    """A SQL string literal (standard quoting; valid on both engines)."""
    return "'" + value.replace("'", "''") + "'"


def comment_text(text: str | None) -> str | None:
    """``text`` safe inside a one-line comment of any generated file (SQL ``--``, TypeScript ``//``): line
    breaks and other control characters written as escapes, so a file name cannot end the comment."""
    if text is None:
        return None
    import unicodedata
    return "".join(f"\\u{ord(c):04x}" if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in text)


# Role specifications PostgreSQL reads as keywords (a quoted "public" would be a role of that name).
ROLE_KEYWORDS = frozenset({"public", "current_user", "current_role", "session_user"})
