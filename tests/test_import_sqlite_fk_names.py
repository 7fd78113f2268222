"""SQLite finds a foreign key's table and columns in any case: REFERENCES users(id) of a table created as
Users (Id) is that table's key.  Import listed it as not mapped ('references users, a table of another
PostgreSQL schema') and diff called it an undeclared key; a key to a table the database does not hold was
given the same PostgreSQL reason."""

from __future__ import annotations

import sqlite3

from schemactl.introspect import introspect
from schemactl.manifest.load import load_file
from tests.conftest import cli

DDL = """
CREATE TABLE Users (Id INTEGER PRIMARY KEY, Name TEXT);
CREATE UNIQUE INDEX users_name ON Users (name);
CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id), uname TEXT REFERENCES USERS(NAME),
                    owner INTEGER REFERENCES users, ghost_id INTEGER REFERENCES ghosts(id));
"""


def test_a_key_naming_its_table_in_another_case_is_that_tables(tmp_path):
    db = tmp_path / "app.db"
    conn = sqlite3.connect(db)
    conn.executescript(DDL)
    keys = {f.columns: (f.ref_table, f.ref_columns) for f in next(t for t in introspect(conn, "sqlite").tables if t.name == "posts").foreign_keys}
    assert keys == {("user_id",): ("Users", ("Id",)), ("uname",): ("Users", ("Name",)),
                    ("owner",): ("Users", ("Id",)), ("ghost_id",): ("ghosts", ("id",))}
    conn.close()
    out = tmp_path / "app.yaml"
    result = cli("import", "--db", f"sqlite:///{db}", "-o", out)
    assert result.exit_code == 0, result.output
    assert "another PostgreSQL schema" not in result.output, result.output
    assert 'import: not mapped: table "posts", foreign key (ghost_id): references ghosts, which the database does ' \
           "not hold" in result.output
    assert "1 not mapped" in result.output
    fks = {tuple(f.columns): f.ref_table for f in load_file(out).table("posts").foreign_keys}
    assert fks == {("user_id",): "Users", ("uname",): "Users", ("owner",): "Users"}
    found = cli("diff", out, "--db", f"sqlite:///{db}")
    assert found.exit_code == 1 and found.output.count("SC322") == 1 and "ghosts" in found.output, found.output
