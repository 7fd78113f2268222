"""Identifier quoting and default names."""

from __future__ import annotations

from schemactl import render
from schemactl.engines import sqlite as sqlite_engine
from schemactl.manifest.load import load_text
from schemactl.naming import derived_name, quote


def test_quote_only_where_needed():
    assert quote("users") == "users"
    assert quote("order") == '"order"'
    assert quote("Users") == '"Users"'
    assert quote('he said "hi"') == '"he said ""hi"""'


def test_long_default_names_fit_postgres_and_stay_distinct():
    a = derived_name("t" * 40, "c" * 30, "one", suffix="idx")
    b = derived_name("t" * 40, "c" * 30, "two", suffix="idx")
    assert len(a.encode()) <= 63 and len(b.encode()) <= 63 and a != b
    assert a.endswith("_idx")
    assert derived_name("short", "c", suffix="idx") == "short_c_idx"


def test_identifiers_with_quotes_work_on_both_engines(pg, sqlite_db):
    m = load_text('format: 1\nname: q\nversion: 1\ntables:\n  \'we "quote"\':\n    columns:\n'
                  '      \'he said "hi"\': {type: integer, primary_key: true}\n')
    sqlite_engine.apply(sqlite_db, render.ddl(m, "sqlite"))
    pg.execute(render.ddl(m, "postgres"))
    assert sqlite_db.execute('SELECT name FROM pragma_table_info(\'we "quote"\')').fetchone() == ('he said "hi"',)


# ---------------------------------------------------------------- names an engine refuses

import sqlite3  # noqa: E402

import psycopg  # noqa: E402
import pytest  # noqa: E402

from schemactl.errors import ManifestInvalid  # noqa: E402

_T = "format: 1\nname: n\nversion: 1\ntables:\n"


def _record(engine):
    """The statements every migration file ends with (they write its schema_version row)."""
    from schemactl.migrations.files import record_statements
    return record_statements(engine, None, 1, "sha256:" + "0" * 64, "0" * 64)


@pytest.mark.parametrize("manifest,sqlite_ddl,pg_ddl", [
    (_T + "  users: {columns: {id: {type: integer, primary_key: true}}}\n"
          "  Users: {columns: {id: {type: integer, primary_key: true}}}\n",
     'CREATE TABLE users (id integer); CREATE TABLE "Users" (id integer);', None),
    (_T + "  t: {columns: {id: {type: integer, primary_key: true}, name: text, NAME: text}}\n",
     'CREATE TABLE t (id integer, name text, "NAME" text);', None),
    (_T + "  t:\n    columns: {id: {type: integer, primary_key: true}, a: text}\n"
          "    indexes: [{name: Foo, columns: [a]}, {name: foo, columns: [id]}]\n",
     'CREATE TABLE t (id integer, a text); CREATE INDEX "Foo" ON t (a); CREATE INDEX foo ON t (id);', None),
    (_T + "  t: {columns: {id: {type: integer, primary_key: true}, xmin: integer}}\n",
     None, "CREATE TABLE t (id integer, xmin integer)"),
    (_T + "  t: {columns: {id: {type: integer, primary_key: true}, ctid: text}}\n",
     None, "CREATE TABLE t (id integer, ctid text)"),
    (_T + "  t: {columns: {id: {type: integer, primary_key: true}, '': text}}\n",
     None, 'CREATE TABLE t (id integer, "" text)'),
    (_T + "  t: {columns: {id: {type: integer, primary_key: true}, n: integer}}\n"
          "triggers:\n  T: {table: t, timing: after, on: insert, do: ['UPDATE t SET n = 1 WHERE id = NEW.id']}\n"
          "  t: {table: t, timing: after, on: update, do: ['UPDATE t SET n = 2 WHERE id = NEW.id']}\n",
     'CREATE TABLE t (id integer, n integer); CREATE TRIGGER "T" AFTER INSERT ON t BEGIN SELECT 1; END; '
     "CREATE TRIGGER t AFTER UPDATE ON t BEGIN SELECT 1; END;", None),
    (_T + "  t: {columns: {id: {type: integer, primary_key: true}}}\n"
          "views:\n  T: {sql: 'SELECT id FROM t'}\n",
     'CREATE TABLE t (id integer); CREATE VIEW "T" AS SELECT id FROM t;', None),
    (_T + "  schema_version: {columns: {id: {type: integer, primary_key: true}}}\n",
     "CREATE TABLE schema_version (id integer PRIMARY KEY); " + " ".join(_record("sqlite")),
     "CREATE TABLE schema_version (id integer PRIMARY KEY); " + " ".join(_record("postgres"))),
    (_T + "  t:\n    columns: {id: {type: integer, primary_key: true}, a: text}\n"
          "    indexes: [{name: Schema_Version, columns: [a]}]\n",
     'CREATE TABLE t (id integer, a text); CREATE INDEX "Schema_Version" ON t (a); ' + " ".join(_record("sqlite")),
     None),
], ids=["tables", "columns", "indexes", "xmin", "ctid", "empty", "triggers", "view-like-table", "version-table",
        "index-like-version-table"])
def test_names_an_engine_refuses_are_refused_by_validate(pg, manifest, sqlite_ddl, pg_ddl):
    if sqlite_ddl:       # the engine really refuses them ...
        with pytest.raises(sqlite3.DatabaseError):
            sqlite3.connect(":memory:").executescript(sqlite_ddl)
    if pg_ddl:
        with pytest.raises(psycopg.Error):
            pg.execute(pg_ddl)
    with pytest.raises(ManifestInvalid) as info:    # ... so validate does, at the name, with the fix
        load_text(manifest)
    assert all("rename" in d.message or "name it" in d.message for d in info.value.diagnostics)


def test_a_column_named_like_sqlites_rowid_is_refused():
    """A column "rowid" hides SQLite's real rowid (the other aliases still reach it), and a table rebuild
    (INSERT … SELECT of the columns) renumbers the real one: validate refuses the name."""
    conn = sqlite3.connect(":memory:")
    conn.executescript("CREATE TABLE t (id text PRIMARY KEY, rowid integer);"
                       "INSERT INTO t VALUES ('a', 10), ('b', 20), ('c', 30); DELETE FROM t WHERE id = 'b';")
    assert conn.execute("SELECT rowid, oid FROM t ORDER BY id").fetchall() == [(10, 1), (30, 3)]
    conn.executescript("CREATE TABLE t2 (id text PRIMARY KEY, rowid integer); INSERT INTO t2 SELECT id, rowid FROM t;"
                       "DROP TABLE t; ALTER TABLE t2 RENAME TO t;")
    assert conn.execute("SELECT rowid, oid FROM t ORDER BY id").fetchall() == [(10, 1), (30, 2)]   # renumbered
    for name in ("rowid", "_rowid_", "OID"):
        with pytest.raises(ManifestInvalid) as info:
            load_text(_T + f"  t: {{columns: {{id: {{type: text, primary_key: true}}, {name}: integer}}}}\n")
        assert [d.message for d in info.value.diagnostics] == [
            f'table "t": column "{name}" has a name of SQLite\'s rowid (rowid, _rowid_, oid): it hides the real '
            "rowid, which a table rebuild renumbers; rename it (or make the table sqlite: {without_rowid: true})"]
    # WITHOUT ROWID: the table has no rowid to hide, and the name is the column's own
    load_text(_T + "  t:\n    sqlite: {without_rowid: true}\n"
                   "    columns: {id: {type: text, primary_key: true}, rowid: integer}\n")


def test_every_keyword_postgresql_refuses_as_a_name_is_quoted(pg):
    """(a guard: quote() quotes the union of PostgreSQL's and SQLite's keywords)"""
    m = load_text("format: 1\nname: q\nversion: 1\ntables:\n  natural:\n    columns:\n"
                  "      natural: {type: integer, primary_key: true}\n")
    pg.execute(render.ddl(m, "postgres"))
    words = [w for (w,) in pg.execute("SELECT word FROM pg_get_keywords() WHERE catcode <> 'U'")]
    assert [w for w in words if quote(w) == w] == []
