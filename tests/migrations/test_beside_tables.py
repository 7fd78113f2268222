"""Objects beside tables (PostgreSQL functions, sequences, row-level security, policies, triggers that run a
function; SQLite validation triggers) created, changed and dropped by migrations on populated databases: rows
survive and each step equals its manifest on both engines."""

from __future__ import annotations

import sqlite3

import pytest

from schemactl.diff import diff
from schemactl.expect import expect
from schemactl.introspect import introspect
from schemactl.runtime import migrate
from tests.migrations.chain_support import BASE, SEED_ROWS, Chain

ITEMS = "      status: {type: status, nullable: false, default: new}\n"

V2 = BASE.replace(ITEMS, ITEMS + "      number: {type: bigint, default: {nextval: item_numbers}}\n").replace(
    "  extra:\n", """    postgres: {row_level_security: true}
    policies:
      items_own: {command: select, using: "owner_id IS NOT NULL"}
  extra:
""") + """sequences:
  item_numbers: {start: 100, owned_by: items.number}
  spare: {type: integer, increment: 5}
functions:
  touch:
    postgres: "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.note := 'touched'; RETURN NEW; END $$"
triggers:
  items_touch:
    table: items
    timing: before
    on: update
    when: "NEW.qty <> OLD.qty"
    function: touch
  items_check_qty:
    table: items
    timing: before
    on: insert
    do: {sqlite: ["SELECT RAISE(ABORT, 'qty too large') WHERE NEW.qty > 1000"]}
"""

# every object changed in place: sequence options, function body, RLS forced, policy expression, trigger WHEN
V3 = V2.replace("start: 100, owned_by", "start: 100, increment: 2, owned_by").replace(
    "NEW.note := 'touched'", "NEW.note := 'changed'").replace(
    "postgres: {row_level_security: true}", "postgres: {row_level_security: true, force_row_level_security: true}"
).replace('using: "owner_id IS NOT NULL"', 'using: "owner_id > 0"').replace("NEW.qty <> OLD.qty", "NEW.qty > OLD.qty")

STEPS = [("init", BASE), ("add", V2), ("change", V3), ("drop", BASE)]


def _connect(engine, tmp_path, request):
    if engine == "sqlite":
        return sqlite3.connect(str(tmp_path / "db.sqlite"))
    return request.getfixturevalue("pg")


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
def test_beside_tables_created_changed_and_dropped_on_populated_databases(engine, tmp_path, request):
    conn = _connect(engine, tmp_path, request)
    chain = Chain(tmp_path)
    kinds = set()
    for i, (slug, text) in enumerate(STEPS):
        m, planned = chain.release(text, slug)
        kinds |= {op.kind for op in planned.ops} if planned else set()
        migrate(conn, chain.bundle(m))
        conn.commit()
        if i == 0:
            cur = conn.cursor()
            for stmt in SEED_ROWS:
                cur.execute(stmt)
            conn.commit()
        cur = conn.cursor()
        cur.execute("SELECT count(*) FROM items")
        assert cur.fetchone()[0] == 3, slug
        assert [str(f) for f in diff(expect(m, engine), introspect(conn, engine))] == [], slug
        conn.commit()
    assert kinds >= {"create_sequence", "alter_sequence", "drop_sequence", "create_function", "replace_function",
                     "drop_function", "set_row_security", "create_policy", "drop_policy", "create_trigger",
                     "drop_trigger"}


def test_postgres_objects_work_after_migration(tmp_path, pg):
    chain = Chain(tmp_path)
    for slug, text in STEPS[:2]:
        m, _ = chain.release(text, slug)
        migrate(pg, chain.bundle(m))
    pg.commit()
    pg.execute("INSERT INTO owners (id, name) VALUES (1, 'ann')")
    pg.execute("INSERT INTO items (id, owner_id, title, qty) VALUES (1, 1, 'a', 1)")
    assert pg.execute("SELECT number FROM items").fetchone()[0] == 100
    pg.execute("UPDATE items SET qty = 2")
    assert pg.execute("SELECT note FROM items").fetchone()[0] == "touched"
    pg.rollback()


def test_sqlite_validation_trigger_works_after_migration(tmp_path):
    conn = sqlite3.connect(str(tmp_path / "db.sqlite"))
    chain = Chain(tmp_path)
    for slug, text in STEPS[:2]:
        m, _ = chain.release(text, slug)
        migrate(conn, chain.bundle(m))
    conn.execute("INSERT INTO owners (id, name) VALUES (1, 'ann')")
    with pytest.raises(sqlite3.IntegrityError, match="qty too large"):
        conn.execute("INSERT INTO items (id, owner_id, title, qty) VALUES (1, 1, 'a', 5000)")
