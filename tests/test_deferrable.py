"""DEFERRABLE foreign keys: a cycle of NOT NULL references can be filled inside one transaction on both
engines (checked at commit), and the parity gate tells deferred, immediate and not deferrable apart."""

from __future__ import annotations

import sqlite3

import pytest

from schemactl import render
from schemactl.diff import diff
from schemactl.expect import expect
from schemactl.introspect import introspect
from schemactl.manifest.load import load_file
from tests.conftest import CASES

MANIFEST = load_file(CASES / "foreign_key_deferrable" / "manifest.yaml")
FILL = ["INSERT INTO authors (id, first_book) VALUES (1, 10)",
        "INSERT INTO books (id, author_id, editor_id) VALUES (10, 1, NULL)"]


def test_a_not_null_cycle_fills_in_one_transaction_on_postgres(pg):
    pg.execute(render.ddl(MANIFEST, "postgres"))
    with pg.transaction():
        for stmt in FILL:
            pg.execute(stmt)
    assert pg.execute("SELECT count(*) FROM books").fetchone() == (1,)
    with pytest.raises(Exception, match="foreign key"):   # still enforced: at commit
        with pg.transaction():
            pg.execute("INSERT INTO authors (id, first_book) VALUES (2, 99)")


def test_a_not_null_cycle_fills_in_one_transaction_on_sqlite(tmp_path):
    conn = sqlite3.connect(tmp_path / "d.db", isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.executescript(render.ddl(MANIFEST, "sqlite"))
    conn.execute("BEGIN")
    for stmt in FILL:
        conn.execute(stmt)
    conn.execute("COMMIT")
    conn.execute("BEGIN")
    conn.execute("INSERT INTO authors (id, first_book) VALUES (2, 99)")
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("COMMIT")
    conn.execute("ROLLBACK")


def _findings(conn, engine):
    return sorted((f.code, f.path) for f in diff(expect(MANIFEST, engine), introspect(conn, engine, None)))


def test_parity_tells_deferrability_apart_on_postgres(pg):
    pg.execute(render.ddl(MANIFEST, "postgres"))
    assert _findings(pg, "postgres") == []
    pg.execute("ALTER TABLE books ALTER CONSTRAINT books_editor_id_fkey NOT DEFERRABLE")
    pg.execute("ALTER TABLE books ALTER CONSTRAINT books_author_id_fkey DEFERRABLE INITIALLY IMMEDIATE")
    assert _findings(pg, "postgres") == [("SC324", "books/foreign key books_author_id_fkey"),
                                         ("SC324", "books/foreign key books_editor_id_fkey")]


def test_parity_tells_deferred_apart_on_sqlite(tmp_path):
    conn = sqlite3.connect(tmp_path / "d.db")
    conn.executescript(render.ddl(MANIFEST, "sqlite").replace(
        "REFERENCES authors (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED", "REFERENCES authors (id) ON DELETE CASCADE"))
    assert _findings(conn, "sqlite") == [("SC324", "books/foreign key books_author_id_fkey")]
