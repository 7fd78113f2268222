"""A recursive view (CREATE RECURSIVE VIEW nums (n) AS …, which PostgreSQL keeps as WITH RECURSIVE nums(n) AS
(…) SELECT …) was listed as not mapped: "PostgreSQL has no function nums()", the check for unknown functions
taking the common table expression's column list for a call; and import --ddl never ran CREATE RECURSIVE VIEW
("not a schema statement schemactl maps").  Now the view is imported and reads the same rows on both engines."""

from __future__ import annotations

import psycopg

from schemactl import render
from schemactl.engines import sqlite as sqlite_engine
from schemactl.manifest.enginecheck import pg_unknown_functions
from schemactl.manifest.load import load_file
from tests.conftest import RESET_SQL, cli

DDL = """CREATE TABLE t (id integer PRIMARY KEY);
CREATE RECURSIVE VIEW nums (n) AS SELECT 1 UNION ALL SELECT n + 1 FROM nums WHERE n < 5;
CREATE VIEW pairs AS WITH p(a, b) AS (SELECT 1, 2) SELECT a, b FROM p;
"""


def test_a_cte_column_list_is_no_call():
    assert pg_unknown_functions("WITH RECURSIVE nums(n) AS (SELECT 1) SELECT n FROM nums") == []
    assert pg_unknown_functions("WITH a AS (SELECT 1), b (x, y) AS MATERIALIZED (SELECT 1, 2) SELECT * FROM b") == []
    assert pg_unknown_functions("SELECT nums(n) FROM t") == ["nums"]   # a call is still one


def test_a_recursive_view_is_imported_from_the_database_and_from_ddl(pg, pg_server, pg_test_db, tmp_path):
    pg.execute(DDL)
    expected = pg.execute("SELECT n FROM nums ORDER BY n").fetchall()
    (tmp_path / "schema.sql").write_text(DDL)
    for source in (("--db", pg_server.url("schemactl_tests")),
                   ("--ddl", "schema.sql", "--dialect", "postgres", "--postgres", "url", "--postgres-url",
                    pg_server.url())):
        result = cli("import", *source, "-o", "app.yaml", "--force", cwd=tmp_path)
        assert result.exit_code == 0, result.output
        assert "nums" not in result.output and "pairs" not in result.output, result.output
        m = load_file(tmp_path / "app.yaml")
        assert {v.name for v in m.views} == {"nums", "pairs"}
        lite = sqlite_engine.connect(":memory:")
        sqlite_engine.apply(lite, render.ddl(m, "sqlite"))
        assert [tuple(r) for r in lite.execute("SELECT n FROM nums ORDER BY n")] == expected
        with psycopg.connect(pg_test_db, autocommit=True) as conn:
            conn.execute(RESET_SQL)
            conn.execute(render.ddl(m, "postgres"))
            assert conn.execute("SELECT n FROM nums ORDER BY n").fetchall() == expected
            conn.execute(RESET_SQL)
            conn.execute(DDL)   # the source again, for the next import
