"""Full-text search, one small renderer per engine (chosen by engine name).

SQLite: an FTS5 external-content table over the table's rowid, kept in sync by
three triggers (after insert, delete, update), as the FTS5 documentation
describes.  PostgreSQL: a GIN index on ``to_tsvector('simple', …)`` of the
same columns.  Both are named by the manifest (default ``<table>_search``).
"""

from __future__ import annotations

from ..manifest.model import Search, Table
from ..naming import quote, sql_string

SQLITE_TRIGGERS = ("ai", "ad", "au")          # trigger name suffixes


def pg_document(s: Search) -> str:
    """The tsvector expression the GIN index is built on."""
    parts = " || ' ' || ".join(f"coalesce({quote(c)}, '')" for c in s.columns)
    return f"to_tsvector('simple', {parts})"


def _postgres(t: Table, s: Search, q) -> list[str]:
    return [f"CREATE INDEX {quote(s.name)} ON {q(t.name)} USING gin ({pg_document(s)});"]


def _sqlite(t: Table, s: Search, q) -> list[str]:
    return sqlite_statements(t.name, s.name, s.columns)


def sqlite_statements(table_name: str, name: str, columns) -> list[str]:
    """The FTS5 table and its sync triggers (named <search>_ai, _ad, _au) of a search on ``table_name``."""
    cols = ", ".join(quote(c) for c in columns)
    new = ", ".join(f"new.{quote(c)}" for c in columns)
    old = ", ".join(f"old.{quote(c)}" for c in columns)
    fts, table = quote(name), quote(table_name)
    delete = f"INSERT INTO {fts} ({fts}, rowid, {cols}) VALUES ('delete', old.rowid, {old});"
    insert = f"INSERT INTO {fts} (rowid, {cols}) VALUES (new.rowid, {new});"
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, content={sql_string(table_name)}, content_rowid='rowid');",
        f"CREATE TRIGGER {quote(name + '_ai')} AFTER INSERT ON {table} BEGIN {insert} END;",
        f"CREATE TRIGGER {quote(name + '_ad')} AFTER DELETE ON {table} BEGIN {delete} END;",
        f"CREATE TRIGGER {quote(name + '_au')} AFTER UPDATE ON {table} BEGIN {delete} {insert} END;",
    ]


def _sqlite_drop(t: Table, s: Search, q) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {quote(s.name + '_' + suffix)};" for suffix in SQLITE_TRIGGERS] + \
        [f"DROP TABLE IF EXISTS {quote(s.name)};"]


def _postgres_drop(t: Table, s: Search, q) -> list[str]:
    return [f"DROP INDEX IF EXISTS {q(s.name)};"]


def _sqlite_refill(t: Table, s: Search, q) -> list[str]:
    return [f"INSERT INTO {quote(s.name)} ({quote(s.name)}) VALUES ('rebuild');"]


def _when(tr, engine: str, wrap: bool) -> str:
    if tr.when is None:
        return ""
    cond = tr.when.on(engine)
    return f"WHEN ({cond}) " if wrap else f"WHEN {cond} "


def pg_trigger(tr, q) -> list[str]:
    """A PostgreSQL trigger: one that runs a declared function, or a plpgsql function holding the statements
    and the trigger that runs it."""
    head = (f"CREATE TRIGGER {quote(tr.name)} {tr.timing.upper()} {tr.event.upper()} ON {q(tr.table)} "
            f"FOR EACH {tr.each.upper()} {_when(tr, 'postgres', True)}")
    if tr.function is not None:
        return [f"{head}EXECUTE FUNCTION {q(tr.function)}();"]
    result = "COALESCE(NEW, OLD)" if tr.timing == "before" else "NULL"
    body = "\n".join(f"  {s};" for s in tr.body.on("postgres").split(";\n"))
    fn = q(tr.name + "_fn")
    return [f"CREATE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $schemactl$\nBEGIN\n{body}\n"
            f"  RETURN {result};\nEND\n$schemactl$;",
            f"{head}EXECUTE FUNCTION {fn}();"]


def sqlite_trigger(tr, q) -> list[str]:
    body = " ".join(f"{s};" for s in tr.body.on("sqlite").split(";\n"))
    return [f"CREATE TRIGGER {quote(tr.name)} {tr.timing.upper()} {tr.event.upper()} ON {quote(tr.table)} "
            f"FOR EACH ROW {_when(tr, 'sqlite', False)}BEGIN {body} END;"]


def pg_trigger_drop(tr, q) -> list[str]:
    out = [f"DROP TRIGGER IF EXISTS {quote(tr.name)} ON {q(tr.table)};"]
    return out if tr.function is not None else out + [f"DROP FUNCTION IF EXISTS {q(tr.name + '_fn')}();"]


def sqlite_trigger_drop(tr, q) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {quote(tr.name)};"]


TRIGGER_CREATE = {"postgres": pg_trigger, "sqlite": sqlite_trigger}
TRIGGER_DROP = {"postgres": pg_trigger_drop, "sqlite": sqlite_trigger_drop}

CREATE = {"postgres": _postgres, "sqlite": _sqlite}
DROP = {"postgres": _postgres_drop, "sqlite": _sqlite_drop}
REFILL = {"postgres": lambda t, s, q: [], "sqlite": _sqlite_refill}   # after a migration recreates it


def sqlite_key(columns, content: str) -> str:
    """How an FTS5 search's columns and content table are compared (its options and sync triggers are
    compared each on its own: CSearch.options, .sync)."""
    return f"fts5({', '.join(columns)}) content={content}"


def _pg_expected(table: str, name: str, columns):
    from ..catalog import CSearch
    from ..normalize import expr_key
    document = pg_document(Search(name, tuple(columns)))
    return CSearch(name, table, expr_key(document, "postgres"), document)


def sqlite_expected(table: str, name: str, columns):
    """The FTS5 search schemactl writes, read from its statements as introspection reads the database's."""
    from ..introspect.sqlite import fts5_search
    create, *triggers = sqlite_statements(table, name, columns)
    return fts5_search(name, create, {f"{name}_{x}": (table, sql) for x, sql in zip(SQLITE_TRIGGERS, triggers)})


EXPECTED = {"postgres": _pg_expected, "sqlite": sqlite_expected}


def expected_search(t: Table, s: Search, engine: str):
    """A declared search on ``engine`` as introspection will report it (a CSearch)."""
    return EXPECTED[engine](t.name, s.name, s.columns)
