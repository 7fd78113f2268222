"""An enum value added and used in one change: the chain applies on both engines.

PostgreSQL refuses to use an enum value added in the same transaction ("unsafe use of new
value"), and each migration is one transaction; so `migrate new` writes the added values as a
migration of their own, committed before the migration that uses them.
"""

from __future__ import annotations

import sqlite3

import pytest

from schemactl.diff import diff
from schemactl.expect import expect
from schemactl.introspect import introspect
from schemactl.manifest.hashing import schema_hash
from schemactl.migrations.files import chain_dir, read_lock
from schemactl.runtime import migrate, verify
from tests.migrations.chain_support import BASE, SEED_ROWS, Chain

USED = BASE.replace("[new, done]", "[new, done, archived]").replace(
    "      status: {type: status, nullable: false, default: new}\n",
    "      status: {type: status, nullable: false, default: archived}\n"
    "      kept: {type: status, default: archived, check: \"kept <> 'archived' OR qty >= 0\"}\n")


def _connect(engine, tmp_path, request):
    return sqlite3.connect(str(tmp_path / "db.sqlite")) if engine == "sqlite" else request.getfixturevalue("pg")


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
def test_added_enum_value_used_as_default_applies_on_both_engines(engine, tmp_path, request):
    conn = _connect(engine, tmp_path, request)
    chain = Chain(tmp_path)
    m1, _ = chain.release(BASE, "init")
    assert migrate(conn, chain.bundle(m1)) == [1]
    cur = conn.cursor()
    for stmt in SEED_ROWS:
        cur.execute(stmt)
    conn.commit()
    m2, planned = chain.release(USED, "archive")
    lock = read_lock(chain_dir(chain.out))
    assert [e["name"] for e in lock["migrations"]] == ["0001_init", "0002_archive_enum_values", "0003_archive"]
    assert lock["migrations"][-1]["schema_hash"] == schema_hash(m2) and planned.version == 3
    assert migrate(conn, chain.bundle(m2)) == [2, 3]          # one transaction each: the value is committed first
    cur.execute("INSERT INTO items (id, owner_id, title) VALUES (9, 1, 'nine')")
    cur.execute("SELECT status, kept FROM items WHERE id = 9")
    assert tuple(cur.fetchone()) == ("archived", "archived")
    conn.commit()
    assert [str(f) for f in diff(expect(m2, engine), introspect(conn, engine))] == []
    verify(conn, chain.bundle(m2), deep=True)                 # raises SchemaMismatch otherwise


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
def test_the_split_chain_applies_from_empty(engine, tmp_path, request):
    conn = _connect(engine, tmp_path, request)
    chain = Chain(tmp_path)
    chain.release(BASE, "init")
    m2, _ = chain.release(USED, "archive")
    assert migrate(conn, chain.bundle(m2)) == [1, 2, 3]
    assert [str(f) for f in diff(expect(m2, engine), introspect(conn, engine))] == []


def test_an_added_value_alone_stays_one_migration(tmp_path):
    chain = Chain(tmp_path)
    chain.release(BASE, "init")
    chain.release(BASE.replace("[new, done]", "[new, done, archived]"), "archived")
    assert [e["name"] for e in read_lock(chain_dir(chain.out))["migrations"]] == ["0001_init", "0002_archived"]


def test_migrate_new_writes_both_and_check_is_clean(tmp_path):
    from tests.conftest import cli
    (tmp_path / "manifests").mkdir()
    path = tmp_path / "manifests" / "m.yaml"
    path.write_text(BASE)

    def run(*args):
        result = cli(*args, cwd=tmp_path)
        assert result.exit_code == 0, result.output
        return result.output

    run("hash", "--write", "manifests/m.yaml")
    run("migrate", "new", "manifests/m.yaml", "--name", "init")
    path.write_text(USED)
    run("hash", "--write", "manifests/m.yaml")
    out = run("migrate", "new", "manifests/m.yaml", "--name", "archive")
    assert "add value 'archived' to enum status" in out and "change default of items.status" in out
    for engine in ("postgres", "sqlite"):
        assert f"generated/chain/migrations/{engine}/0002_archive_enum_values.sql: written" in out
        assert f"generated/chain/migrations/{engine}/0003_archive.sql: written" in out
    assert "version: 3\n" in path.read_text()
    run("check")
