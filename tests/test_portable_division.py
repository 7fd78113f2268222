"""A portable a / b of two integers divides as floats on both engines (sqlglot's reading of portable SQL casts
a to a float), where each engine's own SQL divides integers as integers: CHECK (n / 2 * 2 = n) accepts every
odd n, and an integer generated column stores 3.5 as 4 on PostgreSQL and as 3.5 on SQLite.  The rendering is
kept (changing it would change the schema hash of every released manifest that divides); validate warns."""

from __future__ import annotations

import psycopg
import pytest

from schemactl import render
from schemactl.engines import sqlite as sqlite_engine
from schemactl.manifest.load import load_text

MANIFEST = """\
format: 1
name: division
version: 1
tables:
  t:
    columns:
      id: {type: integer, primary_key: true}
      n: {type: integer, nullable: false, check: "n / 2 * 2 = n"}
      x: {type: double}
      half: {type: integer, generated: {expr: "n / 2"}}
      ratio: {type: double, generated: {expr: "CAST(n AS DOUBLE PRECISION) / 4"}}
      scaled: {type: double, generated: {expr: "x / 2"}}
      own: {type: integer, generated: {expr: {postgres: "n / 2", sqlite: "n / 2"}}}
"""


def test_a_portable_division_of_integers_is_warned_about_and_rendered_as_before():
    m = load_text(MANIFEST, "m.yaml")
    said = [(w.line, w.message.split(": n / 2")[0]) for w in m.warnings]
    assert said == [(8, 'table "t": check "t_n_check"'), (10, 'table "t", column "half": generated')]
    assert "divides as floats in a portable expression" in m.warnings[0].message
    ddl = render.ddl(m, "postgres")   # the schema as released: its hash and DDL do not change
    assert "CAST(n AS DOUBLE PRECISION) / 2 * 2 = n" in ddl


def test_the_engines_own_sql_divides_integers_as_integers(pg):
    """What the warning says, on both engines: the portable CHECK takes 7, the per-engine form refuses it."""
    m = load_text(MANIFEST.replace('check: "n / 2 * 2 = n"', 'check: {postgres: "n / 2 * 2 = n", sqlite: '
                                                              '"n / 2 * 2 = n"}'), "m.yaml")
    portable = load_text(MANIFEST, "m.yaml")
    lite = sqlite_engine.connect(":memory:")
    sqlite_engine.apply(lite, render.ddl(m, "sqlite"))
    pg.execute(render.ddl(m, "postgres"))
    for conn, refused in ((lite, sqlite_engine.sqlite3.IntegrityError), (pg, psycopg.errors.CheckViolation)):
        conn.execute("INSERT INTO t (id, n) VALUES (1, 8)")
        with pytest.raises(refused):
            conn.execute("INSERT INTO t (id, n) VALUES (2, 7)")
    assert lite.execute("SELECT own FROM t").fetchall() == [(4,)]
    loose = sqlite_engine.connect(":memory:")
    sqlite_engine.apply(loose, render.ddl(portable, "sqlite"))
    loose.execute("INSERT INTO t (id, n) VALUES (2, 7)")   # the portable form: 3.5 * 2 = 7
    assert loose.execute("SELECT half FROM t").fetchall() == [(3.5,)]
