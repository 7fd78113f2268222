"""A bytea constant, which PostgreSQL shows in its hex form ('\\x00ff'::bytea), was written for SQLite as
CAST('\\x00ff' AS BLOB): the six bytes of that text (\\, x, 0, 0, f, f), not the two bytes 00 ff, so a row's
default and a CHECK's constant meant other values on the two engines (PostgreSQL shows 'PK'::bytea as
'\\x504b'::bytea too).  Now it is SQLite's blob x'00ff'."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest

from schemactl import render
from schemactl.engines import sqlite as sqlite_engine
from schemactl.manifest.load import load_file
from tests.conftest import RESET_SQL, cli


def test_a_bytea_constant_is_the_same_bytes_on_sqlite(pg, pg_server, pg_test_db, tmp_path):
    pg.execute(r"""CREATE TABLE blobs (id integer PRIMARY KEY, data bytea DEFAULT '\x00ff'::bytea,
                                      magic bytea DEFAULT 'PK'::bytea,
                                      CONSTRAINT blobs_not_empty CHECK (data <> '\x'::bytea))""")
    pg.execute("INSERT INTO blobs (id) VALUES (1)")
    expected = pg.execute("SELECT data, magic FROM blobs").fetchone()
    assert expected == (b"\x00\xff", b"PK")
    out = tmp_path / "app.yaml"
    result = cli("import", "--db", pg_server.url("schemactl_tests"), "-o", out)
    assert result.exit_code == 0, result.output
    m = load_file(out)
    lite = sqlite_engine.connect(":memory:")
    sqlite_engine.apply(lite, render.ddl(m, "sqlite"))
    lite.execute("INSERT INTO blobs (id) VALUES (1)")
    assert lite.execute("SELECT data, magic FROM blobs").fetchone() == expected
    with pytest.raises(sqlite3.IntegrityError, match="blobs_not_empty"):   # the CHECK, as on PostgreSQL
        lite.execute("INSERT INTO blobs (id, data) VALUES (2, x'')")
    with psycopg.connect(pg_test_db, autocommit=True) as conn:   # and the manifest still builds on PostgreSQL
        conn.execute(RESET_SQL)
        conn.execute(render.ddl(m, "postgres"))
        conn.execute("INSERT INTO blobs (id) VALUES (1)")
        assert conn.execute("SELECT data, magic FROM blobs").fetchone() == expected
