"""A CHECK doing arithmetic on a date column (end_d >= start_d + 1) was written for SQLite as it is: SQLite
holds the date as ISO text, so start_d + 1 is 2025 for '2024-01-31', and a text sorts after every number: the
CHECK held for every row (an end before the start too) while import counted it exact.  Now such an expression
is kept for PostgreSQL only, and listed, as one with an interval is."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest

from schemactl import render
from schemactl.engines import sqlite as sqlite_engine
from schemactl.manifest.load import load_file
from tests.conftest import cli

DDL = """CREATE TABLE stays (id integer PRIMARY KEY, start_d date NOT NULL, end_d date,
                             CONSTRAINT stays_range CHECK (end_d IS NULL OR end_d >= start_d + 1),
                             CONSTRAINT stays_year CHECK (start_d >= '2000-01-01'));
         CREATE INDEX stays_long ON stays (id) WHERE end_d - start_d > 30;"""


def test_date_arithmetic_is_kept_for_postgres_only_and_listed(pg, pg_server, pg_test_db, tmp_path):
    pg.execute(DDL)
    with pytest.raises(psycopg.errors.CheckViolation):
        pg.execute("INSERT INTO stays VALUES (1, '2024-02-01', '2024-01-01')")
    out = tmp_path / "app.yaml"
    result = cli("import", "--db", pg_server.url("schemactl_tests"), "-o", out)
    assert result.exit_code == 0, result.output
    assert ("kept for postgres only: SQLite has no form of ((end_d IS NULL) OR (end_d >= (start_d + 1))): "
            "start_d + 1: arithmetic on start_d, a date, which SQLite holds as ISO text and would compute as a "
            "number") in result.output, result.output
    assert ('index "stays_long": kept on postgres only: WHERE SQLite has no form of ((end_d - start_d) > 30): '
            "end_d - start_d: arithmetic on end_d") in result.output, result.output
    m = load_file(out)
    checks = {c.name: c for c in m.table("stays").checks}
    assert "start_d + 1" not in render.ddl(m, "sqlite")
    assert "start_d >= '2000-01-01'" in render.ddl(m, "sqlite")   # a date compared with a date: kept
    assert set(checks) == {"stays_range", "stays_year"}
    lite = sqlite_engine.connect(":memory:")
    sqlite_engine.apply(lite, render.ddl(m, "sqlite"))
    with pytest.raises(sqlite3.IntegrityError):
        lite.execute("INSERT INTO stays VALUES (1, '1999-02-01', NULL)")
