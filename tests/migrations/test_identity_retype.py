"""An identity column whose type changes to one no identity has (integer -> text), its identity dropped in the same
migration: applied to populated databases on both engines, the values are kept and the database equals the new
manifest; a column that becomes an identity as its type changes (text -> integer) still gets it after the change."""

from __future__ import annotations

import sqlite3

import pytest

from schemactl.diff import diff
from schemactl.expect import expect
from schemactl.introspect import introspect
from schemactl.runtime import migrate
from tests.migrations.chain_support import Chain

ENGINES = ["sqlite", "postgres"]

IDENTITY = """\
format: 1
name: chain
version: 1
tables:
  things:
    columns:
      id: {type: integer, primary_key: true, identity: true}
      name: text
"""
TEXT = IDENTITY.replace("id: {type: integer, primary_key: true, identity: true}", "id: {type: text, primary_key: true}")

# (manifest before, after, the ids after the migration)
CASES = {
    # PostgreSQL: ALTER COLUMN id TYPE text ran before DROP IDENTITY ("identity column type must be smallint,
    # integer, or bigint"), so the migration failed and rolled back where SQLite's rebuild applied it
    "an identity becomes text": (IDENTITY, TEXT, ["5", "7"]),
    "an identity becomes bigint, no identity": (
        IDENTITY, IDENTITY.replace("{type: integer, primary_key: true, identity: true}",
                                   "{type: bigint, primary_key: true}"), [5, 7]),
    "text becomes an identity": (TEXT, IDENTITY, [5, 7]),
}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", CASES)
def test_an_identity_column_changing_type(engine, case, tmp_path, request):
    before, after, ids = CASES[case]
    if engine == "sqlite":
        conn = sqlite3.connect(str(tmp_path / "db.sqlite"))
        conn.execute("PRAGMA foreign_keys = ON")
    else:
        conn = request.getfixturevalue("pg")
    chain = Chain(tmp_path)
    m1, _ = chain.release(before, "init")
    migrate(conn, chain.bundle(m1))
    conn.execute("INSERT INTO things (id, name) VALUES (5, 'a'), (7, 'b')")
    conn.commit()
    m2, _ = chain.release(after, "retype")
    assert migrate(conn, chain.bundle(m2)) == [2]
    conn.commit()
    assert [tuple(r) for r in conn.execute("SELECT id, name FROM things ORDER BY name")] == \
        [(ids[0], "a"), (ids[1], "b")]
    assert [str(f) for f in diff(expect(m2, engine), introspect(conn, engine))] == []
    if after == IDENTITY:   # the identity goes on after the largest id
        conn.execute("INSERT INTO things (name) VALUES ('c')")
        conn.commit()
        assert [tuple(r) for r in conn.execute("SELECT id FROM things WHERE name = 'c'")] == [(8,)]
