"""A CHECK on a numeric column compares numbers on PostgreSQL; import wrote sqlglot's reading for SQLite, where
numeric is held as TEXT and a comparison with a bare number or a function's result compares text: CHECK
(round(price) = price) refused every row there ('6.0' is not '6.00'), and a partial index WHERE price > 9.5 left
out a price of 10.00 ('10.00' < '9.5' as text).  (validate warns of such a portable expression, not of one with
a form per engine, which import wrote.)  Now SQLite's form compares CAST(price AS REAL), listed."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest

from schemactl import render
from schemactl.engines import sqlite as sqlite_engine
from schemactl.manifest.load import load_file
from tests.conftest import cli

ROWS = [("6.00", True), ("10.00", True), ("5.50", False), ("4.00", False), (None, True)]


def test_numeric_checks_compare_numbers_on_sqlite_too(pg, pg_server, tmp_path):
    pg.execute("""CREATE TABLE prices (id integer PRIMARY KEY, price numeric(10,2), qty integer,
                                       CONSTRAINT whole CHECK (round(price) = price),
                                       CONSTRAINT above CHECK (price > 5),
                                       CONSTRAINT signed CHECK (price >= 0));
                  CREATE INDEX prices_big ON prices (id) WHERE price > 9.5;""")
    for n, (price, ok) in enumerate(ROWS):   # what PostgreSQL takes
        if ok:
            pg.execute("INSERT INTO prices (id, price) VALUES (%s, %s)", (n, price))
        else:
            with pytest.raises(psycopg.errors.CheckViolation):
                pg.execute("INSERT INTO prices (id, price) VALUES (%s, %s)", (n, price))
    out = tmp_path / "app.yaml"
    result = cli("import", "--db", pg_server.url("schemactl_tests"), "-o", out)
    assert result.exit_code == 0, result.output
    assert "(round(price) = price) compares numbers; SQLite, which holds numeric as TEXT, would compare text: " \
           "written there as (ROUND(CAST(price AS REAL)) = CAST(price AS REAL))" in result.output, result.output
    assert 'index "prices_big", where: (price > 9.5) compares numbers' in result.output, result.output
    # a number PostgreSQL shows cast to numeric is CAST(… AS REAL) there, which compares numbers: left alone
    assert "(price > (5)::numeric) compares" not in result.output, result.output
    m = load_file(out)
    lite = sqlite_engine.connect(":memory:")
    sqlite_engine.apply(lite, render.ddl(m, "sqlite"))
    for n, (price, ok) in enumerate(ROWS):
        if ok:
            lite.execute("INSERT INTO prices (id, price) VALUES (?, ?)", (n, price))
        else:
            with pytest.raises(sqlite3.IntegrityError):
                lite.execute("INSERT INTO prices (id, price) VALUES (?, ?)", (n, price))
    res = cli("parity", out, "--postgres", "url", "--postgres-url", pg_server.url("postgres"))
    assert res.exit_code == 0, res.output


def test_a_generated_columns_numeric_comparison_compares_numbers_on_sqlite(pg, pg_server, tmp_path):
    pg.execute("""CREATE TABLE g (id integer PRIMARY KEY, price numeric(10,2),
                                  big boolean GENERATED ALWAYS AS (price > 9.5) STORED,
                                  whole boolean GENERATED ALWAYS AS (round(price) = price) STORED);
                  INSERT INTO g (id, price) VALUES (1, 10.00), (2, 5.50), (3, 6.00);""")
    expected = pg.execute("SELECT id, big, whole FROM g ORDER BY id").fetchall()
    out = tmp_path / "app.yaml"
    result = cli("import", "--db", pg_server.url("schemactl_tests"), "-o", out)
    assert result.exit_code == 0, result.output
    assert 'column "big", generated: (price > 9.5) compares numbers' in result.output, result.output
    lite = sqlite_engine.connect(":memory:")
    sqlite_engine.apply(lite, render.ddl(load_file(out), "sqlite"))
    lite.executemany("INSERT INTO g (id, price) VALUES (?, ?)", [(1, "10.00"), (2, "5.50"), (3, "6.00")])
    assert [(i, bool(b), bool(w)) for i, b, w in lite.execute("SELECT id, big, whole FROM g ORDER BY id")] == expected
