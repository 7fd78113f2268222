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
], ids=["tables", "columns", "indexes", "xmin", "ctid", "empty", "triggers", "view-like-table"])
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
