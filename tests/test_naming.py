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
