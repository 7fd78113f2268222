"""A portable `a / b` divides as both engines do: in integers when both operands are integers (7 / 2 is 3).
sqlglot's engine-neutral reading is float division, so the generated DDL cast the left operand to a float on
both engines: CHECK (n / 2 * 2 = n) accepted every odd n, and a generated n / 2 stored 3.5 (SQLite) and 4
(PostgreSQL, rounding its double back into the integer column)."""

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
      half: {type: integer, generated: {expr: "n / 2"}}
      ratio: {type: double, generated: {expr: "CAST(n AS DOUBLE PRECISION) / 4"}}
views:
  halves:
    sql: "SELECT id, n / 2 AS half FROM t"
"""


def test_the_ddl_divides_without_casting():
    m = load_text(MANIFEST, "m.yaml")
    for engine in ("postgres", "sqlite"):
        ddl = render.ddl(m, engine)
        assert "n / 2 * 2 = n" in ddl and "(n / 2)" in ddl, ddl
        assert "CAST(n AS REAL) / 2" not in ddl and "CAST(n AS DOUBLE PRECISION) / 2" not in ddl


def test_both_engines_divide_integers_alike(pg):
    m = load_text(MANIFEST, "m.yaml")
    lite = sqlite_engine.connect(":memory:")
    sqlite_engine.apply(lite, render.ddl(m, "sqlite"))
    pg.execute(render.ddl(m, "postgres"))
    for conn, refused in ((lite, sqlite_engine.sqlite3.IntegrityError), (pg, psycopg.errors.CheckViolation)):
        conn.execute("INSERT INTO t (id, n) VALUES (1, 8)")
        with pytest.raises(refused):   # 7 is odd: 7 / 2 * 2 is 6
            conn.execute("INSERT INTO t (id, n) VALUES (2, 7)")
    rows = {engine: conn.execute("SELECT t.half, t.ratio, v.half FROM t JOIN halves v ON v.id = t.id").fetchall()
            for engine, conn in (("sqlite", lite), ("postgres", pg))}
    assert rows["sqlite"] == rows["postgres"] == [(4, 2.0, 4)]
