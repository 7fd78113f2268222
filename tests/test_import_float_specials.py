"""A float default of 'Infinity'::double precision was written for SQLite as CAST('Infinity' AS REAL), which
SQLite reads as 0.0 (and 'NaN' too): a row inserted without the column held 0 there and infinity on PostgreSQL,
listed only as "review it".  Now infinity is SQLite's 9e999 (its infinity), and a NaN default, which SQLite cannot
hold (it stores NULL), or an infinite numeric, is listed as not mapped."""

from __future__ import annotations

import math

import psycopg

from schemactl import render
from schemactl.engines import sqlite as sqlite_engine
from schemactl.manifest.load import load_file
from tests.conftest import RESET_SQL, cli


def test_infinite_float_defaults_are_infinite_on_sqlite_and_nan_is_listed(pg, pg_server, pg_test_db, tmp_path):
    pg.execute("""CREATE TABLE limits (id integer PRIMARY KEY, hi double precision DEFAULT 'Infinity',
                                       lo real DEFAULT '-inf', odd double precision DEFAULT 'NaN',
                                       price numeric(10,2) DEFAULT 'NaN',
                                       CONSTRAINT limits_hi CHECK (hi > 0 AND hi <= 'Infinity'::double precision))""")
    out = tmp_path / "app.yaml"
    result = cli("import", "--db", pg_server.url("schemactl_tests"), "-o", out)
    assert result.exit_code == 0, result.output
    for col, value in (("odd", "'NaN'::double precision"), ("price", "'NaN'::numeric")):
        assert (f'not mapped: table "limits", column "{col}", default: {value} is a value SQLite cannot hold (it has '
                "no NaN") in result.output, result.output
    m = load_file(out)
    lite = sqlite_engine.connect(":memory:")
    sqlite_engine.apply(lite, render.ddl(m, "sqlite"))
    lite.execute("INSERT INTO limits (id) VALUES (1)")
    assert lite.execute("SELECT hi, lo, odd, price FROM limits").fetchone() == (math.inf, -math.inf, None, None)
    with psycopg.connect(pg_test_db, autocommit=True) as conn:
        conn.execute(RESET_SQL)
        conn.execute(render.ddl(m, "postgres"))
        conn.execute("INSERT INTO limits (id) VALUES (1)")
        assert conn.execute("SELECT hi, lo FROM limits").fetchone() == (math.inf, -math.inf)
