"""A table created by a migration with a foreign key to an existing table whose referenced key the same migration
changes (its type changed to another kind, or the key itself added): applied to populated databases on both
engines, through `migrate new` (plan_next) and `migrate apply` (the runtime), the rows are kept, the new table's
foreign key holds and the database equals the new manifest."""

from __future__ import annotations

import sqlite3

import pytest

from schemactl.diff import diff
from schemactl.expect import expect
from schemactl.introspect import introspect
from schemactl.runtime import migrate
from tests.migrations.chain_support import Chain

ENGINES = ["sqlite", "postgres"]

V1 = """\
format: 1
name: chain
version: 1
tables:
  parents:
    columns:
      id: {type: integer, primary_key: true}
      code: {type: integer, nullable: false}
    unique: [[code]]
"""
CHILD = """\
  badges:
    columns:
      id: {type: integer, primary_key: true}
      code: {type: text, references: {table: parents, column: code, on_delete: cascade}}
"""
# parents.code integer -> text, and a new table referencing it as text
RETYPED = V1.replace("code: {type: integer, nullable: false}", "code: {type: text, nullable: false}") + CHILD
INT_CHILD = CHILD.replace("type: text", "type: integer")
# parents.code gains its unique key in the migration that creates the table referencing it
UNKEYED = V1.replace("    unique: [[code]]\n", "")
# parents.code is added, unique, in that migration
UNCODED = UNKEYED.replace("      code: {type: integer, nullable: false}\n", "")
ADDED = UNCODED + "    unique: [[code]]\n" + INT_CHILD
ADDED = ADDED.replace("      id: {type: integer, primary_key: true}\n    unique",
                      "      id: {type: integer, primary_key: true}\n      code: integer\n    unique", 1)
# parents' primary key moves from id to code in that migration
REKEYED = UNKEYED.replace("      id: {type: integer, primary_key: true}\n      code: {type: integer, nullable: false}",
                          "      id: {type: integer, nullable: false}\n      code: {type: integer, primary_key: true}") \
    + INT_CHILD

# (manifest before, after, parents' rows after the migration, a badge's code)
CASES = {
    # PostgreSQL: CREATE TABLE badges ran before parents.code's ALTER TYPE ("key columns "code" and "code" are of
    # incompatible types: text and integer")
    "a referenced key retyped to text": (V1, RETYPED, [(1, "12"), (2, "-7")], "'12'"),
    # PostgreSQL: CREATE TABLE badges ran before the unique key or primary key it references was added ("there is
    # no unique constraint matching given keys for referenced table "parents"")
    "a referenced key made unique": (UNKEYED, V1 + INT_CHILD, [(1, 12), (2, -7)], "12"),
    "a referenced column added with its unique key": (UNCODED, ADDED, [(1, None), (2, None)], "12"),
    "a referenced primary key moved to another column": (UNKEYED, REKEYED, [(1, 12), (2, -7)], "12"),
}


def _connect(engine, tmp_path, request):
    if engine == "postgres":
        return request.getfixturevalue("pg")
    conn = sqlite3.connect(str(tmp_path / "db.sqlite"))
    conn.execute("PRAGMA foreign_keys = ON")   # as an application holds it: the cascade below is SQLite's too
    return conn


def _released(engine, before: str, tmp_path, request):
    """(connection, Chain, its first release): ``before`` released and migrated on ``engine``, with two parents."""
    conn = _connect(engine, tmp_path, request)
    chain = Chain(tmp_path)
    m1, _ = chain.release(before, "init")
    migrate(conn, chain.bundle(m1))
    conn.execute("INSERT INTO parents (id, code) VALUES (1, 12), (2, -7)" if "code" in before else
                 "INSERT INTO parents (id) VALUES (1), (2)")
    conn.commit()
    return conn, chain, m1


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", CASES)
def test_a_table_created_beside_a_change_of_the_key_it_references(engine, case, tmp_path, request):
    before, after, rows, code = CASES[case]
    conn, chain, m1 = _released(engine, before, tmp_path, request)
    m2, _ = chain.release(after, "child")
    assert migrate(conn, chain.bundle(m2)) == [2]
    conn.commit()
    assert [tuple(r) for r in conn.execute("SELECT id, code FROM parents ORDER BY id")] == rows
    if rows[0][1] is None:
        conn.execute("UPDATE parents SET code = 12 WHERE id = 1")
    conn.execute(f"INSERT INTO badges (id, code) VALUES (1, {code})")   # the key holds the new rows
    conn.commit()
    conn.execute("DELETE FROM parents WHERE id = 1")                     # and cascades
    conn.commit()
    assert [tuple(r) for r in conn.execute("SELECT count(*) FROM badges")] == [(0,)]
    assert [str(f) for f in diff(expect(m2, engine), introspect(conn, engine))] == []


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", CASES)
def test_its_down_migration_drops_the_table_before_the_key(engine, case, tmp_path, request):
    """The way back drops the new table and the key it referenced (or the changed type's key) in one migration.
    PostgreSQL: DROP CONSTRAINT parents_code_key (or parents_pkey) ran before DROP TABLE badges ("cannot drop
    constraint ... because other objects depend on it"), so `migrate down` failed and rolled back.  Up, down and up
    again keep the rows and end diff-clean on both engines."""
    from schemactl.migrations.down import run_down
    from schemactl.migrations.files import chain_dir, read_lock
    before, after, rows, _ = CASES[case]
    conn, chain, m1 = _released(engine, before, tmp_path, request)
    kept = [tuple(r) for r in conn.execute("SELECT id, code FROM parents ORDER BY id")] if "code" in before else None
    m2, _ = chain.release(after, "child")
    assert migrate(conn, chain.bundle(m2)) == [2]
    conn.commit()
    lock = read_lock(chain_dir(chain.out))
    assert "down" in lock["migrations"][-1], lock["migrations"][-1].get("down_reason")
    assert run_down(conn, engine, chain.bundle(m2), lock, chain_dir(chain.out), 1) == ["0002_child"]
    assert [str(f) for f in diff(expect(m1, engine), introspect(conn, engine))] == []
    if kept is not None:
        assert [tuple(r) for r in conn.execute("SELECT id, code FROM parents ORDER BY id")] == kept
    assert migrate(conn, chain.bundle(m2)) == [2]
    conn.commit()
    assert [tuple(r) for r in conn.execute("SELECT id, code FROM parents ORDER BY id")] == rows
    assert [str(f) for f in diff(expect(m2, engine), introspect(conn, engine))] == []


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("dropped", ["unique", "primary key"])
def test_a_table_dropped_with_the_key_it_references(engine, dropped, tmp_path, request):
    """The same order on the way up: badges dropped (--allow-destructive) with the parents' key it referenced.
    PostgreSQL: DROP CONSTRAINT ran before DROP TABLE badges and failed; now the table goes first."""
    start = V1 + INT_CHILD if dropped == "unique" else REKEYED
    conn = _connect(engine, tmp_path, request)
    chain = Chain(tmp_path)
    m1, _ = chain.release(start, "init")
    migrate(conn, chain.bundle(m1))
    conn.execute("INSERT INTO parents (id, code) VALUES (1, 12), (2, -7)")
    conn.execute("INSERT INTO badges (id, code) VALUES (1, 12)")
    conn.commit()
    m2, _ = chain.release(UNKEYED, "drop_badges")
    assert migrate(conn, chain.bundle(m2)) == [2]
    conn.commit()
    assert [tuple(r) for r in conn.execute("SELECT id, code FROM parents ORDER BY id")] == [(1, 12), (2, -7)]
    assert [str(f) for f in diff(expect(m2, engine), introspect(conn, engine))] == []
