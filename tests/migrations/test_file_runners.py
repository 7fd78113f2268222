"""The README's plain-file runners (psql, sqlite3) apply a migration in one transaction and stop at its
first error: a migration that fails leaves the database as it was (rows, schema, schema_version), and
the runner says it failed, so a loop over the files stops there.  Run as the README writes them."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess

import pytest

from tests.conftest import cli

MANIFEST = """\
format: 1
name: shop
version: 1
tables:
  projects:
    columns:
      id: {type: bigint, primary_key: true, identity: true}
      code: {type: text}
  tasks:
    columns:
      id: {type: bigint, primary_key: true, identity: true}
      project_id: {type: bigint, nullable: false, references: {table: projects, column: id, on_delete: cascade}}
"""


def sqlite3_runner(db, migration):
    """README: sqlite3 -bail app.db "BEGIN" ".read FILE" "COMMIT" for each file in order."""
    return subprocess.run(["sqlite3", "-bail", str(db), "BEGIN", f".read {migration}", "COMMIT"],
                          capture_output=True, text=True)


def psql_runner(conninfo, migration):
    """README: psql -v ON_ERROR_STOP=1 -1 -f FILE for each file in order."""
    return subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-1", "-f", str(migration), conninfo],
                          capture_output=True, text=True)


@pytest.fixture
def chain(tmp_path, monkeypatch):
    """A chain of two migrations; the second makes projects.code unique (it fails on duplicate codes)."""
    root = tmp_path / "shop"
    (root / "manifests").mkdir(parents=True)
    (root / "schemactl.toml").write_text('manifests = ["manifests/*.yaml"]\n')
    manifest = root / "manifests" / "shop.yaml"
    manifest.write_text(MANIFEST)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert cli("migrate", "new", "manifests/shop.yaml", "--name", "init", cwd=root).exit_code == 0
    manifest.write_text(manifest.read_text().replace("      code: {type: text}\n",
                                                     "      code: {type: text, unique: true}\n"))
    result = cli("migrate", "new", "manifests/shop.yaml", "--name", "unique_code", cwd=root)
    assert result.exit_code == 0, result.output
    return root / "generated" / "shop" / "migrations"


@pytest.mark.skipif(shutil.which("sqlite3") is None, reason="the sqlite3 command-line tool is not installed")
def test_sqlite3_runner_leaves_the_database_as_it_was_when_a_migration_fails(chain, tmp_path):
    db = tmp_path / "app.db"
    first, second = sorted((chain / "sqlite").glob("*.sql"))
    assert sqlite3_runner(db, first).returncode == 0
    conn = sqlite3.connect(db)
    conn.executescript("INSERT INTO projects (code) VALUES ('a'), ('a'); INSERT INTO tasks (project_id) VALUES (1), (2);")
    conn.close()
    before = _sqlite_state(db)
    failed = sqlite3_runner(db, second)
    assert failed.returncode != 0 and "UNIQUE" in failed.stderr
    assert _sqlite_state(db) == before


def _sqlite_state(db):
    conn = sqlite3.connect(db)
    try:
        return (conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall(),
                conn.execute("SELECT * FROM projects ORDER BY id").fetchall(),
                conn.execute("SELECT * FROM tasks ORDER BY id").fetchall(),
                conn.execute("SELECT version FROM schema_version ORDER BY version").fetchall())
    finally:
        conn.close()


@pytest.mark.skipif(shutil.which("psql") is None, reason="the psql command-line tool is not installed")
def test_psql_runner_leaves_the_database_as_it_was_when_a_migration_fails(chain, pg, pg_test_db):
    first, second = sorted((chain / "postgres").glob("*.sql"))
    ok = psql_runner(pg_test_db, first)
    assert ok.returncode == 0, ok.stderr
    pg.execute("INSERT INTO projects (code) VALUES ('a'), ('a'); INSERT INTO tasks (project_id) VALUES (1), (2)")
    state = ("SELECT (SELECT count(*) FROM projects), (SELECT count(*) FROM tasks), "
             "(SELECT array_agg(version ORDER BY version) FROM schema_version), "
             "(SELECT count(*) FROM pg_indexes WHERE tablename = 'projects')")
    before = pg.execute(state).fetchone()
    failed = psql_runner(pg_test_db, second)
    assert failed.returncode != 0 and "duplicate" in failed.stderr
    assert pg.execute(state).fetchone() == before


DROPS_V1 = """\
format: 1
name: chain
version: 1
tables:
  owners:
    columns:
      id: {type: integer, primary_key: true}
  items:
    columns:
      id: {type: integer, primary_key: true}
      owner_id: {type: integer, references: {table: owners, column: id, on_delete: cascade}}
      parent_id: {type: integer, references: {table: items, column: id, on_delete: cascade}}
  notes:
    columns:
      id: {type: integer, primary_key: true}
      item_id: {type: integer, nullable: false, references: {table: items, column: id, on_delete: cascade}}
"""


@pytest.mark.skipif(shutil.which("sqlite3") is None, reason="the sqlite3 command-line tool is not installed")
def test_sqlite3_runner_with_foreign_keys_on_drops_a_parent_after_the_child_that_is_referenced(tmp_path):
    """owners dropped, items' key to it dropped: SQLite cannot drop the old items (referenced by notes and
    by itself) once owners is gone when foreign keys are ON (no such table: main.owners), so the old
    children go first whatever their ON DELETE action."""
    from tests.migrations.chain_support import Chain
    chain = Chain(tmp_path)
    chain.release(DROPS_V1, "init")
    chain.release(DROPS_V1.replace("  owners:\n    columns:\n      id: {type: integer, primary_key: true}\n", "")
                  .replace("owner_id: {type: integer, references: {table: owners, column: id, on_delete: cascade}}",
                           "owner_id: integer"), "drop_owners")
    first, second = sorted((chain.out / "migrations" / "sqlite").glob("*.sql"))
    db = tmp_path / "app.db"
    assert sqlite3_runner(db, first).returncode == 0
    conn = sqlite3.connect(db)
    conn.executescript("INSERT INTO owners VALUES (1), (2); INSERT INTO items VALUES (1, 1, NULL), (2, 1, 1), (3, 2, 2);"
                       "INSERT INTO notes VALUES (1, 1), (2, 3);")
    conn.close()
    done = subprocess.run(["sqlite3", "-bail", str(db), "PRAGMA foreign_keys = ON;", "BEGIN", f".read {second}",
                           "COMMIT"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT * FROM items ORDER BY id").fetchall() == [(1, 1, None), (2, 1, 1), (3, 2, 2)]
    assert conn.execute("SELECT * FROM notes ORDER BY id").fetchall() == [(1, 1), (2, 3)]
    assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'owners'").fetchall() == []
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    conn.close()


CYCLE_V1 = """\
format: 1
name: chain
version: 1
tables:
  a:
    columns:
      id: {type: integer, primary_key: true}
      b_id: {type: integer, references: {table: b, column: id, on_delete: cascade, deferrable: deferred}}
      up: {type: integer, references: {table: a, column: id, on_delete: cascade}}
  b:
    columns:
      id: {type: integer, primary_key: true}
      a_id: {type: integer, references: {table: a, column: id, on_delete: cascade, deferrable: deferred}}
      up: {type: integer, references: {table: b, column: id, on_delete: cascade}}
      v: text
"""


@pytest.mark.skipif(shutil.which("sqlite3") is None, reason="the sqlite3 command-line tool is not installed")
def test_sqlite3_runner_with_foreign_keys_on_rebuilds_a_cycle_of_self_referencing_tables(tmp_path):
    """a and b reference each other and themselves: whichever old table goes first, the other one's
    self-cascade deletes from a table whose parent is gone (no such table: main.b) unless a stand-in
    holds the name until it is dropped."""
    from tests.migrations.chain_support import Chain
    chain = Chain(tmp_path)
    chain.release(CYCLE_V1, "init")
    chain.release(CYCLE_V1.replace("v: text", "v: {type: text, nullable: false, default: z}"), "fill_v")
    first, second = sorted((chain.out / "migrations" / "sqlite").glob("*.sql"))
    db = tmp_path / "app.db"
    assert sqlite3_runner(db, first).returncode == 0
    conn = sqlite3.connect(db)
    conn.executescript("PRAGMA foreign_keys = ON; BEGIN; INSERT INTO a VALUES (1, 1, NULL), (2, 2, 1);"
                       "INSERT INTO b VALUES (1, 1, NULL, NULL), (2, 2, 1, 'x'); COMMIT;")
    conn.close()
    done = subprocess.run(["sqlite3", "-bail", str(db), "PRAGMA foreign_keys = ON;", "BEGIN", f".read {second}",
                           "COMMIT"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT * FROM a ORDER BY id").fetchall() == [(1, 1, None), (2, 2, 1)]
    assert conn.execute("SELECT * FROM b ORDER BY id").fetchall() == [(1, 1, None, "z"), (2, 2, 1, "x")]
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert sorted(r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")) == \
        ["a", "b", "schema_version"]
    conn.close()
