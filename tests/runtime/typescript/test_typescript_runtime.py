"""The generated TypeScript runtime (runtime.ts) on real engines, driven by a compiled Node program:
migrate and deep verify through every connection kind, refusal of tampered databases with the same
lines and messages as schemactl.runtime (Python), two processes at once, a failing migration rolled back,
and tsc --strict on every generated runtime."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path

import psycopg
import pytest

from schemactl.runtime import MigrationError, SchemaMismatch, migrate, verify
from tests.migrations.chain_support import BASE, SEED_ROWS, Chain
from tests.runtime.typescript.support import (COMPILER_OPTIONS, NODE_MODULES, ROOT, STRICTER_OPTIONS, TSC,
                                              build_drivers)

V2 = BASE.replace("      name: {type: text, nullable: false}\n",
                  "      name: {type: text, nullable: false}\n      email: {type: varchar(120), unique: true}\n"
                  "    indexes:\n"
                  "      - {name: owners_name_expr_idx, columns: [{expr: \"lower(name)\"}, {column: id, order: desc}]}\n")
V3 = V2.replace("      name: {type: text, nullable: false}\n", "      name: {type: text}\n")   # SQLite: rebuilds owners and items
V4 = V3.replace("      note: text\n", "      note: {type: text, nullable: false}\n")       # fails on a NULL note
RELEASES = [(BASE, "init"), (V2, "owner_email"), (V3, "owner_name_optional"), (V4, "note_required")]
NAMED = BASE.replace("version: 1\n", 'version: 1\npostgres: {schema: "Sales Data"}\n')

CONTENT = {"owners": "SELECT id, name FROM {s}owners ORDER BY id",
           "items": "SELECT id, owner_id, title, qty, note, status FROM {s}items ORDER BY id",
           "extra": "SELECT id FROM {s}extra ORDER BY id"}


class Built:
    """Drivers compiled against each release of the test chain (version -> driver) and the bundles."""

    def __init__(self, drivers: dict, bundles: dict):
        self.drivers = drivers
        self.bundles = bundles


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Built:
    root = tmp_path_factory.mktemp("ts_runtime")
    pairs, bundles = [], {}
    chain = Chain(root / "chain")
    for version, (text, slug) in enumerate(RELEASES, start=1):
        chain.release(text, slug)
        snapshot = root / f"v{version}"
        shutil.copytree(chain.out, snapshot)
        pairs.append((snapshot, root / f"driver_v{version}"))
        bundles[version] = json.loads((snapshot / "bundle.json").read_text())
    named = Chain(root / "named")
    named.release(NAMED, "init")
    pairs.append((named.out, root / "driver_named"))
    bundles["named"] = json.loads((named.out / "bundle.json").read_text())
    drivers = build_drivers(pairs)
    return Built(dict(zip([1, 2, 3, 4, "named"], drivers)), bundles)


# ---------------------------------------------------------------- engines seen from Python

def _sqlite(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(str(path))


def _seed_sqlite(path: Path) -> None:
    with _sqlite(path) as conn:
        for stmt in SEED_ROWS:
            conn.execute(stmt)
    conn.close()


def _content_sqlite(path: Path) -> dict:
    conn = _sqlite(path)
    try:
        return {t: conn.execute(q.format(s="")).fetchall() for t, q in CONTENT.items()}
    finally:
        conn.close()


def _content_pg(pg, schema: str = "") -> dict:
    return {t: pg.execute(q.format(s=schema)).fetchall() for t, q in CONTENT.items()}


def _python_problems(engine: str, target, bundle: dict, deep: bool = True) -> list[str]:
    """schemactl.runtime's verify lines on the same database ([] when it passes)."""
    conn = _sqlite(target) if engine == "sqlite" else psycopg.connect(target)
    try:
        verify(conn, bundle, deep=deep)
        return []
    except SchemaMismatch as exc:
        return exc.differences
    finally:
        conn.close()


def _python_migrate_error(engine: str, target, bundle: dict) -> str:
    conn = _sqlite(target) if engine == "sqlite" else psycopg.connect(target)
    try:
        with pytest.raises(MigrationError) as info:
            migrate(conn, bundle)
        return str(info.value)
    finally:
        conn.close()


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request):
    """(engine, target, run_sql) on an empty database: a SQLite file or the throwaway PostgreSQL."""
    if request.param == "sqlite":
        path = request.getfixturevalue("tmp_path") / "app.db"

        def run_sql(script: str) -> None:
            conn = _sqlite(path)
            conn.executescript(script)
            conn.close()
        return "sqlite", str(path), run_sql
    pg = request.getfixturevalue("pg")
    return "postgres", request.getfixturevalue("pg_test_db"), lambda script: pg.execute(script)


def _seed(engine_name: str, target: str, run_sql) -> None:
    run_sql(";\n".join(SEED_ROWS))


def _content(engine_name: str, target: str) -> dict:
    if engine_name == "sqlite":
        return _content_sqlite(Path(target))
    with psycopg.connect(target) as conn:
        return _content_pg(conn)


# ---------------------------------------------------------------- migrate and verify, every connection kind

@pytest.mark.parametrize("engine_name,via", [("sqlite", "plain"), ("sqlite", "drizzle"), ("postgres", "plain"),
                                             ("postgres", "pool"), ("postgres", "drizzle"),
                                             ("postgres", "drizzle-client")])
def test_migrate_a_populated_chain_then_verify_deep(built, request, tmp_path, engine_name, via):
    if engine_name == "sqlite":
        target = str(tmp_path / "app.db")
    else:
        request.getfixturevalue("pg")   # empties the database
        target = request.getfixturevalue("pg_test_db")
    d1, d3 = built.drivers[1], built.drivers[3]
    first = d1.run("verify", engine_name, target, via)
    assert first["error"] == "SchemaMismatch"
    assert first["differences"] == _python_problems(engine_name, target, built.bundles[1], deep=False)
    assert d1.run("migrate", engine_name, target, via) == {"ok": True, "applied": [1]}
    assert d1.run("verify-deep", engine_name, target, via) == {"ok": True}
    if engine_name == "sqlite":
        _seed_sqlite(Path(target))
    else:
        with psycopg.connect(target, autocommit=True) as conn:
            for stmt in SEED_ROWS:
                conn.execute(stmt)
    before = _content(engine_name, target)
    assert d3.run("migrate", engine_name, target, via) == {"ok": True, "applied": [2, 3]}
    assert _content(engine_name, target) == before   # every row of every table kept (parent rebuild on SQLite)
    assert d3.run("migrate", engine_name, target, via) == {"ok": True, "applied": []}
    assert d3.run("verify", engine_name, target, via) == {"ok": True}
    assert d3.run("verify-deep", engine_name, target, via) == {"ok": True}
    assert _python_problems(engine_name, target, built.bundles[3]) == []   # Python accepts what TypeScript did
    older = d1.run("verify", engine_name, target, via)   # an older build sees a newer database
    assert older["differences"] == ["database is at version 3, the bundle expects 1"]
    assert d1.run("migrate", engine_name, target, via)["message"].startswith(
        "database is at schema version 3, ahead of this build")


def test_named_postgres_schema(built, pg, pg_test_db):
    d, bundle = built.drivers["named"], built.bundles["named"]
    assert bundle["engines"]["postgres"]["catalog"]["schema"] == "Sales Data"
    assert d.run("migrate", "postgres", pg_test_db, "pool") == {"ok": True, "applied": [1]}
    assert d.run("verify-deep", "postgres", pg_test_db) == {"ok": True}
    assert pg.execute('SELECT count(*) FROM "Sales Data".schema_version').fetchone() == (1,)
    assert _python_problems("postgres", pg_test_db, bundle) == []
    pg.execute('DROP INDEX "Sales Data".items_title_idx; ALTER TABLE "Sales Data".items ADD COLUMN "Odd, Col" text; '
               'ALTER TABLE "Sales Data".items ADD CONSTRAINT odd_key UNIQUE ("Odd, Col", title); '
               'CREATE INDEX items_title_idx ON "Sales Data".items ("Odd, Col" DESC, qty)')
    answer = d.run("verify-deep", "postgres", pg_test_db)
    assert answer["differences"] == [
        'column "items.Odd, Col" is not expected', 'unique "items" (Odd, Col, title) is not expected',
        'index "items_title_idx" on "items": expected (title), found (Odd, Col DESC, qty)']
    assert answer["differences"] == _python_problems("postgres", pg_test_db, bundle)


# ---------------------------------------------------------------- tampered databases

SCHEMA_TAMPERS = {   # name -> (sqlite script, postgres script, a line deep verify must print)
    "column dropped": ("ALTER TABLE items DROP COLUMN note", "ALTER TABLE items DROP COLUMN note",
                       'column "items.note" is missing'),
    "column added": ("ALTER TABLE items ADD COLUMN extra_note TEXT", "ALTER TABLE items ADD COLUMN extra_note text",
                     'column "items.extra_note" is not expected'),
    "column retyped": ("DROP TABLE extra; CREATE TABLE extra (id TEXT NOT NULL PRIMARY KEY)",
                       "ALTER TABLE extra ALTER COLUMN id TYPE bigint",
                       'column "extra.id": expected type '),
    "expression index replaced": (
        "DROP INDEX owners_name_expr_idx; CREATE INDEX owners_name_expr_idx ON owners (name, id DESC)",
        "DROP INDEX owners_name_expr_idx; CREATE INDEX owners_name_expr_idx ON owners (name, id DESC)",
        'index "owners_name_expr_idx" on "owners": expected ((expression), id DESC), found (name, id DESC)'),
    "index dropped": ("DROP INDEX items_title_idx", "DROP INDEX items_title_idx",
                      'index "items_title_idx" on "items" is missing'),
    "many at once": (
        "PRAGMA foreign_keys = OFF; DROP TABLE items; "
        "CREATE TABLE items (owner_id INTEGER REFERENCES owners (id) ON DELETE SET NULL ON UPDATE RESTRICT, "
        "id INTEGER NOT NULL, title varchar( 50 ), qty INTEGER DEFAULT 0, note TEXT, status TEXT NOT NULL, "
        "PRIMARY KEY (id, owner_id), UNIQUE (title, status)); "
        "CREATE INDEX items_title_idx ON items (title DESC, qty); "
        'CREATE TABLE "Stray" (id INTEGER PRIMARY KEY, "Odd Col" TEXT UNIQUE) WITHOUT ROWID; '
        'CREATE VIRTUAL TABLE docs USING fts5(body)',
        "ALTER TABLE items DROP CONSTRAINT items_owner_id_fkey, "
        "ADD CONSTRAINT items_owner_fk FOREIGN KEY (owner_id) REFERENCES owners (id) ON DELETE SET NULL "
        "ON UPDATE RESTRICT, ADD CONSTRAINT items_title_status_key UNIQUE (title, status), "
        "ALTER COLUMN title DROP NOT NULL; "
        'DROP INDEX items_title_idx; CREATE UNIQUE INDEX items_title_idx ON items (title DESC, qty); '
        'CREATE TABLE "Stray" (id integer PRIMARY KEY, "Odd Col" text, UNIQUE ("Odd Col", id)); '
        'CREATE INDEX "Odd Idx" ON "Stray" ("Odd Col" DESC)',
        'table "Stray" is not expected'),
}


@pytest.mark.parametrize("tamper", sorted(SCHEMA_TAMPERS))
def test_schema_tamper_gives_python_s_lines(built, engine, tamper):
    engine_name, target, run_sql = engine
    d = built.drivers[3]
    assert d.run("migrate", engine_name, target)["applied"] == [1, 2, 3]
    _seed(engine_name, target, run_sql)
    lite, post, line = SCHEMA_TAMPERS[tamper]
    run_sql(lite if engine_name == "sqlite" else post)
    assert d.run("verify", engine_name, target) == {"ok": True}   # version and hash still fit
    answer = d.run("verify-deep", engine_name, target)
    assert answer["ok"] is False and answer["error"] == "SchemaMismatch"
    assert any(diff.startswith(line) for diff in answer["differences"]), answer["differences"]
    assert answer["differences"] == _python_problems(engine_name, target, built.bundles[3])


def _history_tampers(engine_name: str) -> dict:
    applied_at = ", '2024-01-01T00:00:00.000Z'" if engine_name == "sqlite" else ""
    columns = ", applied_at" if engine_name == "sqlite" else ""
    return {   # name -> (SQL, start of migrate's message, verify's lines)
        "edited migration": ("UPDATE schema_version SET checksum = 'x' || checksum WHERE version = 1",
                             "migration 0001_init was applied from a different file", None),
        "forged hash": ("UPDATE schema_version SET hash = 'sha256:forged' WHERE version = 3",
                        "schema_version row 3 carries hash sha256:forged, which this bundle does not know",
                        ["database hash sha256:forged differs from the bundle's "]),
        "database ahead": (f"INSERT INTO schema_version (version, hash, checksum{columns}) "
                           f"VALUES (4, 'sha256:next', 'c'{applied_at})",
                           "database is at schema version 4, ahead of this build",
                           ["database is at version 4, the bundle expects 3"]),
        "gap": ("DELETE FROM schema_version WHERE version = 2", "schema_version is not a gapless history", None),
    }


@pytest.mark.parametrize("tamper", ["edited migration", "forged hash", "database ahead", "gap"])
def test_history_tamper_is_refused_like_python(built, engine, tamper):
    engine_name, target, run_sql = engine
    d = built.drivers[3]
    assert d.run("migrate", engine_name, target)["applied"] == [1, 2, 3]
    sql, message, lines = _history_tampers(engine_name)[tamper]
    run_sql(sql)
    answer = d.run("migrate", engine_name, target)
    assert answer["ok"] is False and answer["error"] == "MigrationError"
    assert answer["message"].startswith(message)
    assert answer["message"] == _python_migrate_error(engine_name, target, built.bundles[3])
    shallow = d.run("verify", engine_name, target)
    if lines is not None:
        assert shallow["error"] == "SchemaMismatch" and shallow["differences"][0].startswith(lines[0])
    assert shallow.get("differences", []) == _python_problems(engine_name, target, built.bundles[3], deep=False)


def test_another_tools_schema_version_table_is_named_so_like_python(built, engine):
    """Flyway's schema_version: the raw pg error (or "migration failed and was rolled back: no such column"), and
    verify said "no schema_version table; run migrate() first"."""
    from tests.test_runtime import FLYWAY, FOREIGN
    engine_name, target, run_sql = engine
    run_sql(FLYWAY)
    d = built.drivers[3]
    assert d.run("migrate", engine_name, target) == {"ok": False, "error": "MigrationError", "message": FOREIGN,
                                                    "differences": []}
    assert d.run("verify", engine_name, target)["differences"] == [FOREIGN]


# ---------------------------------------------------------------- failures roll back

def test_failing_migration_is_rolled_back(built, engine):
    engine_name, target, run_sql = engine
    assert built.drivers[3].run("migrate", engine_name, target)["applied"] == [1, 2, 3]
    _seed(engine_name, target, run_sql)
    run_sql("INSERT INTO items (id, owner_id, title, qty, note) VALUES (9, 2, 'no note', 1, NULL)")
    before = _content(engine_name, target)
    answer = built.drivers[4].run("migrate", engine_name, target)
    assert answer["error"] == "MigrationError"
    if engine_name == "sqlite":
        assert answer["message"] == "migration 0004_note_required failed and was rolled back: NOT NULL " \
                                    "constraint failed: items.note"   # not the rebuild's __schemactl_new_items
        assert answer["message"] == _python_migrate_error(engine_name, target, built.bundles[4])
    else:
        assert answer["message"] == ('migration 0004_note_required failed and was rolled back: column "note" of '
                                     'relation "items" contains null values')
    assert _content(engine_name, target) == before
    assert built.drivers[3].run("verify-deep", engine_name, target) == {"ok": True}   # still exactly version 3
    assert built.drivers[4].run("verify", engine_name, target)["differences"] == [
        "database is at version 3, the bundle expects 4"]


def test_rows_violating_foreign_keys_stop_the_migration(built, tmp_path):
    db = tmp_path / "app.db"
    assert built.drivers[2].run("migrate", "sqlite", str(db))["applied"] == [1, 2]
    _seed_sqlite(db)
    conn = _sqlite(db)
    conn.execute("INSERT INTO items (id, owner_id, title) VALUES (9, 99, 'orphan')")   # foreign keys are off here
    conn.commit()
    conn.close()
    answer = built.drivers[3].run("migrate", "sqlite", str(db))
    assert answer["message"] == ("the database already holds 1 row(s) violating foreign keys (first: table items, "
                                 "rowid 9), written while foreign keys were off; migration 0003_owner_name_optional "
                                 "was not applied: correct them (PRAGMA foreign_key_check lists them), then migrate "
                                 "again")   # it said the migration left them
    assert answer["message"] == _python_migrate_error("sqlite", db, built.bundles[3])
    assert built.drivers[2].run("verify-deep", "sqlite", str(db)) == {"ok": True}


# ---------------------------------------------------------------- two processes at once

def test_two_processes_migrating_one_sqlite_file(built, tmp_path):
    db = tmp_path / "app.db"
    holder = sqlite3.connect(str(db), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")   # both racers wait behind this writer (busy_timeout), then race
    d = built.drivers[1]
    procs = [d.start("migrate", "sqlite", str(db)) for _ in range(2)]
    time.sleep(1.0)
    holder.execute("ROLLBACK")
    holder.close()
    results = [d.result(p) for p in procs]
    assert sorted(r["applied"] for r in results) == [[], [1]]
    assert d.run("verify-deep", "sqlite", str(db)) == {"ok": True}


def test_two_processes_migrating_one_postgres_database(built, pg, pg_test_db):
    key = built.bundles[3]["engines"]["postgres"]["lock_key"]
    pg.execute("SELECT pg_advisory_lock(%s::bigint)", (key,))   # the racers queue behind this session
    d = built.drivers[3]
    procs = [d.start("migrate", "postgres", pg_test_db, via) for via in ("plain", "pool")]
    deadline = time.time() + 30
    while pg.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted").fetchone()[0] < 2:
        assert time.time() < deadline and all(p.poll() is None for p in procs), "the racers never waited"
        time.sleep(0.05)
    pg.execute("SELECT pg_advisory_unlock(%s::bigint)", (key,))
    results = [d.result(p) for p in procs]
    assert sorted(r["applied"] for r in results) == [[], [1, 2, 3]]
    assert pg.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'").fetchone()[0] == 0
    assert d.run("verify-deep", "postgres", pg_test_db) == {"ok": True}


def test_a_migration_lock_held_past_30_s_is_a_migration_error(built, pg, pg_test_db):
    """migrate() waited for PostgreSQL's advisory lock without end (69 s and more behind a 70 s holder); the
    README promises 30 s, as on SQLite, then "cannot take the database's write lock"."""
    key = built.bundles[3]["engines"]["postgres"]["lock_key"]
    pg.execute("SELECT pg_advisory_lock(%s::bigint)", (key,))
    started = time.time()
    try:
        answer = built.drivers[3].result(built.drivers[3].start("migrate", "postgres", pg_test_db), timeout=90)
    finally:
        pg.execute("SELECT pg_advisory_unlock(%s::bigint)", (key,))
    assert answer["message"] == ("cannot take the database's write lock: another process has held schemactl's "
                                 f"migration lock (pg_advisory_lock({key})) for 30 s")
    assert 29 < time.time() - started < 60
    assert built.drivers[3].run("migrate", "postgres", pg_test_db)["applied"] == [1, 2, 3]


# ---------------------------------------------------------------- the generated files

USE = """\
import type BetterSqlite3 from "better-sqlite3";
import type { Client, Pool, PoolClient } from "pg";
import type { BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import { BUNDLE } from "./bundle";
import { MigrationError, SchemaMismatch, migrate, verify } from "./runtime";

export async function startUp(lite: BetterSqlite3.Database, client: Client, pool: Pool, lent: PoolClient,
                              dLite: BetterSQLite3Database & { $client: BetterSqlite3.Database },
                              dPg: NodePgDatabase & { $client: Pool }): Promise<number[]> {
  const applied: number[] = await migrate(lite, BUNDLE);
  for (const db of [client, pool, lent, dLite, dPg]) {
    await migrate(db, BUNDLE);
    await verify(db, BUNDLE, { deep: true });
  }
  try {
    await verify(lite, BUNDLE);
  } catch (err) {
    if (err instanceof SchemaMismatch) { const lines: string[] = err.differences; return lines.map(Number); }
    if (err instanceof MigrationError) { return [err.message.length]; }
  }
  return applied;
}
"""


def test_every_generated_runtime_compiles_strict(tmp_path):
    """tsc --strict and the stricter flags projects commonly add (STRICTER_OPTIONS), with a use of it."""
    outs = sorted(p.parent for p in (ROOT / "generated").glob("*/bundle.ts"))
    assert outs and all((o / "runtime.ts").exists() for o in outs), "run schemactl generate"
    (tmp_path / "node_modules").symlink_to(NODE_MODULES, target_is_directory=True)
    for out in outs:
        work = tmp_path / out.name
        work.mkdir()
        for name in ("runtime.ts", "bundle.ts"):
            shutil.copyfile(out / name, work / name)
        (work / "use.ts").write_text(USE)
    (tmp_path / "tsconfig.json").write_text(json.dumps({"compilerOptions": {**COMPILER_OPTIONS, **STRICTER_OPTIONS,
                                                                        "noEmit": True},
                                                        "include": ["*/*.ts"]}))
    res = subprocess.run([str(TSC), "-p", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    texts = {(o / "runtime.ts").read_text().split("\n", 1)[1] for o in outs}
    assert len(texts) == 1   # one runtime: only the first line names the schema


def test_runtime_imports_nothing_and_never_makes_the_lock_key_a_number():
    text = (ROOT / "generated" / "memories" / "runtime.ts").read_text()
    assert not [line for line in text.splitlines() if line.startswith(("import ", "export * from", "require("))]
    assert "require(" not in text and "import(" not in text
    assert "$1::bigint" in text and "Number(key)" not in text and "BigInt(" not in text
